"""EXPLORATORY ONLY: interactive load with Locust's web UI, the same request mix as load_test.py.

  .venv/bin/locust -f tools/locustfile.py --host http://127.0.0.1:8000 --api-key KEY \
      [--prompts .dev/world/bench-7/prompts.jsonl] [--repeat-share 0.3]

Locust is closed-loop (each simulated user waits for its answer before the next request), so its
percentiles under-report the tail once the server slows down (coordinated omission). Use it to
explore; measure the SLA with scripts/load_test.py (open loop) and check it with validate_sla.py.
"""

from __future__ import annotations

from itertools import count
from pathlib import Path
from typing import Any

from locust import HttpUser, between, events, task

from tools.loadgen import MixRequest, build_mix, load_prompts

ROOT = Path(__file__).resolve().parents[1]
_MIX: list[MixRequest] = []
_NEXT = count()


@events.init_command_line_parser.add_listener  # type: ignore[untyped-decorator]
def _options(parser: Any) -> None:
    parser.add_argument("--api-key", default="", help="API key with scope search")
    parser.add_argument("--prompts", default="", help="prompts.jsonl (default: the largest world)")
    parser.add_argument("--repeat-share", type=float, default=0.3)


@events.init.add_listener  # type: ignore[untyped-decorator]
def _build_mix(environment: Any, **_: Any) -> None:
    options = environment.parsed_options
    path = Path(options.prompts) if options and options.prompts else None
    if path is None:
        found = [
            p
            for size in ("bench", "demo", "tiny")
            for p in sorted(ROOT.glob(f".dev/world/{size}-*/prompts.jsonl"))
        ]
        if not found:
            raise SystemExit("no prompts.jsonl: pass --prompts")
        path = found[0]
    share = options.repeat_share if options else 0.3
    _MIX[:] = build_mix(load_prompts(path), count=50_000, repeat_share=share, seed=3)


class SearchUser(HttpUser):
    wait_time = between(0.5, 2.0)

    @task
    def search(self) -> None:
        body = _MIX[next(_NEXT) % len(_MIX)].body
        key = self.environment.parsed_options.api_key if self.environment.parsed_options else ""
        self.client.post(
            "/v1/leads/search", json=body, headers={"authorization": f"Bearer {key}"}, name="/v1/leads/search"
        )
