"""The one typed configuration of the service.

Every setting is read from the environment (names are the field names in upper case, no prefix)
or from a `.env` file in the working directory. Nothing else in `app/` reads `os.environ`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_PEPPER = "leadpoet-dev-pepper-change-me"
# Peppers committed to this repository (settings default, docker-compose): never secret.
KNOWN_PEPPERS = frozenset({DEV_PEPPER, "change-me-compose-only"})
MIN_PEPPER_CHARS = 32
# Types many settings share: the constraint is part of what the setting means.
Seconds = Annotated[float, Field(gt=0)]  # a duration or interval, never zero
Fraction = Annotated[float, Field(ge=0, le=1)]  # a share or a probability


class Settings(BaseSettings):
    """Service configuration. See the README's settings table for the meaning of each field."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- service -----------------------------------------------------------------------------
    app_name: str = "leadpoet"
    environment: Literal["dev", "test", "staging", "prod"] = "dev"
    log_level: str = "INFO"
    web_concurrency: int = Field(default=1, ge=1, le=64)
    public_docs: bool = True
    # Set (to an empty, writable folder) when running several uvicorn workers; prometheus_client
    # reads the same variable to write per-process metric files there.
    prometheus_multiproc_dir: str = ""

    # --- PostgreSQL --------------------------------------------------------------------------
    database_url: str = "postgresql+asyncpg://postgres@127.0.0.1:55432/leadpoet"
    # The migration job's connection (the schema owner) when it differs from DATABASE_URL: in
    # deployment DATABASE_URL names the `leadpoet_app` role, which may not alter the schema.
    migration_database_url: str = ""
    # When set, the migrations give `leadpoet_app` a login with this password (app/core/dbroles.py).
    database_app_password: str = ""
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_s: Seconds = 5.0
    db_statement_timeout_ms: int = Field(default=5000, ge=0)

    # --- Redis (empty: in-process cache only) ------------------------------------------------
    redis_url: str = "redis://127.0.0.1:56379/0"
    redis_timeout_s: Seconds = 0.25
    cache_ttl_s: int = Field(default=300, ge=0)
    # The in-process answer LRU (read when Redis misses or cannot answer), per worker: at most this
    # many entries and this many bytes of answers.
    cache_local_max_entries: int = Field(default=10_000, ge=0)
    cache_local_max_bytes: int = Field(default=32 << 20, ge=0, le=1 << 34)

    # --- Kafka (empty: ingestion writes directly through the same validation code) -------------
    kafka_bootstrap_servers: str = "127.0.0.1:59092"
    kafka_client_id: str = "leadpoet"
    topic_snippets: str = "miner.snippets"
    topic_outcomes: str = "outcome.events"
    topic_snippets_dlq: str = "miner.snippets.dlq"
    topic_outcomes_dlq: str = "outcome.events.dlq"
    kafka_consumer_group_snippets: str = "leadpoet-ingest-snippets"
    kafka_consumer_group_outcomes: str = "leadpoet-ingest-outcomes"
    kafka_request_timeout_ms: int = Field(default=10_000, ge=100)
    # An HTTP ingestion request waits at most this long for the broker's acknowledgements, then
    # answers 503 with Retry-After (a broker restart must not hold requests until clients time out).
    kafka_publish_timeout_s: Seconds = 5.0
    # MSK and other managed brokers: TLS and SASL/SCRAM (PLAINTEXT for the local stack).
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: str = ""
    kafka_sasl_username: str = ""
    kafka_sasl_password: str = ""

    # --- ingestion (app/ingest, docs/INGESTION.md) ---------------------------------------------
    ingest_max_batch: int = Field(default=1000, ge=1)  # snippets per HTTP request / consumer batch
    ingest_max_text_chars: int = Field(default=20_000, ge=1)
    ingest_max_message_bytes: int = Field(default=256_000, ge=1024)
    ingest_future_skew_s: float = Field(default=300.0, ge=0)  # observed_at may be this far ahead
    ingest_near_dup_bits: int = Field(default=9, ge=0, le=16)  # simhash Hamming distance
    ingest_reputation_prior: Fraction = 0.6
    ingest_quarantine_below: Fraction = 0.4
    ingest_quarantine_release_at: Fraction = 0.45
    # Token bucket per miner: refill rate = ingest_throttle_rate_per_s * reputation^2 (at least
    # ingest_throttle_min_rate_per_s); capacity = rate * ingest_throttle_burst_s (at least 1).
    ingest_throttle_rate_per_s: float = Field(default=2000.0, gt=0)
    ingest_throttle_min_rate_per_s: float = Field(default=1.0, gt=0)
    ingest_throttle_burst_s: Seconds = 10.0
    ingest_consumer_poll_ms: int = Field(default=200, ge=1)
    ingest_retry_max_s: Seconds = 10.0  # backoff cap while PostgreSQL is down
    ingest_embed_interval_s: Seconds = 0.2  # embedding queue poll
    ingest_embed_batch: int = Field(default=256, ge=1)
    # A company vector is rewritten (one HNSW insert) only when the new one is farther than this cosine
    # distance from the stored one (0: always; docs/INGESTION.md "Embeddings").
    ingest_embed_min_change: float = Field(default=0.002, ge=0, le=2)
    ingest_churn_interval_s: Seconds = 60.0
    ingest_workers_in_api: bool = True  # embedding + churn loops inside the API process
    # Test-only fault injection: exit the consumer process right after storing this many batches
    # (before committing offsets), to prove redelivery never duplicates. 0 = off.
    ingest_fault_exit_after_batches: int = Field(default=0, ge=0)

    # --- request limits (answered 413 while the body is read, before it is parsed) ---------------
    max_body_bytes: int = Field(default=1_000_000, ge=1024)  # every route but the ingestion batches
    max_body_bytes_ingest: int = Field(default=8_000_000, ge=1024)  # POST /v1/snippets, /v1/outcomes

    # --- auth --------------------------------------------------------------------------------
    api_key_pepper: str = DEV_PEPPER
    default_rate_limit_per_minute: int = Field(default=6000, ge=1)
    auth_cache_ttl_s: float = Field(default=30.0, ge=0)
    # While Redis cannot tell the revocation version, a key's row read less than this long ago is
    # trusted (a revocation applies within it); 0: read the row on every such request.
    auth_unknown_version_grace_s: float = Field(default=2.0, ge=0, le=60)

    # --- web console (/app) ------------------------------------------------------------------
    console_enabled: bool = True
    console_session_ttl_s: int = Field(default=8 * 3600, ge=60, le=30 * 24 * 3600)
    # How often the operator view samples the service's meters, and how many samples it keeps.
    console_sample_interval_s: Seconds = 10.0
    console_samples_kept: int = Field(default=90, ge=2, le=10_000)

    # --- models ------------------------------------------------------------------------------
    model_dir: Path = REPO_ROOT / "models"
    embedding_dim: int = Field(default=256, ge=8)
    model_poll_interval_s: Seconds = 10.0

    # --- ranker (app/ranking, app/leads) ------------------------------------------------------
    # "static": distilled MiniLM token table (fast, default); "minilm": the int8 ONNX transformer.
    embedding_model: Literal["static", "minilm"] = "static"
    # With the static table: what encodes a search's prompt. "static": the table itself (the
    # default, the cheapest search); "minilm": the transformer, into the table's fitted space (real
    # data NDCG@10 +0.047 / +0.013 / +0.010 on train / validation / test, for about twice the CPU
    # and the P50 latency of an uncached search: docs/EVALUATION.md, docs/BENCHMARKS.md).
    embedding_query_model: Literal["static", "minilm"] = "static"
    # Candidates taken from each retriever (BM25, ANN) before the union is reranked.
    search_bm25_candidates: int = Field(default=300, ge=1, le=5000)
    # Admission control per worker: at most this many uncached searches run at once; a search that
    # waits longer than search_queue_timeout_s for a slot is shed (503 "overloaded", Retry-After).
    search_max_concurrency: int = Field(default=8, ge=1, le=1024)
    search_queue_timeout_s: Seconds = 0.5
    # A queue that has not emptied for search_queue_interval_s is standing (more searches arrive than
    # the worker runs): a search then waits at most search_queue_overload_wait_s before it is shed,
    # so the answered ones stay fast (app/leads/admission.py).
    search_queue_interval_s: Seconds = 0.1
    search_queue_overload_wait_s: Seconds = 0.05
    search_ann_candidates: int = Field(default=100, ge=1, le=5000)
    search_hnsw_ef_search: int = Field(default=100, ge=10, le=1000)
    # A filtered ANN whose SQL filters (countries, employees) leave at most this many companies is
    # answered exactly in process instead of by pgvector (app/leads/candidates.py; 0: never).
    search_exact_ann_max_rows: int = Field(default=20_000, ge=0, le=10_000_000)
    # Threads of numpy's BLAS in an API worker (0: the library's default, one per core). A search's
    # products are a few thousand rows at most: more threads spin on them and cost CPU, not time.
    search_blas_threads: int = Field(default=1, ge=0, le=256)
    # Candidates reranked per query: the BM25 + ANN union, filled up to this by the intent prior.
    search_candidate_budget: int = Field(default=500, ge=1, le=10000)
    # What fills that budget after BM25 and the ANN: "prior" (recency-decayed intent x sector x size)
    # or "fused" (reciprocal ranks of the prior, firmographic fit and two cosines; app/leads/candidates.py).
    # "fused" lifts candidate recall@500 on the tiny world (0.879 -> 0.899) but not the student's
    # NDCG@10 (0.2924 either way) and costs ~2x the features stage: "prior" by default
    # (docs/BENCHMARKS.md "Search", session 3).
    search_fill: Literal["prior", "fused"] = "prior"
    # Compute BM25, the fill and their features while the ANN query is in flight (app/leads/candidates.py).
    # Off by default: on this machine the query leaves only after the synchronous stages (pool
    # pre-ping), and the split computes ~16 % more feature rows; measured slower, not faster.
    search_overlap_ann: bool = False
    # The first-stage cut: how many of the candidates go on to the features and the model (at least
    # the k asked for), picked by the reciprocal ranks of BM25, ANN and the intent prior
    # (app/leads/cut.py); 0: all of them. At 200 the student's NDCG@10 on the tiny world's test
    # prompts and the served row of the real-company evaluation are unchanged (docs/BENCHMARKS.md).
    search_first_stage_cut: int = Field(default=200, ge=0, le=10000)
    # How often the in-memory index polls PostgreSQL watermarks for new companies/snippets.
    index_refresh_interval_s: Seconds = 1.0
    # Snapshot root written by `python -m app.cli index build --out DIR`: workers map its CURRENT
    # snapshot at start and catch up from its watermarks (unset, empty or unusable: build from
    # PostgreSQL). Its BM25 index is copied to a private temporary directory (it takes writes).
    index_snapshot_dir: Path | None = None
    # How often a worker looks for a newer snapshot there (CURRENT moved) and swaps to it while
    # serving, after catching it up with PostgreSQL; 0: never (the snapshot read at start is kept).
    index_snapshot_poll_s: float = Field(default=30.0, ge=0)
    # Refuse to start the ranker when the active registry artifact cannot be loaded (else: fallback).
    ranker_require_model: bool = False

    # --- optional LLM provider (OpenAI-compatible) --------------------------------------------
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: Seconds = 2.0
    llm_breaker_failures: int = Field(default=5, ge=1)
    llm_breaker_reset_s: Seconds = 30.0
    llm_price_input_per_1k_tokens_usd: float = Field(default=0.00015, ge=0)
    llm_price_output_per_1k_tokens_usd: float = Field(default=0.0006, ge=0)
    # More provider keys for the outreach writer, comma-separated: a 429 or 5xx answer moves to the
    # next key (LLM_API_KEY, when set, is the first of the pool).
    llm_api_keys: str = ""

    # --- lists: enrich, score, drafts, export (app/lists, app/drafts) -------------------------
    # Items (and lead ids) per synchronous enrich/score/drafts request, at most 1,000 (the schema's
    # bound); larger lists are split by the caller or sent as a job.
    lists_max_items: int = Field(default=1000, ge=1, le=1000)
    # Evidence snippets shown per signal of an enriched company.
    lists_evidence_per_signal: int = Field(default=5, ge=1, le=50)
    # The eligibility worker: how often it grades new evidence against saved ICPs, and how many
    # (ICP, company) pairs per round.
    eligibility_interval_s: Seconds = 30.0
    eligibility_batch: int = Field(default=500, ge=1, le=100000)
    eligibility_enabled: bool = True
    # A company is eligible for an ICP only when the cosine similarity of its vector and the ICP's
    # product description (the search's semantic query) is at least this (app/lists/eligibility.py).
    eligibility_min_relevance: float = Field(default=0.2, ge=-1.0, le=1.0)
    # Grade calibration on outcomes (app/lists/calibration.py): refit every this many seconds (in
    # the API process; `python -m app.cli grades calibrate` refits on demand), and the least
    # samples (graded companies with outcomes) and positives (and negatives) a fitted map needs.
    calibration_enabled: bool = True
    calibration_interval_s: Seconds = 3600.0
    calibration_min_samples: int = Field(default=50, ge=2, le=1_000_000)
    calibration_min_positives: int = Field(default=5, ge=1, le=1_000_000)

    # --- jobs: campaigns, enrich and score runs, webhooks (app/jobs) ----------------------------
    # Run the job worker inside the API process (dev, single-process deployments); the worker
    # deployment runs `python -m app.jobs` instead.
    jobs_worker_enabled: bool = True
    # How often an idle worker looks for a job or a due webhook delivery.
    jobs_poll_interval_s: float = Field(default=0.5, gt=0, le=60)
    # A running job's lease: renewed every third of it; a job whose lease expired is taken over.
    jobs_lease_s: float = Field(default=30.0, ge=1, le=3600)
    # Jobs one worker process runs at once, and jobs of one workspace running at once (all workers).
    jobs_concurrency: int = Field(default=2, ge=1, le=64)
    jobs_per_workspace: int = Field(default=2, ge=1, le=64)
    # Leads processed (and committed with their events) per step.
    jobs_chunk: int = Field(default=100, ge=1, le=5000)
    # Claims of one job before it fails (a job that keeps crashing its worker).
    jobs_max_attempts: int = Field(default=5, ge=1, le=100)
    # A job whose step failed waits this long x 2^(attempt - 1) (at most 10 minutes) before a retry.
    jobs_retry_base_s: float = Field(default=5.0, ge=0, le=600)
    # The event stream: a comment line after this long without an event (keeps proxies from
    # closing it), and how often it looks for new events.
    jobs_sse_heartbeat_s: float = Field(default=15.0, gt=0, le=300)
    jobs_sse_poll_s: float = Field(default=0.25, gt=0, le=10)
    # A stream is closed after this long (between events) and the client reconnects with
    # Last-Event-ID: long campaigns' streams move between workers and drain before a deploy.
    jobs_sse_max_stream_s: float = Field(default=300.0, gt=0, le=86400)
    # `python -m app.jobs` serves /metrics on this port (0: none); the API serves its own.
    jobs_metrics_port: int = Field(default=9102, ge=0, le=65535)
    # Webhooks: first retry delay, the longest delay, how long retries go on, and each call's timeout.
    webhook_retry_base_s: Seconds = 30.0
    webhook_retry_max_s: Seconds = 3600.0
    webhook_retry_window_s: Seconds = 86400.0
    webhook_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # Deep search (POST /v1/leads/search/pages): how long a ranked result set and its cursors last.
    search_cursor_ttl_s: float = Field(default=1800.0, ge=900, le=86400)

    # --- cost meter --------------------------------------------------------------------------
    # Default: AWS c7i.xlarge on-demand in us-east-1, $0.1785/h for 4 vCPU = $0.0000124/vCPU-second.
    price_per_vcpu_second_usd: float = Field(default=0.1785 / 4 / 3600, ge=0)
    enrichment_price_per_call_usd: float = Field(default=0.0, ge=0)

    @field_validator("redis_url", "kafka_bootstrap_servers", "llm_base_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

    @model_validator(mode="after")
    def _refuse_insecure_production(self) -> Settings:
        """ENVIRONMENT=prod refuses to start with a development value that would be a hole there."""
        if self.environment != "prod":
            return self
        problems = []
        if self.api_key_pepper in KNOWN_PEPPERS or len(self.api_key_pepper) < MIN_PEPPER_CHARS:
            problems.append(
                f"API_KEY_PEPPER is a published development value or shorter than {MIN_PEPPER_CHARS} "
                "characters (set a random secret)"
            )
        if self.public_docs:
            problems.append("PUBLIC_DOCS is on (set PUBLIC_DOCS=false)")
        if self.log_level.strip().upper() in {"DEBUG", "NOTSET"} or self.log_level.strip() in {"0", "10"}:
            problems.append("LOG_LEVEL=DEBUG logs request and query bodies (use INFO or above)")
        if problems:
            raise ValueError("refusing to start with ENVIRONMENT=prod: " + "; ".join(problems))
        return self

    @property
    def redis_enabled(self) -> bool:
        return bool(self.redis_url)

    @property
    def kafka_enabled(self) -> bool:
        return bool(self.kafka_bootstrap_servers)

    @property
    def llm_enabled(self) -> bool:
        return bool(self.llm_base_url)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
