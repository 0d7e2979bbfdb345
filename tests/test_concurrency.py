"""Concurrency and crashes, on both stores: 50 people answering at once, approvals racing, and
the process killed in the middle of turns."""

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time

import aiohttp
import pytest

from tests.plugins.botapp import ROOT, Harness, card_of, card_text
from tests.test_agenda import ready
from tests.test_planning import GRACE, SETUP, press


async def test_fifty_rsvps_and_racing_approvals_on_one_session(app_client, connector, store_settings):
    connector.clear()
    bot = Harness(await app_client(store_settings), connector, "channel")
    card = await ready(bot)
    people = [{"id": f"29:p{n}", "name": f"Person {n:02d}", "aadObjectId": f"aad-{n}"} for n in range(50)]
    answers = ["accept", "tentative", "decline"]
    results = await asyncio.gather(
        *(press(bot, card, "agenda.rsvp", p, response=answers[n % 3]) for n, p in enumerate(people)),
        *(press(bot, card, "agenda.approve", GRACE) for _ in range(5)))
    assert all(status == 200 for status, _ in results)
    approvals = [body for _, body in results[50:] if "Agenda approved." in card_text(body["value"])]
    assert len(approvals) == 1, "exactly one approval from five racing presses"
    _, final = await press(bot, card, "agenda.refresh", GRACE)
    shown = card_text(final["value"])
    assert "Accepted: 17 · Tentative: 17 · Declined: 16" in shown, "every RSVP recorded"
    assert "Approved by Grace Hopper" in shown
    everyone = card_text(card_of(connector.updates[-1]))
    assert "Accepted: 17 · Tentative: 17 · Declined: 16" in everyone, "the message everyone sees ends up current"


def _start_bot(port: int, sqlite_path: str) -> subprocess.Popen:
    env = {**os.environ, "PORT": str(port), "SQLITE_PATH": sqlite_path, "HOST": "127.0.0.1",
           "REMINDER_INTERVAL_SECONDS": "3600"}
    env.pop("MicrosoftAppId", None)
    return subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)


async def _wait_ready(url: str) -> None:
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"{url}/healthz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    pytest.fail("the bot did not become ready")


async def test_killed_mid_turn_nothing_is_corrupt_and_the_conversation_goes_on(connector, tmp_path,
                                                                              unused_tcp_port):
    connector.clear()
    url, db = f"http://127.0.0.1:{unused_tcp_port}", str(tmp_path / "store.sqlite3")
    process = _start_bot(unused_tcp_port, db)
    try:
        await _wait_ready(url)
        async with aiohttp.ClientSession(base_url=url) as http:
            bot = Harness(None, connector, "channel")

            async def post(activity):
                try:
                    async with http.post("/api/messages", json=activity) as response:
                        return response.status
                except aiohttp.ClientError:
                    return None

            assert await post(bot.message("setup")) == 201
            # A burst of writes (set-up forms and dialog state), killed while it is in flight.
            burst = [asyncio.create_task(post(bot.activity("message", value={**SETUP, "name": f"Project {n}"})))
                     for n in range(20)]
            await asyncio.sleep(0.15)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
            await asyncio.gather(*burst)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)

    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

    process = _start_bot(unused_tcp_port, db)
    try:
        await _wait_ready(url)
        async with aiohttp.ClientSession(base_url=url) as http:
            before = len(connector.sent)
            async with http.post("/api/messages", json=bot.message("setup")) as response:
                assert response.status == 201
            shown = card_text(card_of(connector.sent[before]))
            assert "project" in shown.lower(), "the conversation goes on after the restart"
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
