"""Local Cosmos DB server (@vercel/cosmosdb-server) and store fixtures.

The server is started once per session on a port the OS picks on loopback
(`--port 0`; the port is read from its "Ready" line), and stopped by killing its
process group. A missing node or npm package fails the tests: it is never a skip.
Every test gets its own SQLite file or its own Cosmos DB database.
"""

from __future__ import annotations

import base64
import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.store import open_store

ROOT = Path(__file__).resolve().parents[2]
SERVER_PACKAGE = ROOT / "node_modules" / "@vercel" / "cosmosdb-server"
SERVER_CLI = SERVER_PACKAGE / "lib" / "cli.js"
# The local server checks no signature, but the SDK needs a base64 key to sign with.
TEST_KEY = base64.b64encode(b"local-cosmosdb-server-test-key").decode()
START_TIMEOUT = 30.0

# @vercel/cosmosdb-server 1.0.1 answers a point read of a missing document with a 500
# ("Cannot read properties of undefined"), where Azure Cosmos DB answers 404. This shim
# repairs that one handler, then runs the package's own cli.js with the given arguments.
SERVER_SHIM = r"""
const path = require("path");
const lib = path.join(process.env.COSMOSDB_SERVER_DIR, "lib");
const handler = require(path.join(lib, "handler", "read-document.js"));
const original = handler.default;
handler.default = (account, req, res, params) => {
  try {
    return original(account, req, res, params);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    res.statusCode = 404;
    return { code: "NotFound", message: "Entity with the specified id does not exist in the system." };
  }
};
process.argv = [process.argv[0], path.join(lib, "cli.js"), ...process.argv.slice(1)];
require(path.join(lib, "cli.js"));
"""
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

    def settings(self, database: str = "", endpoint: str = "", **overrides) -> Settings:
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
        [node, "-e", SERVER_SHIM, "--", "--port", "0", "--host", "127.0.0.1"],
        cwd=ROOT, env={**os.environ, "COSMOSDB_SERVER_DIR": str(SERVER_PACKAGE)},
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

