"""The load generator's minimal HTTP/1.1 client against a real loopback server (uvicorn is not
needed: a small asyncio server answering with Content-Length, chunked and close-framed bodies)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tools.loadclient import LoadClient


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            path = lines[0].split(" ")[1]
            length = next((int(x.split(":")[1]) for x in lines if x.lower().startswith("content-length")), 0)
            body = await reader.readexactly(length)
            if path == "/chunked":
                writer.write(
                    b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
                )
            elif path == "/close":
                writer.write(b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\nbye")
                await writer.drain()
                writer.close()
                return
            else:
                reply = b"echo:" + body
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(reply), reply))
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()


@pytest.fixture
async def server() -> AsyncIterator[str]:
    srv = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = srv.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.close()
        await srv.wait_closed()


async def test_content_length_and_keep_alive(server: str) -> None:
    client = LoadClient(server + "/echo", connections=2, timeout_s=5)
    raw = client.build("POST", b'{"a": 1}', {"content-type": "application/json"})
    results = await asyncio.gather(*(client.request(raw) for _ in range(20)))
    assert results == [(200, b'echo:{"a": 1}')] * 20
    assert len(client._idle) <= 2  # never more sockets than the pool allows
    await client.aclose()


async def test_chunked_and_close_framed(server: str) -> None:
    chunked = LoadClient(server + "/chunked", connections=1, timeout_s=5)
    assert await chunked.request(chunked.build("GET", None, {})) == (200, b"abcde")
    closing = LoadClient(server + "/close", connections=1, timeout_s=5)
    for _ in range(3):
        assert await closing.request(closing.build("GET", None, {})) == (503, b"bye")
    assert closing._idle == []
    await chunked.aclose()


async def test_refused_connection() -> None:
    client = LoadClient("http://127.0.0.1:1/x", connections=1, timeout_s=2)
    with pytest.raises(ConnectionRefusedError):
        await client.request(client.build("GET", None, {}))


def test_only_plain_http() -> None:
    with pytest.raises(ValueError, match="http://"):
        LoadClient("https://example.invalid/", connections=1, timeout_s=1)
