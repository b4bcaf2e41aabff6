variable "name" {
  description = "Identifier prefix."
  type        = string
}

variable "vpc_id" {
  description = "VPC id."
  type        = string
}

variable "subnet_ids" {
  description = "Isolated data subnets."
  type        = list(string)
}

variable "client_security_group_id" {
  description = "Security group allowed to connect (the EKS cluster/node security group)."
  type        = string
}

variable "engine_major_version" {
  description = "PostgreSQL major version (>= 16: pgvector 0.8 is available on RDS 16 and 17)."
  type        = number
  default     = 17

  validation {
    condition     = var.engine_major_version >= 16
    error_message = "PostgreSQL 16 or newer is required."
  }
}

variable "engine_version" {
  description = "Engine version or major-version prefix (RDS picks the latest minor with auto upgrades)."
  type        = string
  default     = "17"
}

variable "instance_class" {
  description = "DB instance class."
  type        = string
}

variable "multi_az" {
  description = "Synchronous standby in a second zone."
  type        = bool
  default     = true
}

variable "database_name" {
  description = "Database created at launch."
  type        = string
  default     = "leadpoet"
}

variable "master_username" {
  description = "Master user (password managed by RDS in Secrets Manager)."
  type        = string
  default     = "leadpoet"
}

variable "allocated_storage_gb" {
  description = "Initial gp3 storage."
  type        = number
  default     = 100
}

variable "max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling."
  type        = number
  default     = 500
}

variable "max_connections" {
  description = "max_connections (>= API pods x workers x (pool + overflow) + consumers + headroom)."
  type        = number
  default     = 1000
}

variable "maintenance_work_mem_mb" {
  description = "maintenance_work_mem for HNSW index builds, MB."
  type        = number
  default     = 2048
}

variable "backup_retention_days" {
  description = "Automated backup retention."
  type        = number
  default     = 7
}

variable "deletion_protection" {
  description = "Protect the instance (and take a final snapshot)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
