output "app_secret_arn" {
  description = "ARN of the app secret."
  value       = aws_secretsmanager_secret.app.arn
}

output "app_secret_name" {
  description = "Name of the app secret (external-secrets remoteRef.key)."
  value       = aws_secretsmanager_secret.app.name
}

output "kms_key_arn" {
  description = "KMS key of the secrets."
  value       = aws_kms_key.this.arn
}

output "kafka_username" {
  description = "SASL/SCRAM user of the app."
  value       = var.kafka_username
}

output "kafka_password" {
  description = "SASL/SCRAM password of the app (for the kafka provider of kafka_topics)."
  value       = random_password.kafka_scram.result
  sensitive   = true
}
