# Leadpoet environment root: the platform module (terraform/modules/platform) with this environment's
# terraform.tfvars and backend.hcl. variables.tf links to the module's variables; envs/staging links
# its main.tf and outputs.tf to these, so staging and prod differ only by terraform.tfvars and
# backend.hcl (tests/deploy checks it).
#
#   terraform init -backend-config=backend.hcl
#   terraform apply -target=module.platform.module.msk -target=module.platform.module.secrets
#   terraform apply                                            # then everything (topics too)

terraform {
  required_version = ">= 1.5.0, < 1.6.0"

  backend "s3" {
    # bucket, key, region, dynamodb_table, kms_key_id: from backend.hcl (see bootstrap outputs)
    encrypt = true
  }

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
    kafka = {
      source  = "Mongey/kafka"
      version = "~> 0.8"
    }
  }
}

provider "aws" {
  region = var.region
  default_tags {
    tags = {
      project     = "leadpoet"
      environment = var.environment
      managed-by  = "terraform"
    }
  }
}

provider "kafka" {
  bootstrap_servers = split(",", module.platform.msk_bootstrap_brokers_sasl_scram)
  tls_enabled       = true
  sasl_mechanism    = "scram-sha512"
  sasl_username     = module.platform.kafka_username
  sasl_password     = module.platform.kafka_password
}

module "platform" {
  source = "../../modules/platform"

  environment              = var.environment
  region                   = var.region
  vpc_cidr                 = var.vpc_cidr
  az_count                 = var.az_count
  single_nat_gateway       = var.single_nat_gateway
  kubernetes_version       = var.kubernetes_version
  eks_public_access_cidrs  = var.eks_public_access_cidrs
  admin_role_arns          = var.admin_role_arns
  node_instance_type       = var.node_instance_type
  node_min_size            = var.node_min_size
  node_desired_size        = var.node_desired_size
  node_max_size            = var.node_max_size
  postgres_major_version   = var.postgres_major_version
  rds_instance_class       = var.rds_instance_class
  rds_multi_az             = var.rds_multi_az
  rds_storage_gb           = var.rds_storage_gb
  rds_max_storage_gb       = var.rds_max_storage_gb
  rds_max_connections      = var.rds_max_connections
  deletion_protection      = var.deletion_protection
  redis_node_type          = var.redis_node_type
  redis_replicas           = var.redis_replicas
  msk_broker_count         = var.msk_broker_count
  msk_broker_instance_type = var.msk_broker_instance_type
  msk_broker_volume_gb     = var.msk_broker_volume_gb
  kafka_partitions         = var.kafka_partitions
  kafka_replication_factor = var.kafka_replication_factor
  kafka_admin_cidrs        = var.kafka_admin_cidrs
  app_namespace            = var.app_namespace
}
