output "cluster_arn" {
  description = "MSK cluster ARN (SCRAM secret association)."
  value       = aws_msk_cluster.this.arn
}

output "bootstrap_brokers_sasl_scram" {
  description = "KAFKA_BOOTSTRAP_SERVERS (SASL/SCRAM over TLS, port 9096)."
  value       = aws_msk_cluster.this.bootstrap_brokers_sasl_scram
}

output "security_group_id" {
  description = "Security group of the brokers."
  value       = aws_msk_cluster.this.broker_node_group_info[0].security_groups[0]
}
