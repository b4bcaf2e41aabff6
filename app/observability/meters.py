"""Every Prometheus meter of the service, defined once. Import the objects; never create meters elsewhere.

Names and labels are a contract with the Grafana dashboards and alert rules under
helm/leadpoet/files/. Label values must have bounded cardinality.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import Counter, Gauge, Histogram

# 1 ms .. 2 s, roughly doubling, finer around the SLA thresholds (50 ms, 400 ms, 550 ms).
LATENCY_BUCKETS = (
    0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.04, 0.05, 0.075,
    0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.55, 0.75, 1.0, 1.5, 2.0,
)  # fmt: skip
COST_BUCKETS = (
    0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.0015, 0.002, 0.003, 0.004, 0.006, 0.01, 0.05,
)  # fmt: skip
STAGES = ("parse", "embed", "bm25", "ann", "features", "rerank", "total")

# --- search pipeline -------------------------------------------------------------------------
PIPELINE_LATENCY = Histogram(
    "pipeline_latency_seconds", "Search pipeline latency by stage", ["stage"], buckets=LATENCY_BUCKETS
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "HTTP request latency by route template, method and status",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
LEAD_COST = Histogram("lead_cost_usd", "Cost per lead returned, in USD", buckets=COST_BUCKETS)
REQUEST_COST = Counter("request_cost_usd_total", "Total cost of search requests, in USD", ["component"])
LEADS_RETURNED = Counter("leads_returned_total", "Leads returned by search")
SEARCH_REQUESTS = Counter("search_requests_total", "Search requests", ["outcome"])
LLM_REQUESTS = Counter("llm_requests_total", "Search requests by whether they called the LLM", ["called"])
LLM_CALLS = Counter("llm_calls_total", "Calls to the LLM provider", ["result"])
LLM_TOKENS = Counter("llm_tokens_total", "LLM tokens", ["direction"])
QUERY_LOG_ROWS = Counter("query_log_rows_total", "Query log rows by result", ["result"])
CACHE_EVENTS = Counter("search_cache_total", "Search cache lookups", ["result", "tier"])
CANDIDATES = Histogram(
    "search_candidates",
    "Candidates scored per query",
    buckets=(0, 10, 50, 100, 200, 300, 500, 750, 1000, 2000),
)
# An "info" metric as a Gauge: prometheus_client's Info is not multiprocess-safe. Exposed as
# ranker_model_info{version="..."} 1 (0 once retired); set it through MODEL_INFO.info({"version": v})
# or set_model_version(v).
MODEL_VERSION = Gauge(
    "ranker_model_info", "The ranker model version served (1) or retired (0)", ["version"],
    multiprocess_mode="mostrecent",
)  # fmt: skip
INDEX_DOCUMENTS = Gauge("bm25_index_documents", "Documents in the BM25 index", multiprocess_mode="max")
INDEX_LAG = Gauge(
    "index_refresh_lag_seconds", "Age of the newest change not yet indexed", multiprocess_mode="max"
)
# The snapshot's build time is its version; its age is time() minus it. Over workers: the oldest.
INDEX_SNAPSHOT_CREATED = Gauge(
    "index_snapshot_created_timestamp_seconds",
    "Build time (Unix seconds) of the index snapshot served; 0 when the index was built from PostgreSQL",
    multiprocess_mode="livemin",
)
INDEX_SNAPSHOT_SWAPS = Counter(
    "index_snapshot_swaps_total", "Swaps to a newer index snapshot while serving", ["outcome"]
)

# --- ingestion -------------------------------------------------------------------------------
SNIPPETS_ACCEPTED = Counter("snippets_accepted_total", "Snippets accepted", ["source"])
SNIPPETS_REJECTED = Counter("snippets_rejected_total", "Snippets rejected", ["reason"])
SNIPPETS_DUPLICATE = Counter("snippets_duplicate_total", "Duplicate snippets", ["kind"])
SNIPPETS_MISKEYED = Counter(
    "snippets_miskeyed_total",
    "Snippets stored from Kafka whose message key is not the normalised company domain (the contract): "
    "spellings of one company on several partitions make two consumers write (and lock) the same company",
)
CONTACTS_DROPPED = Counter("contacts_dropped_total", "Contacts dropped", ["reason"])
OUTCOMES_ACCEPTED = Counter("outcomes_accepted_total", "Outcome events accepted", ["type"])
DLQ_MESSAGES = Counter("dlq_messages_total", "Messages sent to a dead-letter topic", ["topic", "reason"])
CONSUMER_LAG = Gauge(
    "kafka_consumer_lag", "Consumer lag in messages", ["topic", "partition"], multiprocess_mode="mostrecent"
)
FRESHNESS = Histogram(
    "snippet_freshness_seconds",
    "From snippet acceptance to visibility in search",
    buckets=(0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 20, 60),
)
MINERS_QUARANTINED = Gauge("miners_quarantined", "Miners below the reputation floor", multiprocess_mode="max")
MINERS_THROTTLED = Counter("miner_throttled_total", "Requests or messages throttled", ["source"])
# Over ALL miners, never one per miner: /metrics is open, and miner ids with their reputations are not
# (GET /v1/miners, admin). The alert and the distribution panel use these.
MINER_REPUTATION_MIN = Gauge(
    "miner_reputation_min", "Lowest reputation over every active miner", multiprocess_mode="mostrecent"
)
MINERS_BY_REPUTATION = Gauge(
    "miners_by_reputation", "Active miners per reputation band", ["band"], multiprocess_mode="mostrecent"
)
REPUTATION_BANDS = ("0.0-0.2", "0.2-0.4", "0.4-0.6", "0.6-0.8", "0.8-1.0")

# --- jobs (app/jobs) -------------------------------------------------------------------------
# Jobs per state as the database has them (queued, running, failed...), read by every worker.
JOBS = Gauge("jobs", "Jobs by state", ["state"], multiprocess_mode="mostrecent")
# Running jobs whose worker has not renewed the lease for two lease periods (the stuck-job alert).
JOBS_STALE = Gauge(
    "jobs_stale_heartbeat", "Running jobs without a recent heartbeat", multiprocess_mode="mostrecent"
)
JOBS_FINISHED = Counter("jobs_finished_total", "Jobs finished by this process", ["kind", "state"])
JOB_DURATION = Histogram(
    "job_duration_seconds", "Job duration, first start to the end", ["kind"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200),
)  # fmt: skip
JOB_LEADS = Counter("job_leads_total", "Leads processed by jobs (rate: leads per second)", ["kind"])
WEBHOOK_DELIVERIES = Counter("webhook_deliveries_total", "Webhook calls by outcome", ["outcome"])

# --- service health --------------------------------------------------------------------------
# 1 when the named /readyz check passed at the last periodic probe, 0 when it failed.
READINESS = Gauge("readiness_check_ok", "Readiness check result by check", ["check"], multiprocess_mode="min")
HTTP_IN_FLIGHT = Gauge("http_requests_in_flight", "HTTP requests being served", multiprocess_mode="livesum")

_served_version: list[str] = []


def set_model_version(version: str) -> None:
    """Mark `version` as the served model (1) and the previously served one as retired (0)."""
    for old in _served_version:
        if old != version:
            MODEL_VERSION.labels(version=old).set(0)
    _served_version[:] = [version]
    MODEL_VERSION.labels(version=version).set(1)


class _ModelInfo:
    """`Info`-compatible facade: `MODEL_INFO.info({"version": v})` (other keys are not exported)."""

    def info(self, val: Mapping[str, str]) -> None:
        set_model_version(val["version"])


MODEL_INFO = _ModelInfo()
