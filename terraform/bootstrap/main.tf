# One-time, per AWS account: the remote-state bucket and lock table (local state; keep the
# resulting terraform.tfstate safe or import it into the bucket afterwards).
#   terraform init && terraform apply -var state_bucket=leadpoet-terraform-state-<account-id>

terraform {
  required_version = ">= 1.5.0, < 1.6.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }
}

variable "region" {
  description = "Region of the state bucket."
  type        = string
  default     = "us-east-1"
}

variable "state_bucket" {
  description = "Globally unique bucket name."
  type        = string
}

provider "aws" {
  region = var.region
}

module "remote_state" {
  source          = "../modules/remote_state"
  bucket_name     = var.state_bucket
  lock_table_name = "leadpoet-terraform-locks"
  tags            = { project = "leadpoet", managed-by = "terraform" }
}

output "backend_config" {
  description = "Values for envs/*/backend.hcl."
  value = {
    bucket         = module.remote_state.bucket
    dynamodb_table = module.remote_state.lock_table
    kms_key_id     = module.remote_state.kms_key_arn
    region         = var.region
  }
}
