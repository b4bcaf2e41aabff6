variable "environment" {
  description = "Environment name (staging or prod)."
  type        = string

  validation {
    condition     = contains(["staging", "prod"], var.environment)
    error_message = "environment must be staging or prod."
  }
}

variable "region" {
  description = "AWS region (prices in docs/DEPLOYMENT.md are us-east-1)."
  type        = string
  default     = "us-east-1"
}

variable "vpc_cidr" {
  description = "VPC /16; data subnets land in x.x.100.0/22 (the chart's NetworkPolicy egress)."
  type        = string
}

variable "az_count" {
  description = "Availability zones."
  type        = number
  default     = 3
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones."
  type        = bool
  default     = false
}

variable "kubernetes_version" {
  description = "EKS version."
  type        = string
  default     = "1.33"
}

variable "eks_public_access_cidrs" {
  description = "CIDRs allowed on the public EKS endpoint (empty: private only)."
  type        = list(string)
  default     = []
}

variable "admin_role_arns" {
  description = "IAM roles with cluster-admin."
  type        = list(string)
  default     = []
}

variable "node_instance_type" {
  description = "Instance type of the app node group (its on-demand price feeds PRICE_PER_VCPU_SECOND_USD)."
  type        = string
  default     = "c7i.xlarge"
}

variable "node_min_size" {
  description = "Minimum nodes."
  type        = number
}

variable "node_desired_size" {
  description = "Initial nodes."
  type        = number
}

variable "node_max_size" {
  description = "Maximum nodes."
  type        = number
}

variable "postgres_major_version" {
  description = "RDS PostgreSQL major version (>= 16)."
  type        = number
  default     = 17
}

variable "rds_instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "rds_multi_az" {
  description = "RDS Multi-AZ standby."
  type        = bool
}

variable "rds_storage_gb" {
  description = "RDS initial storage, GB."
  type        = number
}

variable "rds_max_storage_gb" {
  description = "RDS storage autoscaling ceiling, GB."
  type        = number
}

variable "rds_max_connections" {
  description = "RDS max_connections."
  type        = number
  default     = 1000
}

variable "deletion_protection" {
  description = "Protect the database from deletion."
  type        = bool
  default     = true
}

variable "redis_node_type" {
  description = "ElastiCache node type."
  type        = string
}

variable "redis_replicas" {
  description = "ElastiCache replicas (>= 1: Multi-AZ failover)."
  type        = number
}

variable "msk_broker_count" {
  description = "MSK brokers (a multiple of az_count)."
  type        = number
}

variable "msk_broker_instance_type" {
  description = "MSK broker instance type."
  type        = string
}

variable "msk_broker_volume_gb" {
  description = "EBS per broker, GB."
  type        = number
  default     = 100
}

variable "kafka_partitions" {
  description = "Partitions of miner.snippets and outcome.events (chart kafka.partitions)."
  type        = number
  default     = 6
}

variable "kafka_replication_factor" {
  description = "Topic replication factor (<= msk_broker_count)."
  type        = number
}

variable "kafka_admin_cidrs" {
  description = "CIDRs of the runner that applies kafka_topics (port 9096)."
  type        = list(string)
  default     = []
}

variable "app_namespace" {
  description = "Kubernetes namespace of the Helm release."
  type        = string
  default     = "leadpoet"
}
