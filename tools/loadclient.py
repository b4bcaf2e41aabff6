"""A minimal keep-alive HTTP/1.1 client for the load generator (scripts/load_test.py), not used by
the service. httpx costs ~1-3 ms of generator CPU per request; on a 2-core box where the server has
the other core, that CPU would be stolen from the measurement. This client costs a few tens of µs:
it writes a pre-built request and reads a response framed by Content-Length or chunked encoding.

A pool of at most `connections` sockets; a request that finds none idle waits for one (and the wait
counts in its latency, as it would for a real client).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

MAX_HEADER_BYTES = 64 * 1024


class HttpError(Exception):
    """Connection or protocol failure (no HTTP status)."""


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    def close(self) -> None:
        self.writer.close()


class LoadClient:
    def __init__(self, url: str, *, connections: int, timeout_s: float) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError("only http:// URLs (loopback load tests)")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.path = parts.path or "/"
        if parts.query:
            self.path += "?" + parts.query
        self.timeout_s = timeout_s
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(connections)

    def build(self, method: str, body: bytes | None, headers: dict[str, str]) -> bytes:
        lines = [f"{method} {self.path} HTTP/1.1", f"host: {self.host}:{self.port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        if body is not None:
            lines.append(f"content-length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        """Send a request built by `build`; (status, body). Raises HttpError or TimeoutError."""
        async with asyncio.timeout(self.timeout_s), self._slots:  # the wait for a socket counts too
            conn = self._idle.pop() if self._idle else None
            reused = conn is not None
            try:
                if conn is None:
                    conn = await self._connect()
                try:
                    status, body, keep = await self._exchange(conn, raw)
                except (HttpError, ConnectionError, asyncio.IncompleteReadError):
                    if not reused:
                        raise
                    conn.close()  # a kept-alive socket the server closed meanwhile: one retry
                    conn = await self._connect()
                    status, body, keep = await self._exchange(conn, raw)
            except BaseException:
                if conn is not None:
                    conn.close()
                raise
            if keep:
                self._idle.append(conn)
            else:
                conn.close()
            return status, body

    async def _connect(self) -> _Connection:
        try:
            reader, writer = await asyncio.open_connection(self.host, self.port)
        except OSError as exc:
            raise ConnectionRefusedError(str(exc)) from exc
        return _Connection(reader, writer)

    async def _exchange(self, conn: _Connection, raw: bytes) -> tuple[int, bytes, bool]:
        conn.writer.write(raw)
        await conn.writer.drain()
        head = await conn.reader.readuntil(b"\r\n\r\n")
        if len(head) > MAX_HEADER_BYTES:
            raise HttpError("response headers too large")
        lines = head.decode("latin-1").split("\r\n")
        try:
            status = int(lines[0].split(" ", 2)[1])
        except (IndexError, ValueError) as exc:
            raise HttpError(f"bad status line {lines[0]!r}") from exc
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked(conn.reader)
        elif "content-length" in headers:
            body = await conn.reader.readexactly(int(headers["content-length"]))
        else:
            body = await conn.reader.read()  # framed by close
            return status, body, False
        return status, body, headers.get("connection", "").lower() != "close"

    @staticmethod
    async def _chunked(reader: asyncio.StreamReader) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip(), 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await reader.readexactly(size))
            await reader.readexactly(2)

    async def aclose(self) -> None:
        for conn in self._idle:
            conn.close()
        self._idle.clear()
