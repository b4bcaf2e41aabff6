variable "name" {
  description = "Name prefix of the VPC resources."
  type        = string
}

variable "region" {
  description = "AWS region (for the S3 gateway endpoint service name)."
  type        = string
}

variable "cidr" {
  description = "VPC CIDR block (a /16; see the layout in main.tf)."
  type        = string

  validation {
    condition     = can(cidrnetmask(var.cidr)) && endswith(var.cidr, "/16")
    error_message = "cidr must be a /16 block."
  }
}

variable "az_count" {
  description = "Number of availability zones (2 or 3)."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3."
  }
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway (cheaper, staging) instead of one per zone."
  type        = bool
  default     = false
}

variable "cluster_name" {
  description = "EKS cluster name, for the subnet discovery tags."
  type        = string
}

variable "flow_logs_bucket_arn" {
  description = "S3 bucket ARN for rejected-traffic flow logs (empty: no flow logs)."
  type        = string
  default     = ""
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
