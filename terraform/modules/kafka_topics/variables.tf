variable "topic_snippets" {
  description = "Miner snippets topic (Settings.topic_snippets)."
  type        = string
  default     = "miner.snippets"
}

variable "topic_outcomes" {
  description = "Outcome events topic (Settings.topic_outcomes)."
  type        = string
  default     = "outcome.events"
}

variable "topic_snippets_dlq" {
  description = "Dead letters of the snippets consumer."
  type        = string
  default     = "miner.snippets.dlq"
}

variable "topic_outcomes_dlq" {
  description = "Dead letters of the outcomes consumer."
  type        = string
  default     = "outcome.events.dlq"
}

variable "partitions" {
  description = "Partitions of the two main topics (upper bound of consumer replicas)."
  type        = number
  default     = 6
}

variable "replication_factor" {
  description = "Replication factor (<= broker count)."
  type        = number
  default     = 3
}

variable "retention_ms" {
  description = "Retention of the main topics."
  type        = number
  default     = 604800000
}

variable "dlq_retention_ms" {
  description = "Retention of the dead-letter topics."
  type        = number
  default     = 2419200000
}
