variable "name" {
  description = "Role name prefix."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "cluster_name" {
  description = "EKS cluster name (autoscaler tag condition)."
  type        = string
}

variable "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster."
  type        = string
}

variable "oidc_issuer" {
  description = "OIDC issuer without https://."
  type        = string
}

variable "app_namespace" {
  description = "Namespace of the Helm release."
  type        = string
  default     = "leadpoet"
}

variable "app_service_account" {
  description = "Service account of the chart (its fullname)."
  type        = string
  default     = "leadpoet"
}

variable "app_secret_arn" {
  description = "Secrets Manager secret of the app (modules/secrets)."
  type        = string
}

variable "secrets_kms_key_arn" {
  description = "KMS key of the app secret."
  type        = string
}

variable "extra_readable_secret_arns" {
  description = "Other secrets external-secrets may read (the RDS-managed master secret)."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
