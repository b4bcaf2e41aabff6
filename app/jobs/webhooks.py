"""Webhooks: a job's `webhook_url` is called on pipeline_end / pipeline_error (and on each
lead_generated with `options.webhook_per_lead`), each delivery committed with its event.

Signature: `X-Leadpoet-Timestamp: <unix seconds>` and
`X-Leadpoet-Signature: v1=<hex HMAC-SHA256(job's webhook_secret, "<timestamp>.<raw body>")>`.
A receiver recomputes the HMAC over the timestamp and the raw body, compares in constant time, and
refuses a timestamp more than REPLAY_WINDOW_S (5 minutes) away from its clock (replay window);
`X-Leadpoet-Delivery` (the delivery id) lets it drop a retry it has already processed.

Retries: a failed call (no answer, or a status other than 2xx) is retried after
min(WEBHOOK_RETRY_BASE_S x 2^(attempt-1), WEBHOOK_RETRY_MAX_S) x a jitter in [0.5, 1], until
WEBHOOK_RETRY_WINDOW_S (24 h) after the delivery was created; then it is `failed`.

In production (`ENVIRONMENT` staging or prod) only https URLs are accepted, and a URL whose host
resolves to a private, loopback, link-local, multicast or reserved address is refused, when the job
is created and again before every call (SSRF). Elsewhere http and loopback receivers are allowed.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.errors import ApiError
from app.jobs.tables import Job, WebhookDelivery
from app.observability.meters import WEBHOOK_DELIVERIES

logger = logging.getLogger(__name__)

REPLAY_WINDOW_S = 300
SIGNATURE_HEADER = "X-Leadpoet-Signature"
TIMESTAMP_HEADER = "X-Leadpoet-Timestamp"
DELIVERY_HEADER = "X-Leadpoet-Delivery"
PRODUCTION = frozenset({"staging", "prod"})
CLAIM_S = 120.0  # a claimed delivery is not picked up again before this (the call's time bound)
DUE_BATCH = 20


class UnsafeUrl(ValueError):
    pass


def new_secret() -> str:
    return "whsec_" + uuid.uuid4().hex + uuid.uuid4().hex


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(secret: str, *, timestamp: str, body: bytes, signature: str, now: float | None = None) -> bool:
    """What a receiver does: the signature matches and the timestamp is inside the replay window."""
    if not timestamp.isdigit():
        return False
    ts = int(timestamp)
    if abs((now if now is not None else time.time()) - ts) > REPLAY_WINDOW_S:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_link_local or ip.is_loopback)


async def check_url(url: str, *, environment: str) -> None:
    """Raises UnsafeUrl when `url` may not receive webhooks in this environment."""
    parts = urlsplit(url)
    production = environment in PRODUCTION
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed:
        raise UnsafeUrl(f"the scheme must be {' or '.join(allowed)}")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeUrl("credentials in the URL are not accepted")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeUrl("the port is not valid") from None
    if not production:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeUrl("the host does not resolve") from None
    addresses = {str(info[4][0]) for info in infos}
    if not addresses or not all(_public(a) for a in addresses):
        raise UnsafeUrl("the host resolves to a private, loopback or link-local address")


async def validate_webhook_url(url: str, *, environment: str) -> None:
    try:
        await check_url(url, environment=environment)
    except UnsafeUrl as exc:
        raise ApiError(
            status_code=422, code="validation_error", message=str(exc), field="options.webhook_url"
        ) from None


def enqueue(
    session: AsyncSession, *, job_id: uuid.UUID, url: str, event: str, payload: dict[str, Any]
) -> None:
    """Add a delivery, due now, in the caller's transaction (with the event it announces)."""
    body = json.dumps({"event": event, **payload}, separators=(",", ":"), ensure_ascii=False)
    session.add(WebhookDelivery(job_id=job_id, event=event, url=url, body=body))


def backoff_s(attempt: int, settings: Settings, rng: random.Random | None = None) -> float:
    """The delay before retry number `attempt` (1-based): exponential, capped, with jitter."""
    base = min(settings.webhook_retry_base_s * 2 ** min(attempt - 1, 40), settings.webhook_retry_max_s)
    jitter: float = (rng or random).random()
    return float(base * (0.5 + 0.5 * jitter))


async def _claim_due(sessionmaker: async_sessionmaker[AsyncSession]) -> list[tuple[int, uuid.UUID]]:
    async with sessionmaker() as session:
        query = (
            select(WebhookDelivery.id, WebhookDelivery.job_id)
            .where(WebhookDelivery.state == "pending", WebhookDelivery.next_attempt_at <= datetime.now(UTC))
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(DUE_BATCH)
            .with_for_update(skip_locked=True)
        )
        rows = [(r.id, r.job_id) for r in (await session.execute(query)).all()]
        if rows:
            await session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_([r[0] for r in rows]))
                .values(next_attempt_at=datetime.now(UTC) + timedelta(seconds=CLAIM_S))
            )
        await session.commit()
    return rows


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession], *, settings: Settings, client: httpx.AsyncClient
) -> int:
    """Make every due call once (each claimed first, so two workers never send the same attempt)."""
    claimed = await _claim_due(sessionmaker)

    async def one(delivery_id: int, job_id: uuid.UUID) -> None:
        async with sessionmaker() as session:
            delivery = await session.get(WebhookDelivery, delivery_id)
            job = await session.get(Job, job_id)
            if delivery is None or job is None:
                return
            outcome = await _attempt(
                delivery, secret=job.webhook_secret or "", settings=settings, client=client
            )
            WEBHOOK_DELIVERIES.labels(outcome=outcome).inc()
            await session.commit()

    # Concurrently: one slow receiver does not hold up the others (each call is time-bounded).
    results = await asyncio.gather(*(one(d, j) for d, j in claimed), return_exceptions=True)
    for result in results:
        if isinstance(result, Exception):
            logger.error("webhook delivery failed to record: %r", result)
    return len(claimed)


async def _attempt(
    delivery: WebhookDelivery, *, secret: str, settings: Settings, client: httpx.AsyncClient
) -> str:
    started = datetime.now(UTC)
    body = delivery.body.encode()
    ts = int(time.time())
    status: int | None = None
    error: str | None = None
    try:
        await check_url(delivery.url, environment=settings.environment)
        answer = await client.post(
            delivery.url,
            content=body,
            headers={
                "Content-Type": "application/json",
                TIMESTAMP_HEADER: str(ts),
                SIGNATURE_HEADER: sign(secret, ts, body),
                DELIVERY_HEADER: str(delivery.id),
                "User-Agent": "Leadpoet-Webhooks/1",
            },
            timeout=settings.webhook_timeout_s,
            follow_redirects=False,
        )
        status = answer.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}"
    except UnsafeUrl as exc:
        error = f"refused: {exc}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    delivery.attempts += 1
    delivery.last_status = status
    delivery.last_error = error
    delivery.log = [
        *delivery.log,
        {
            "attempt": delivery.attempts,
            "at": started.isoformat(),
            "status": status,
            "error": error,
            "duration_ms": round((datetime.now(UTC) - started).total_seconds() * 1e3, 1),
        },
    ]
    if error is None:
        delivery.state = "delivered"
        delivery.delivered_at = datetime.now(UTC)
        return "delivered"
    retry_at = datetime.now(UTC) + timedelta(seconds=backoff_s(delivery.attempts, settings))
    deadline = delivery.created_at + timedelta(seconds=settings.webhook_retry_window_s)
    if error.startswith("refused") or retry_at > deadline:
        delivery.state = "failed"
        return "failed"
    delivery.next_attempt_at = retry_at
    return "retry"
