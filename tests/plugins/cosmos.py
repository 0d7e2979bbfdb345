"""Local Cosmos DB server (@vercel/cosmosdb-server) and store fixtures.

The server is started once per session on a port the OS picks on loopback
(`--port 0`; the port is read from its "Ready" line), and stopped by killing its
process group. A missing node or npm package fails the tests: it is never a skip.
Every test gets its own SQLite file or its own Cosmos DB database.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import aiohttp
import pytest

from runtime.settings import Settings
from store import open_store

ROOT = Path(__file__).resolve().parents[2]
SERVER_PACKAGE = ROOT / "node_modules" / "@vercel" / "cosmosdb-server"
SERVER_CLI = SERVER_PACKAGE / "lib" / "cli.js"
# The local server checks no signature, but the SDK needs a base64 key to sign with.
TEST_KEY = base64.b64encode(b"local-cosmosdb-server-test-key").decode()
START_TIMEOUT = 30.0

SERVER_SCRIPT = ROOT / "tests" / "js" / "cosmosdb_server.js"  # the package's server, with one fix
BACKENDS = ["sqlite", "cosmos"]


@dataclass
class CosmosServer:
    url: str
    port: int
    process: subprocess.Popen
    log_dir: Path

    @property
    def cert_file(self) -> Path:
        """The server's self-signed certificate (and key.pem beside it)."""
        return SERVER_PACKAGE / "cert.pem"

    def check_alive(self) -> None:
        """Fail clearly if the server died during the session (a negative code is the signal that ended it)."""
        if self.process.poll() is not None:
            pytest.fail(f"the Cosmos DB server (pid {self.process.pid}) died during the session with code "
                        f"{self.process.returncode}\n{self.logs()}", pytrace=False)

    def settings(self, database: str = "", endpoint: str = "", **overrides) -> Settings:
        self.check_alive()
        return Settings(
            cosmos_endpoint=endpoint or self.url,
            cosmos_key=TEST_KEY,
            cosmos_database=database or unique_name(),
            cosmos_verify_tls=False,  # self-signed certificate
            **overrides,
        )

    def logs(self) -> str:
        out = (self.log_dir / "stdout.log").read_text(errors="replace")
        err = (self.log_dir / "stderr.log").read_text(errors="replace")
        return f"--- server stdout ---\n{out[-4000:]}\n--- server stderr ---\n{err[-4000:]}"


def unique_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def _answers(port: int) -> bool:
    """True once the server answers an HTTPS request for its account metadata."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection = http.client.HTTPSConnection("127.0.0.1", port, timeout=2, context=context)
    try:
        connection.request("GET", "/")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=5)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def start_cosmos_server(log_dir: Path) -> CosmosServer:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not on PATH; the Cosmos DB tests need Node.js to run @vercel/cosmosdb-server", pytrace=False)
    if not SERVER_CLI.exists():
        pytest.fail(f"{SERVER_CLI} is missing; run `npm install` in {ROOT}", pytrace=False)
    stdout = open(log_dir / "stdout.log", "wb")
    stderr = open(log_dir / "stderr.log", "wb")
    process = subprocess.Popen(
        [node, str(SERVER_SCRIPT), "--port", "0", "--host", "127.0.0.1"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr, start_new_session=True,
    )
    stdout.close()
    stderr.close()
    server = CosmosServer(url="", port=0, process=process, log_dir=log_dir)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"the Cosmos DB server exited with code {process.returncode}\n{server.logs()}", pytrace=False)
            if not server.port:
                ready = re.search(r"connections at .*:(\d+)", (log_dir / "stdout.log").read_text(errors="replace"))
                if ready:
                    server.port = int(ready.group(1))
                    server.url = f"https://127.0.0.1:{server.port}/"
            if server.port and _answers(server.port):
                return server
            time.sleep(0.05)
        pytest.fail(f"the Cosmos DB server did not answer within {START_TIMEOUT:.0f} s\n{server.logs()}", pytrace=False)
    except BaseException:
        _stop(process)
        raise


@pytest.fixture(scope="session")
def cosmos_server(tmp_path_factory) -> CosmosServer:
    server = start_cosmos_server(tmp_path_factory.mktemp("cosmosdb-server"))
    try:
        yield server
    finally:
        _stop(server.process)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def store_settings(backend, request, tmp_path) -> Settings:
    """Settings for a fresh, private store of the backend under test."""
    if backend == "cosmos":
        return request.getfixturevalue("cosmos_server").settings()
    # A directory that does not exist yet: the store must create it.
    return Settings(sqlite_path=str(tmp_path / "data" / "nested" / "store.sqlite3"))


@pytest.fixture
async def store_factory(store_settings):
    """Open (or reopen) the test's store; every store opened is closed after the test."""
    opened = []

    async def open_(settings: Settings = None):
        store = await open_store(settings or store_settings)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        await store.close()


@pytest.fixture
async def store(store_factory, backend):
    opened = await store_factory()
    assert opened.backend == backend
    return opened



# Fault injection ---------------------------------------------------------------

HOP_BY_HOP = {"host", "content-length", "connection", "transfer-encoding", "keep-alive"}


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

    async def idle(self, timeout: float = 5.0) -> None:
        """Wait until every request the proxy has accepted is answered: a client that gave up on an attempt
        may have sent it already, and clearing the faults first would let it through late."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self._tasks and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.01)

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
        try:
            async with self._session.request(method, upstream, headers=forward, data=body) as response:
                answer = await response.read()
                answer_headers = {k: v for k, v in response.headers.items() if k.lower() not in HOP_BY_HOP}
                status = response.status
        except aiohttp.ClientError as error:  # the server is gone: say so instead of an unhandled error
            self.log.append((method, path, f"upstream failed: {error}"))
            await self._answer(writer, 502, {"content-type": "application/json"}, b'{"message": "bad gateway"}')
            return
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
