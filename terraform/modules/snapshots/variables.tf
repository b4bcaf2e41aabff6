variable "name" {
  description = "Bucket name prefix."
  type        = string
}

variable "app_role_name" {
  description = "IAM role of the app's service account (modules/iam), granted read and write."
  type        = string
}

variable "retention_days" {
  description = "Days a snapshot object is kept (a new one is built every hour by default)."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
