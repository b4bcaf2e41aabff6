# Secrets Manager: the app secret (synced into the Kubernetes Secret `leadpoet-app` by
# external-secrets, see docs/DEPLOYMENT.md) and the MSK SASL/SCRAM credentials.
# DATABASE_URL is NOT stored here: external-secrets composes it from the RDS-managed master secret
# (rotated by RDS) and the endpoint, so no database password ever sits in Terraform state.
# The generated pepper / SCRAM password / Redis token do sit in the (encrypted, private) state.

resource "aws_kms_key" "this" {
  description             = "Leadpoet secrets (${var.name})"
  deletion_window_in_days = 30
  enable_key_rotation     = true
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${replace(var.name, "/", "-")}-secrets"
  target_key_id = aws_kms_key.this.key_id
}

resource "random_password" "api_key_pepper" {
  length  = 64
  special = false
}

# The password of the app's database role `leadpoet_app` (made by the migrations, given this login
# by the migration job): the app connects as it, with no DDL and no UPDATE/DELETE on the audit log.
resource "random_password" "database_app" {
  length  = 40
  special = false
}

resource "random_password" "kafka_scram" {
  length  = 40
  special = false
}

resource "aws_secretsmanager_secret" "app" {
  name                    = "${var.name}/app"
  description             = "Leadpoet ${var.name}: env of the API / consumers / migration pods"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "app" {
  secret_id = aws_secretsmanager_secret.app.id
  secret_string = jsonencode({
    API_KEY_PEPPER        = random_password.api_key_pepper.result
    DATABASE_APP_PASSWORD = random_password.database_app.result
    REDIS_URL             = var.redis_url
    KAFKA_SASL_USERNAME   = var.kafka_username
    KAFKA_SASL_PASSWORD   = random_password.kafka_scram.result
    LLM_API_KEY           = var.llm_api_key
  })
}

# MSK requires SCRAM secrets named AmazonMSK_* and encrypted with a customer-managed key.
resource "aws_secretsmanager_secret" "msk_scram" {
  name                    = "AmazonMSK_${replace(var.name, "/", "-")}"
  description             = "MSK SASL/SCRAM credentials of the Leadpoet clients"
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "msk_scram" {
  secret_id = aws_secretsmanager_secret.msk_scram.id
  secret_string = jsonencode({
    username = var.kafka_username
    password = random_password.kafka_scram.result
  })
}

resource "aws_msk_scram_secret_association" "this" {
  cluster_arn     = var.msk_cluster_arn
  secret_arn_list = [aws_secretsmanager_secret.msk_scram.arn]
  depends_on      = [aws_secretsmanager_secret_version.msk_scram]
}
