variable "name" {
  description = "Cluster name."
  type        = string
}

variable "vpc_id" {
  description = "VPC id."
  type        = string
}

variable "subnet_ids" {
  description = "Data subnets, one broker per subnet (broker_count must be a multiple of their number)."
  type        = list(string)
}

variable "client_security_group_id" {
  description = "Security group allowed to connect (the EKS cluster/node security group)."
  type        = string
}

variable "admin_cidrs" {
  description = "Extra CIDRs allowed on 9096 (the runner applying kafka_topics)."
  type        = list(string)
  default     = []
}

variable "kafka_version" {
  description = "MSK Kafka version."
  type        = string
  default     = "3.8.x"
}

variable "broker_count" {
  description = "Number of brokers."
  type        = number
  default     = 3
}

variable "broker_instance_type" {
  description = "Broker instance type."
  type        = string
}

variable "broker_volume_gb" {
  description = "EBS volume per broker, GB."
  type        = number
  default     = 100
}

variable "replication_factor" {
  description = "Default replication factor (min.insync.replicas = RF - 1)."
  type        = number
  default     = 3
}

variable "default_partitions" {
  description = "Default partition count."
  type        = number
  default     = 6
}

variable "retention_hours" {
  description = "Default log retention."
  type        = number
  default     = 168
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
