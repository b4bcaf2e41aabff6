"""The Kafka producer owned by the lifespan, started lazily so the API boots while Kafka is down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError
from aiokafka.helpers import create_ssl_context

from app.core.config import Settings

logger = logging.getLogger(__name__)


class KafkaUnavailableError(RuntimeError):
    pass


def kafka_client_kwargs(settings: Settings) -> dict[str, Any]:
    """Connection arguments shared by every aiokafka client (producer, consumers, admin)."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": settings.kafka_client_id,
        "request_timeout_ms": settings.kafka_request_timeout_ms,
        "security_protocol": settings.kafka_security_protocol,
    }
    if "SSL" in settings.kafka_security_protocol:
        kwargs["ssl_context"] = create_ssl_context()
    if settings.kafka_sasl_mechanism:
        kwargs["sasl_mechanism"] = settings.kafka_sasl_mechanism
        kwargs["sasl_plain_username"] = settings.kafka_sasl_username
        kwargs["sasl_plain_password"] = settings.kafka_sasl_password
    return kwargs


class KafkaHub:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def producer(self) -> AIOKafkaProducer:
        if self._producer is not None:
            return self._producer
        async with self._lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    **kafka_client_kwargs(self._settings), acks="all", enable_idempotence=True, linger_ms=5
                )
                try:
                    await producer.start()
                except (KafkaError, OSError) as exc:
                    with contextlib.suppress(Exception):
                        await producer.stop()
                    raise KafkaUnavailableError(str(exc)) from exc
                except asyncio.CancelledError:  # a caller's deadline: close what was opened
                    with contextlib.suppress(Exception):
                        await asyncio.shield(producer.stop())
                    raise
                self._producer = producer
        assert self._producer is not None
        return self._producer

    async def check(self, *, timeout_s: float) -> None:
        """Raise unless the broker answers a metadata request within the timeout."""
        producer = await asyncio.wait_for(self.producer(), timeout=timeout_s)
        await asyncio.wait_for(producer.client.fetch_all_metadata(), timeout=timeout_s)

    async def send_and_wait(self, *, topic: str, key: bytes | None, value: bytes) -> None:
        producer = await self.producer()
        await producer.send_and_wait(topic, value=value, key=key)

    async def close(self) -> None:
        if self._producer is not None:
            with contextlib.suppress(Exception):
                await self._producer.stop()
            self._producer = None
