# terraform init -backend-config=backend.hcl   (values: terraform/bootstrap outputs)
bucket         = "leadpoet-terraform-state-123456789012"
key            = "prod/terraform.tfstate"
region         = "us-east-1"
dynamodb_table = "leadpoet-terraform-locks"
