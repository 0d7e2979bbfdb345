"""The Cosmos DB backend under faults: a small TLS proxy in front of the local server
answers chosen requests with 429 or 503, drops the connection, or stalls.

The proxy terminates TLS with the local server's own self-signed certificate,
forwards each request with aiohttp and writes the answer back (one request per
connection). It rewrites the endpoint in the account metadata, so that the SDK
would keep talking to the proxy even with endpoint discovery on. Faults apply
only to document requests (paths with /docs), so start-up is never disturbed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import time
from dataclasses import dataclass, field
from typing import Optional

import aiohttp
import pytest

from bot.store import PROJECT_DATA, Conflict, NotFound, StoreUnavailable, TooLarge, update
from bot.store.cosmos import CosmosStore, RetryPolicy

HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}
BUDGET = 1.5
POLICY = RetryPolicy(budget=BUDGET, base_delay=0.05, max_delay=0.2)


@dataclass
class Fault:
    kind: str  # "429", "503", "413", "drop" (before forwarding), "drop-after" (forwarded, answer lost), "stall"
    times: int
    retry_after_ms: int = 100
    methods: tuple = ()  # only requests with these HTTP methods; () = any


@dataclass
class FaultProxy:
    upstream_port: int
    port: int = 0
    faults: list = field(default_factory=list)
    log: list = field(default_factory=list)  # (method, path, what happened)
    _server: Optional[asyncio.AbstractServer] = None
    _session: Optional[aiohttp.ClientSession] = None
    _tasks: set = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/"

    def inject(self, kind: str, times: int = 1, **options) -> None:
        self.faults.append(Fault(kind, times, **options))

    def clear(self) -> None:
        self.faults.clear()

    def served(self, what: str) -> int:
        return sum(1 for _, _, happened in self.log if happened == what)

    async def start(self, cert_file: str, key_file: str) -> None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_file, key_file)
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False), auto_decompress=False)
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, ssl=context)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()
        await self._session.close()

    def _next_fault(self, method: str, path: str) -> Optional[Fault]:
        if "/docs" not in path:
            return None
        for fault in self.faults:
            if fault.times > 0 and (not fault.methods or method in fault.methods):
                fault.times -= 1
                return fault
        return None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            pass
        finally:
            self._tasks.discard(task)
            if not writer.is_closing():
                writer.close()  # flushes the answer, then TLS close_notify
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(writer.wait_closed(), 1)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        method, path, _ = head[0].split(" ", 2)
        headers = [tuple(part.strip() for part in line.split(":", 1)) for line in head[1:] if ":" in line]
        length = int(next((v for k, v in headers if k.lower() == "content-length"), "0"))
        body = await reader.readexactly(length) if length else b""

        fault = self._next_fault(method, path)
        kind = fault.kind if fault else "forwarded"
        self.log.append((method, path, kind))
        if kind == "drop":
            writer.transport.abort()  # no answer; the request never reached the server
            return
        if kind == "stall":
            await asyncio.sleep(3600)
        if kind in ("429", "503", "413"):
            status = int(kind)
            extra = {"x-ms-retry-after-ms": str(fault.retry_after_ms)} if status == 429 else {}
            message = {"429": "Request rate is large.", "503": "Service is unavailable.",
                       "413": "Request size is too large."}[kind]
            await self._answer(writer, status, {"content-type": "application/json", **extra},
                               json.dumps({"code": kind, "message": message}).encode())
            return

        upstream = f"https://127.0.0.1:{self.upstream_port}{path}"
        forward = {k: v for k, v in headers if k.lower() not in HOP_BY_HOP}
        async with self._session.request(method, upstream, headers=forward, data=body) as response:
            answer = await response.read()
            answer_headers = {k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
            status = response.status
        if method == "GET" and path == "/":  # account metadata: point the SDK back at the proxy
            answer = answer.replace(f":{self.upstream_port}/".encode(), f":{self.port}/".encode())
        if kind == "drop-after":
            writer.transport.abort()  # the server applied the request; its answer is lost
            return
        await self._answer(writer, status, answer_headers, answer)

    @staticmethod
    async def _answer(writer: asyncio.StreamWriter, status: int, headers: dict, body: bytes) -> None:
        lines = [f"HTTP/1.1 {status} {'OK' if status < 400 else 'Error'}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines += [f"content-length: {len(body)}", "connection: close", "", ""]
        writer.write("\r\n".join(lines).encode("latin-1") + body)
        await writer.drain()


@pytest.fixture
async def proxy(cosmos_server):
    fault_proxy = FaultProxy(upstream_port=cosmos_server.port)
    await fault_proxy.start(str(cosmos_server.cert_file), str(cosmos_server.cert_file.with_name("key.pem")))
    yield fault_proxy
    await fault_proxy.stop()


@pytest.fixture
async def faulty(proxy, cosmos_server):
    """A Cosmos store that talks to the server through the proxy, with a short retry budget."""
    store = await CosmosStore.open(cosmos_server.settings(endpoint=proxy.url), retry=POLICY)
    yield store
    await store.close()


def doc(id: str = "plan", **fields) -> dict:
    return {"id": id, "projectId": "p-faults", **fields}


async def test_requests_go_through_the_proxy(proxy, faulty):
    await faulty.upsert(PROJECT_DATA, doc(n=1))
    assert proxy.served("forwarded") >= 1


async def test_a_few_429s_are_retried_honouring_retry_after(proxy, faulty):
    proxy.inject("429", times=3, retry_after_ms=200)
    started = time.monotonic()
    stored = await faulty.upsert(PROJECT_DATA, doc(n=1))
    elapsed = time.monotonic() - started
    assert stored["n"] == 1
    assert proxy.served("429") == 3
    assert 0.6 <= elapsed < 0.6 + 0.5, elapsed  # three waits of 200 ms, and not much else
    assert (await faulty.get(PROJECT_DATA, "p-faults", "plan"))["n"] == 1


async def test_a_retry_after_beyond_the_budget_fails_at_once(proxy, faulty):
    proxy.inject("429", times=1, retry_after_ms=60_000)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await faulty.get(PROJECT_DATA, "p-faults", "plan")
    assert time.monotonic() - started < 0.5


async def test_persistent_503_ends_in_store_unavailable_within_the_budget(proxy, faulty):
    proxy.inject("503", times=10_000)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as refused:
        await faulty.get(PROJECT_DATA, "p-faults", "plan")
    elapsed = time.monotonic() - started
    assert elapsed <= BUDGET + 0.3, elapsed
    assert proxy.served("503") >= 3  # it did retry
    assert "try again in a moment" in str(refused.value)


async def test_a_stalled_server_ends_in_store_unavailable_within_the_budget(proxy, faulty):
    proxy.inject("stall", times=10_000)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await faulty.query(PROJECT_DATA, "p-faults")
    assert time.monotonic() - started <= BUDGET + 0.3


async def test_a_dropped_connection_is_retried(proxy, faulty):
    proxy.inject("drop", times=2)
    created = await faulty.create(PROJECT_DATA, doc(n=1))
    assert proxy.served("drop") == 2
    assert await faulty.get(PROJECT_DATA, "p-faults", "plan") == created
    assert [d["id"] for d in await faulty.query(PROJECT_DATA, "p-faults")] == ["plan"]


async def test_a_create_whose_answer_was_lost_is_not_reported_as_a_conflict(proxy, faulty):
    proxy.inject("drop-after", times=1, methods=("POST",))
    created = await faulty.create(PROJECT_DATA, doc(n=1))
    assert proxy.served("drop-after") == 1
    assert created["n"] == 1
    with pytest.raises(Conflict):  # a genuine second create still conflicts
        await faulty.create(PROJECT_DATA, doc(n=2))


async def test_an_update_whose_answer_was_lost_is_applied_once(proxy, faulty):
    await faulty.create(PROJECT_DATA, doc("counter", n=0))
    proxy.inject("drop-after", times=1, methods=("PUT",))
    updated = await update(faulty, PROJECT_DATA, "p-faults", "counter", lambda d: {**d, "n": d["n"] + 1})
    assert proxy.served("drop-after") == 1
    assert updated["n"] == 1
    assert (await faulty.get(PROJECT_DATA, "p-faults", "counter"))["n"] == 1


@pytest.mark.parametrize("kind", ["503", "429", "drop"])
async def test_a_failed_write_leaves_the_previous_document_intact(proxy, faulty, kind):
    before = await faulty.create(PROJECT_DATA, doc(title="v1", items=list(range(100))))
    proxy.inject(kind, times=10_000, retry_after_ms=100, methods=("PUT", "POST"))
    with pytest.raises(StoreUnavailable):
        await faulty.replace(PROJECT_DATA, {**before, "title": "v2", "items": []}, before["_etag"])
    with pytest.raises(StoreUnavailable):
        await faulty.upsert(PROJECT_DATA, doc(title="v3"))
    proxy.clear()
    assert await faulty.get(PROJECT_DATA, "p-faults", "plan") == before


async def test_errors_that_are_not_faults_are_not_retried(proxy, faulty):
    with pytest.raises(NotFound):
        await faulty.get(PROJECT_DATA, "p-faults", "missing")
    assert [what for _, path, what in proxy.log if path.rstrip("/").endswith("/docs/missing")] == ["forwarded"]


async def test_the_service_refusing_a_large_item_is_too_large_not_retried(proxy, faulty):
    """The 2 MB check happens before sending; the service's own 413 maps to the same error."""
    proxy.inject("413", times=1)
    with pytest.raises(TooLarge, match="2 MB"):
        await faulty.upsert(PROJECT_DATA, doc(notes="fits our count, not the service's"))
    assert proxy.served("413") == 1
    with pytest.raises(NotFound):
        await faulty.get(PROJECT_DATA, "p-faults", "plan")
