variable "name" {
  description = "Secret name prefix, e.g. leadpoet/prod."
  type        = string
}

variable "redis_url" {
  description = "REDIS_URL (modules/elasticache output)."
  type        = string
  sensitive   = true
}

variable "kafka_username" {
  description = "SASL/SCRAM user of the app."
  type        = string
  default     = "leadpoet"
}

variable "msk_cluster_arn" {
  description = "MSK cluster to associate the SCRAM secret with."
  type        = string
}

variable "llm_api_key" {
  description = "Optional LLM provider key (empty: LLM features off). Prefer setting it in the console."
  type        = string
  default     = ""
  sensitive   = true
}

variable "tags" {
  description = "Tags applied to every resource."
  type        = map(string)
  default     = {}
}
