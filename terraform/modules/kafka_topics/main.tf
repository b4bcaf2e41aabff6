# The four Leadpoet topics, created through the Kafka admin API by the Mongey/kafka provider
# (configured by the calling env with the MSK SASL/SCRAM bootstrap brokers). The runner must reach
# the brokers on 9096: run it inside the VPC (CI runner / bastion) or see docs/DEPLOYMENT.md.
# Partitions bound the consumer replicas of the Helm chart (kafka.partitions there).

locals {
  topics = {
    (var.topic_snippets)     = { partitions = var.partitions, retention_ms = var.retention_ms }
    (var.topic_outcomes)     = { partitions = var.partitions, retention_ms = var.retention_ms }
    (var.topic_snippets_dlq) = { partitions = 1, retention_ms = var.dlq_retention_ms }
    (var.topic_outcomes_dlq) = { partitions = 1, retention_ms = var.dlq_retention_ms }
  }
}

resource "kafka_topic" "this" {
  for_each           = local.topics
  name               = each.key
  partitions         = each.value.partitions
  replication_factor = var.replication_factor
  config = {
    "cleanup.policy"      = "delete"
    "retention.ms"        = tostring(each.value.retention_ms)
    "min.insync.replicas" = tostring(var.replication_factor > 1 ? var.replication_factor - 1 : 1)
    "compression.type"    = "zstd"
  }
}
