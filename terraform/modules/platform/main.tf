# Leadpoet platform: every module of an environment wired together. envs/staging and envs/prod call it
# with their terraform.tfvars; the providers (aws with the default tags, kafka on the MSK brokers this
# module creates) are configured by the calling root and inherited here.

locals {
  name = "leadpoet-${var.environment}"
  tags = {
    project     = "leadpoet"
    environment = var.environment
    managed-by  = "terraform"
  }
}

module "vpc" {
  source             = "../vpc"
  name               = local.name
  region             = var.region
  cidr               = var.vpc_cidr
  az_count           = var.az_count
  single_nat_gateway = var.single_nat_gateway
  cluster_name       = local.name
  tags               = local.tags
}

module "eks" {
  source              = "../eks"
  name                = local.name
  kubernetes_version  = var.kubernetes_version
  subnet_ids          = module.vpc.private_subnet_ids
  public_access_cidrs = var.eks_public_access_cidrs
  node_instance_types = [var.node_instance_type]
  node_min_size       = var.node_min_size
  node_desired_size   = var.node_desired_size
  node_max_size       = var.node_max_size
  admin_role_arns     = var.admin_role_arns
  tags                = local.tags
}

module "rds" {
  source                   = "../rds"
  name                     = local.name
  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.data_subnet_ids
  client_security_group_id = module.eks.cluster_security_group_id
  engine_major_version     = var.postgres_major_version
  engine_version           = tostring(var.postgres_major_version)
  instance_class           = var.rds_instance_class
  multi_az                 = var.rds_multi_az
  allocated_storage_gb     = var.rds_storage_gb
  max_allocated_storage_gb = var.rds_max_storage_gb
  max_connections          = var.rds_max_connections
  deletion_protection      = var.deletion_protection
  tags                     = local.tags
}

module "elasticache" {
  source                   = "../elasticache"
  name                     = local.name
  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.data_subnet_ids
  client_security_group_id = module.eks.cluster_security_group_id
  node_type                = var.redis_node_type
  replicas                 = var.redis_replicas
  tags                     = local.tags
}

module "msk" {
  source                   = "../msk"
  name                     = local.name
  vpc_id                   = module.vpc.vpc_id
  subnet_ids               = module.vpc.data_subnet_ids
  client_security_group_id = module.eks.cluster_security_group_id
  admin_cidrs              = var.kafka_admin_cidrs
  broker_count             = var.msk_broker_count
  broker_instance_type     = var.msk_broker_instance_type
  broker_volume_gb         = var.msk_broker_volume_gb
  replication_factor       = var.kafka_replication_factor
  default_partitions       = var.kafka_partitions
  tags                     = local.tags
}

module "secrets" {
  source          = "../secrets"
  name            = "leadpoet/${var.environment}"
  redis_url       = module.elasticache.redis_url
  msk_cluster_arn = module.msk.cluster_arn
  tags            = local.tags
}

module "kafka_topics" {
  source             = "../kafka_topics"
  partitions         = var.kafka_partitions
  replication_factor = var.kafka_replication_factor
  depends_on         = [module.secrets]
}

module "iam" {
  source                     = "../iam"
  name                       = local.name
  region                     = var.region
  cluster_name               = module.eks.cluster_name
  oidc_provider_arn          = module.eks.oidc_provider_arn
  oidc_issuer                = module.eks.oidc_issuer
  app_namespace              = var.app_namespace
  app_secret_arn             = module.secrets.app_secret_arn
  secrets_kms_key_arn        = module.secrets.kms_key_arn
  extra_readable_secret_arns = [module.rds.master_user_secret_arn]
  tags                       = local.tags
}

module "snapshots" {
  source        = "../snapshots"
  name          = local.name
  app_role_name = module.iam.app_role_name
  tags          = local.tags
}
