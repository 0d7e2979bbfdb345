"""Running in Azure: the liveness and readiness probes, a SIGTERM that lets the turns in flight finish, and
logs that carry neither tokens nor message text. The last two run the real `python app.py`."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from tests.plugins.botapp import ROOT, Connector, Harness, serving
from tests.plugins.cosmos import Fault
from tests.test_concurrency import _wait_ready
from tests.test_planning import SETUP

BURST = 20


@pytest.fixture
def outage(proxy):
    """The fault proxy, answering every request (not only document ones) 503 while `outage.down`."""
    proxy.down = False
    proxy._next_fault = lambda method, path: Fault("503", 1) if proxy.down else None
    return proxy


async def test_livez_stays_200_and_readyz_is_503_while_the_store_is_down(app_client, cosmos_server, outage):
    client = await app_client(cosmos_server.settings(endpoint=outage.url))
    assert (await client.get("/readyz")).status == 200
    outage.down = True  # Cosmos DB answers nothing but 503
    live, ready, health = await asyncio.gather(client.get("/livez"), client.get("/readyz"), client.get("/healthz"))
    assert live.status == 200 and (await live.json())["status"] == "ok"
    assert ready.status == 503
    assert await ready.json() == {"status": "unavailable", "store": {"backend": "cosmos", "ok": False}}
    assert health.status == 503, "/healthz keeps its old meaning (the store answers) for existing probes"
    outage.down = False
    await outage.idle()
    ready = await client.get("/readyz")
    assert ready.status == 200 and (await ready.json())["store"] == {"backend": "cosmos", "ok": True}


async def test_the_probes_on_sqlite(app_client):
    client = await app_client()
    for path in ("/livez", "/readyz", "/healthz"):
        assert (await client.get(path)).status == 200, path


@dataclasses.dataclass
class SlowConnector(Connector):
    """Takes `delay` seconds over every post, so turns are still in flight when SIGTERM arrives."""

    delay: float = 0.0
    started: int = 0

    async def _post(self, request: web.Request) -> web.Response:
        self.started += 1
        await asyncio.sleep(self.delay)
        return await super()._post(request)


def start_app(tmp_path: Path, port: int, **env) -> subprocess.Popen:
    environment = {**os.environ, "PORT": str(port), "SQLITE_PATH": str(tmp_path / "bot.sqlite3"), "HOST": "127.0.0.1",
                   "REMINDER_INTERVAL_SECONDS": "3600", "MicrosoftAppId": "", "SIGNING_SECRET": "", **env}
    with open(tmp_path / "stderr.log", "wb") as stderr:
        return subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                                stderr=stderr)


async def test_sigterm_during_a_burst_of_turns_answers_and_stores_every_one(tmp_path, unused_tcp_port):
    url = f"http://127.0.0.1:{unused_tcp_port}"
    async with serving(SlowConnector()) as connector:
        connector.clear()
        process = start_app(tmp_path, unused_tcp_port)
        try:
            await _wait_ready(url)
            people = [Harness(None, connector, "personal") for _ in range(BURST)]
            async with aiohttp.ClientSession(base_url=url) as http:
                async def post(activity: dict) -> int:
                    async with http.post("/api/messages", json=activity) as response:
                        return response.status

                assert set(await asyncio.gather(*(post(p.message("setup")) for p in people))) == {201}
                connector.sent.clear()
                connector.delay, connector.started = 1.5, 0
                submissions = [p.activity("message", value={**SETUP, "name": f"Project {n}"})
                               for n, p in enumerate(people)]
                burst = [asyncio.create_task(post(activity)) for activity in submissions]
                while connector.started < BURST:  # every turn has saved and is sending its answer
                    await asyncio.sleep(0.02)
                process.send_signal(signal.SIGTERM)
                statuses = await asyncio.wait_for(asyncio.gather(*burst), 60)
            assert await asyncio.to_thread(process.wait, 60) == 0
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(10)
    log = (tmp_path / "stderr.log").read_text()
    assert statuses == [201] * BURST, log
    answered = {a["replyToId"] for a in connector.sent}
    assert answered == {a["id"] for a in submissions}, "every turn's answer reached the connector"
    with sqlite3.connect(tmp_path / "bot.sqlite3") as db:
        names = {json.loads(body)["name"] for (body,) in db.execute(
            "SELECT body FROM documents WHERE container = 'projects' AND id = 'project'")}
    assert names == {f"Project {n}" for n in range(BURST)}, "every project was stored"
    assert "stopped" in log


async def test_logs_carry_neither_tokens_nor_message_text(tmp_path, unused_tcp_port, connector):
    connector.clear()
    url = f"http://127.0.0.1:{unused_tcp_port}"
    secret_text = "my password is Hunter2-7f3a9c and the key sk-live-51Habc"
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXNlY3JldC1zdWIifQ.c2lnbmF0dXJlLXZhbHVl"
    process = start_app(tmp_path, unused_tcp_port, LOG_FORMAT="json")
    try:
        await _wait_ready(url)
        bot = Harness(None, connector, "personal")
        async with aiohttp.ClientSession(base_url=url) as http:
            async with http.post("/api/messages", json=bot.message(secret_text)) as response:
                assert response.status == 201  # answered with a hint
            async with http.post("/api/messages", json=bot.message(secret_text),
                                 headers={"Authorization": f"Bearer {token}"}) as response:
                assert response.status == 401  # anonymous mode still refuses a token it cannot check
    finally:
        process.terminate()
        process.wait(timeout=30)
    log = (tmp_path / "stderr.log").read_text()
    lines = [json.loads(line) for line in log.splitlines()]  # every line is one JSON object
    assert {"time", "level", "logger", "message"} <= set(lines[0])
    assert any(entry["message"].startswith("POST /api/messages 401") for entry in lines), log
    for secret in ("Hunter2", "sk-live", token, token.split(".")[1], "password"):
        assert secret not in log, secret
    assert connector.sent, "the first message was answered"
