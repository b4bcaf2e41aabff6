"""A real OpenAI-compatible HTTP server on 127.0.0.1 (random port) standing in for the provider."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Behaviour:
    mode: str = "ok"  # ok | error | slow | garbage
    answer: dict[str, Any] = field(default_factory=dict)
    delay_s: float = 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    # An HTTP status answered to a given bearer key (e.g. {"sk-a": 429}): key-pool rotation.
    status_by_key: dict[str, int] = field(default_factory=dict)


@contextmanager
def fake_provider() -> Iterator[tuple[str, Behaviour]]:
    behaviour = Behaviour()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            behaviour.requests.append(
                {"path": self.path, "body": body, "auth": self.headers.get("authorization")}
            )
            key = (self.headers.get("authorization") or "").removeprefix("Bearer ")
            status = behaviour.status_by_key.get(key)
            if status is not None:
                self.send_response(status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")
                return
            if behaviour.mode == "slow":
                time.sleep(behaviour.delay_s)
            if behaviour.mode == "error":
                self.send_response(500)
                self.end_headers()
                self.wfile.write(b'{"error": "boom"}')
                return
            content = "not json" if behaviour.mode == "garbage" else json.dumps(behaviour.answer)
            payload = {
                "choices": [{"message": {"role": "assistant", "content": content}}],
                "usage": {"prompt_tokens": 1000, "completion_tokens": 100},
            }
            data = json.dumps(payload).encode()
            try:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", behaviour
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
