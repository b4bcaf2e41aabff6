output "topics" {
  description = "Topic name -> partition count."
  value       = { for name, t in kafka_topic.this : name => t.partitions }
}
