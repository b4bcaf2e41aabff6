output "cluster_name" {
  description = "aws eks update-kubeconfig --name <this>"
  value       = module.platform.cluster_name
}

output "irsa_role_arn" {
  description = "Helm value serviceAccount.roleArn."
  value       = module.platform.irsa_role_arn
}

output "irsa_role_arns" {
  description = "IRSA roles of the add-ons (external-secrets, cluster-autoscaler, EBS CSI)."
  value       = module.platform.irsa_role_arns
}

output "msk_bootstrap_brokers_sasl_scram" {
  description = "Helm value env.KAFKA_BOOTSTRAP_SERVERS."
  value       = module.platform.msk_bootstrap_brokers_sasl_scram
}

output "rds_address" {
  description = "PostgreSQL host (DATABASE_URL is composed by external-secrets)."
  value       = module.platform.rds_address
}

output "rds_master_secret_arn" {
  description = "RDS-managed master credentials (external-secrets source of DATABASE_URL)."
  value       = module.platform.rds_master_secret_arn
}

output "app_secret_name" {
  description = "Secrets Manager secret synced into the Kubernetes Secret leadpoet-app."
  value       = module.platform.app_secret_name
}

output "data_subnets_cidr" {
  description = "Helm values networkPolicy.{postgres,redis,kafka}.cidrs."
  value       = module.platform.data_subnets_cidr
}

output "kafka_topics" {
  description = "Topics and partitions."
  value       = module.platform.kafka_topics
}

output "snapshot_bucket" {
  description = "S3 bucket for index snapshots (python -m app.cli index build)."
  value       = module.platform.snapshot_bucket
}
