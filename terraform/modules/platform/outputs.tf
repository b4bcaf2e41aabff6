output "cluster_name" {
  description = "aws eks update-kubeconfig --name <this>"
  value       = module.eks.cluster_name
}

output "irsa_role_arn" {
  description = "Helm value serviceAccount.roleArn."
  value       = module.iam.app_role_arn
}

output "irsa_role_arns" {
  description = "IRSA roles of the add-ons (external-secrets, cluster-autoscaler, EBS CSI)."
  value       = module.iam.role_arns
}

output "msk_bootstrap_brokers_sasl_scram" {
  description = "Helm value env.KAFKA_BOOTSTRAP_SERVERS."
  value       = module.msk.bootstrap_brokers_sasl_scram
}

output "rds_address" {
  description = "PostgreSQL host (DATABASE_URL is composed by external-secrets)."
  value       = module.rds.address
}

output "rds_master_secret_arn" {
  description = "RDS-managed master credentials (external-secrets source of DATABASE_URL)."
  value       = module.rds.master_user_secret_arn
}

output "app_secret_name" {
  description = "Secrets Manager secret synced into the Kubernetes Secret leadpoet-app."
  value       = module.secrets.app_secret_name
}

output "data_subnets_cidr" {
  description = "Helm values networkPolicy.{postgres,redis,kafka}.cidrs."
  value       = module.vpc.data_subnets_cidr
}

output "kafka_topics" {
  description = "Topics and partitions."
  value       = module.kafka_topics.topics
}

output "kafka_username" {
  description = "SASL/SCRAM user of the app (the root's kafka provider)."
  value       = module.secrets.kafka_username
}

output "kafka_password" {
  description = "SASL/SCRAM password of the app (the root's kafka provider)."
  value       = module.secrets.kafka_password
  sensitive   = true
}

output "snapshot_bucket" {
  description = "S3 bucket for index snapshots (python -m app.cli index build)."
  value       = module.snapshots.bucket
}
