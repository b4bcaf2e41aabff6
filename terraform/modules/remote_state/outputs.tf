output "bucket" {
  description = "State bucket name (backend \"s3\" bucket)."
  value       = aws_s3_bucket.state.id
}

output "lock_table" {
  description = "Lock table name (backend \"s3\" dynamodb_table)."
  value       = aws_dynamodb_table.lock.name
}

output "kms_key_arn" {
  description = "KMS key encrypting the state objects (backend \"s3\" kms_key_id)."
  value       = aws_kms_key.state.arn
}
