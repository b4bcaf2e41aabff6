"""The one typed configuration of the service.

Every setting is read from the environment (names are the field names in upper case, no prefix)
or from a `.env` file in the working directory. Nothing else in `app/` reads `os.environ`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]


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
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    db_pool_timeout_s: float = Field(default=5.0, gt=0)
    db_statement_timeout_ms: int = Field(default=5000, ge=0)

    # --- Redis (empty: in-process cache only) ------------------------------------------------
    redis_url: str = "redis://127.0.0.1:56379/0"
    redis_timeout_s: float = Field(default=0.25, gt=0)
    cache_ttl_s: int = Field(default=300, ge=0)
    cache_local_max_entries: int = Field(default=10_000, ge=0)

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

    # --- auth --------------------------------------------------------------------------------
    api_key_pepper: str = "leadpoet-dev-pepper-change-me"
    default_rate_limit_per_minute: int = Field(default=6000, ge=1)
    auth_cache_ttl_s: float = Field(default=30.0, ge=0)

    # --- models ------------------------------------------------------------------------------
    model_dir: Path = REPO_ROOT / "models"
    embedding_dim: int = Field(default=256, ge=8)
    model_poll_interval_s: float = Field(default=10.0, gt=0)

    # --- optional LLM provider (OpenAI-compatible) --------------------------------------------
    llm_base_url: str = ""
    llm_api_key: str = ""
    llm_model: str = "gpt-4o-mini"
    llm_timeout_s: float = Field(default=2.0, gt=0)
    llm_breaker_failures: int = Field(default=5, ge=1)
    llm_breaker_reset_s: float = Field(default=30.0, gt=0)
    llm_price_input_per_1k_tokens_usd: float = Field(default=0.00015, ge=0)
    llm_price_output_per_1k_tokens_usd: float = Field(default=0.0006, ge=0)

    # --- cost meter --------------------------------------------------------------------------
    # Default: AWS c7i.xlarge on-demand in us-east-1, $0.1785/h for 4 vCPU = $0.0000124/vCPU-second.
    price_per_vcpu_second_usd: float = Field(default=0.1785 / 4 / 3600, ge=0)
    enrichment_price_per_call_usd: float = Field(default=0.0, ge=0)

    @field_validator("redis_url", "kafka_bootstrap_servers", "llm_base_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.strip()

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
