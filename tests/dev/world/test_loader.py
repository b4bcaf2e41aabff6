"""The loader against real HTTP servers on loopback: batching, auth, 202 tallies, 429 Retry-After."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dev.world import World, normalize_domain
from dev.world.loader import (
    HttpLoader,
    LoadError,
    batches_by_miner,
    retry_after_seconds,
    shift_times,
    time_shift_days,
)


def as_dicts(records: Sequence[object]) -> list[dict[str, Any]]:
    return [dict(cast(dict[str, Any], r)) for r in records]


class _Ingest(BaseHTTPRequestHandler):
    """A stand-in for the service's ingestion endpoints with scripted throttling."""

    server: _Server

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        srv = self.server
        with srv.lock:
            srv.calls.append((self.path, self.headers.get("Authorization", ""), body))
            if self.headers.get("Authorization") != "Bearer good-key":
                self._answer(401, {"error": {"code": "unauthorized", "message": "bad key", "field": None}})
                return
            items = body.get("snippets") or body.get("outcomes") or []
            miner = items[0].get("miner_id") if "snippets" in body else None
            if miner in srv.always_throttled or (miner in srv.throttle_once and miner not in srv.throttled):
                srv.throttled.add(miner)
                self._answer(429, {"error": {"code": "throttled", "message": "slow down", "field": "miner_id"}},
                             retry_after="0.05")  # fmt: skip
                return
            batch = ({f"miner:{miner}"} if "snippets" in body else set()) | {
                "company:" + normalize_domain(i["company"]["domain"]) for i in items if "company" in i
            }
            if srv.in_flight & batch:
                srv.overlaps += 1
            srv.in_flight |= batch
            srv.in_flight_batches += 1
            srv.most_in_flight = max(srv.most_in_flight, srv.in_flight_batches)
        time.sleep(srv.delay_s)  # while another batch may arrive
        with srv.lock:
            srv.in_flight -= batch
            srv.in_flight_batches -= 1
            srv.stored.extend(items)
            self._answer(202, {"accepted": len(items), "duplicates": 0, "rejected": []})

    def _answer(self, status: int, payload: dict[str, Any], retry_after: str | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if retry_after:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Ingest)
        self.lock = threading.Lock()
        self.calls: list[tuple[str, str, dict[str, Any]]] = []
        self.stored: list[dict[str, Any]] = []
        self.throttle_once: set[str] = set()
        self.always_throttled: set[str] = set()
        self.throttled: set[str] = set()
        self.delay_s = 0.0
        self.in_flight: set[str] = set()  # the miners and companies of the batches being answered
        self.in_flight_batches = 0
        self.most_in_flight = 0
        self.overlaps = 0  # batches that arrived while another of their miner or a company was in flight

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@pytest.fixture
def ingest_server() -> Iterator[_Server]:
    server = _Server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join()


async def test_snippets_arrive_once_in_single_miner_batches(
    tiny_world: World, ingest_server: _Server
) -> None:
    snippets = as_dicts(tiny_world.snippets[:2_500])
    miners = sorted({s["miner_id"] for s in snippets})
    ingest_server.throttle_once.update(miners[:3])
    loader = HttpLoader(url=ingest_server.url, key="good-key", concurrency=3)
    try:
        stats = await loader.load_snippets(snippets, batch_size=100)
    finally:
        await loader.close()
    assert sorted(map(json.dumps, ingest_server.stored)) == sorted(map(json.dumps, snippets))
    assert stats.sent == stats.accepted == len(snippets)
    assert stats.throttled_responses == 3
    assert stats.dropped_throttled == 0
    for path, auth, body in ingest_server.calls:
        assert path == "/v1/snippets"
        assert auth == "Bearer good-key"
        assert 1 <= len(body["snippets"]) <= 100
        assert len({s["miner_id"] for s in body["snippets"]}) == 1


async def test_batches_in_flight_share_no_miner_and_no_company(
    tiny_world: World, ingest_server: _Server
) -> None:
    snippets = as_dicts(tiny_world.snippets[:3_000])
    ingest_server.delay_s = 0.02
    loader = HttpLoader(url=ingest_server.url, key="good-key", concurrency=4)
    try:
        stats = await loader.load_snippets(snippets, batch_size=50)
    finally:
        await loader.close()
    assert stats.accepted == len(snippets)
    assert sorted(map(json.dumps, ingest_server.stored)) == sorted(map(json.dumps, snippets))
    assert ingest_server.overlaps == 0
    assert ingest_server.most_in_flight >= 2  # batches did run side by side


async def test_batches_spread_over_several_processes(tiny_world: World, ingest_server: _Server) -> None:
    other = _Server()
    thread = threading.Thread(target=other.serve_forever, daemon=True)
    thread.start()
    snippets = as_dicts(tiny_world.snippets[:2_000])
    loader = HttpLoader(url=ingest_server.url, more_urls=[other.url], key="good-key", concurrency=4)
    try:
        stats = await loader.load_snippets(snippets, batch_size=100)
    finally:
        await loader.close()
        other.shutdown()
        other.server_close()
        thread.join()
    assert stats.accepted == len(snippets) == len(ingest_server.stored) + len(other.stored)
    assert ingest_server.stored
    assert other.stored


async def test_a_miner_throttled_for_too_long_is_dropped_others_flow(
    tiny_world: World, ingest_server: _Server
) -> None:
    snippets = as_dicts(tiny_world.snippets[:600])
    spammer = snippets[0]["miner_id"]
    ingest_server.always_throttled.add(spammer)
    loader = HttpLoader(url=ingest_server.url, key="good-key", max_throttle_wait=0.2)
    try:
        stats = await loader.load_snippets(snippets, batch_size=1_000)
    finally:
        await loader.close()
    blocked = sum(1 for s in snippets if s["miner_id"] == spammer)
    assert stats.dropped_throttled == blocked
    assert len(ingest_server.stored) == len(snippets) - blocked


async def test_outcomes_are_posted_in_batches(tiny_world: World, ingest_server: _Server) -> None:
    outcomes = as_dicts(tiny_world.outcomes)
    loader = HttpLoader(url=ingest_server.url, key="good-key")
    try:
        stats = await loader.load_outcomes(outcomes, batch_size=1_000)
    finally:
        await loader.close()
    assert stats.accepted == len(outcomes) == len(ingest_server.stored)
    assert {path for path, _, _ in ingest_server.calls} == {"/v1/outcomes"}
    assert max(len(body["outcomes"]) for _, _, body in ingest_server.calls) <= 1_000


async def test_a_bad_key_stops_the_load(tiny_world: World, ingest_server: _Server) -> None:
    loader = HttpLoader(url=ingest_server.url, key="wrong")
    try:
        with pytest.raises(LoadError, match="401"):
            await loader.load_snippets(as_dicts(tiny_world.snippets[:50]))
    finally:
        await loader.close()


def test_batches_never_mix_miners_or_exceed_the_size(tiny_world: World) -> None:
    snippets = as_dicts(tiny_world.snippets)
    seen = 0
    for miner, batch in batches_by_miner(snippets, 1_000):
        assert 1 <= len(batch) <= 1_000
        assert {s["miner_id"] for s in batch} == {miner}
        seen += len(batch)
    assert seen == len(snippets)


@given(st.floats(min_value=0, max_value=10_000, allow_nan=False))
def test_retry_after_delta_seconds(seconds: float) -> None:
    assert retry_after_seconds(f"{seconds}") == min(300.0, max(0.05, seconds))


@given(st.integers(min_value=0, max_value=1_000))
def test_retry_after_http_date(offset: int) -> None:
    now = 1_800_000_000.0
    header = format_datetime(datetime.fromtimestamp(now + offset, tz=UTC), usegmt=True)
    assert retry_after_seconds(header, now=now) == min(300.0, max(0.05, float(offset)))


@given(st.text(max_size=20))
def test_retry_after_never_fails(value: str) -> None:
    assert 0.05 <= retry_after_seconds(value) <= 300.0


def test_time_shift_moves_whole_days(tiny_world: World) -> None:
    days = time_shift_days(datetime(2026, 11, 21, 12, tzinfo=UTC))
    assert days == 20
    shifted = next(shift_times(as_dicts(tiny_world.outcomes[:1]), "occurred_at", days))
    original = datetime.strptime(tiny_world.outcomes[0]["occurred_at"], "%Y-%m-%dT%H:%M:%SZ")
    moved = datetime.strptime(shifted["occurred_at"], "%Y-%m-%dT%H:%M:%SZ")
    assert (moved - original).days == 20


def test_domain_normalisation_matches_ingestion() -> None:
    assert normalize_domain("WWW.Example.COM.") == "example.com"
