"""Three instances of the bot (`python app.py`) on one local Cosmos DB server, behind a round-robin
proxy as a load balancer would put them: a burst of RSVPs, racing approvals, check-ins and attendance
saves spread across them, one instance killed in the middle, and every delivery Teams did not get an
answer for delivered again (as Teams does). Nothing acknowledged is lost; approval, reminder and
digest happen once."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp import web

from store import PROJECT_DATA, open_store
from tests.plugins.botapp import ROOT, Harness, card_text
from tests.plugins.cosmos import TEST_KEY, unique_name
from tests.test_agenda import ready
from tests.test_concurrency import _wait_ready
from tests.test_planning import ALAN, GRACE, execute_invoke

INSTANCES = 3


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Fleet:
    """The instances and the round-robin proxy in front of them."""

    def __init__(self, cosmos_url: str, database: str, log_dir):
        self.env = {**os.environ, "HOST": "127.0.0.1", "COSMOS_ENDPOINT": cosmos_url, "COSMOS_KEY": TEST_KEY,
                    "COSMOS_DATABASE": database, "COSMOS_VERIFY_TLS": "false", "REMINDER_INTERVAL_SECONDS": "1",
                    "REMINDER_LEAD_HOURS": "24", "SIGNING_SECRET": "s" * 40,
                    # Round-robin instances each answer from the store, as README's "Scaling out" says to run them.
                    "STORE_CACHE_SECONDS": "0", "CARD_UPDATE_SECONDS": "0"}
        self.env.pop("MicrosoftAppId", None)
        self.log_dir, self.ports, self.processes = log_dir, [], []
        self._turn = itertools.count()
        self.runner = None
        self.url = ""

    async def start(self) -> None:
        for n in range(INSTANCES):
            port = _free_port()
            log = open(self.log_dir / f"instance-{n}.log", "w")
            self.processes.append(subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env={**self.env, "PORT": str(port)},
                                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            self.ports.append(port)
        for port in self.ports:
            await _wait_ready(f"http://127.0.0.1:{port}")
        app = web.Application()
        app.router.add_post("/api/messages", self._forward)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        proxy_port = _free_port()
        await web.TCPSite(self.runner, "127.0.0.1", proxy_port).start()
        self.url = f"http://127.0.0.1:{proxy_port}"
        self.http = aiohttp.ClientSession()

    async def _forward(self, request: web.Request) -> web.Response:
        port = self.ports[next(self._turn) % len(self.ports)]
        try:
            async with self.http.post(f"http://127.0.0.1:{port}/api/messages", data=await request.read(),
                                      headers={"Content-Type": "application/json"}) as answer:
                return web.Response(status=answer.status, body=await answer.read(),
                                    content_type=answer.content_type)
        except aiohttp.ClientError:  # the instance died with the request in flight
            return web.json_response({"error": {"code": "BadGateway", "message": "instance gone"}}, status=502)

    def kill(self, n: int) -> None:
        os.killpg(self.processes[n].pid, signal.SIGKILL)
        self.processes[n].wait(timeout=10)

    async def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if self.runner:
            await self.http.close()
            await self.runner.cleanup()



class Remote(Harness):
    """The test harness, talking to the fleet over HTTP instead of an in-process app."""

    async def card_updates_sent(self) -> None:
        await asyncio.sleep(0.05)


async def deliver(bot: Harness, activity: dict, attempts: int = 40) -> dict:
    """Deliver like Teams: an activity not answered (the instance died) is delivered again, same id."""
    for _ in range(attempts):
        response = await bot.post(activity)
        if response.status == 200:
            return await response.json()
        await asyncio.sleep(0.5)
    pytest.fail(f"{activity['id']} was never answered")


@pytest.fixture
async def fleet(cosmos_server, tmp_path):
    fleet = Fleet(cosmos_server.url, unique_name(), tmp_path)
    try:
        await fleet.start()
        yield fleet
    finally:
        await fleet.stop()


async def test_three_instances_lose_nothing_acknowledged_and_do_each_thing_once(fleet, connector, cosmos_server):
    connector.clear()
    http = aiohttp.ClientSession(base_url=fleet.url)
    try:
        bot = Remote(http, connector, "channel")
        card = await ready(bot)
        start = (datetime.now(ZoneInfo("Europe/London")) + timedelta(minutes=10)).replace(second=0, microsecond=0)
        scheduled = await deliver(bot, execute_invoke(bot, card, "agenda.schedule", ALAN,
                                                      day=start.strftime("%Y-%m-%d"), time=start.strftime("%H:%M"),
                                                      confirmed=True))
        card = scheduled["value"]
        assert "Time saved" in card_text(card)

        people = [{"id": f"29:p{n}", "name": f"Person {n:02d}", "aadObjectId": f"aad-{n}"} for n in range(50)]
        answers = ["accept", "tentative", "decline"]
        burst = [execute_invoke(bot, card, "agenda.rsvp", p, response=answers[n % 3]) for n, p in enumerate(people)]
        graces = (await deliver(bot, execute_invoke(bot, card, "agenda.refresh", GRACE)))["value"]
        burst += [execute_invoke(bot, graces, "agenda.approve", GRACE) for _ in range(5)]
        burst += [execute_invoke(bot, card, "attendance.checkin", p) for p in people[:10]]
        acknowledged = 0

        async def send(activity: dict) -> dict:
            nonlocal acknowledged
            answer = await deliver(bot, activity)
            acknowledged += 1
            if acknowledged == 20:
                fleet.kill(1)  # mid-burst, with requests in flight on it
            return answer

        results = await asyncio.gather(*(send(a) for a in burst))
        approvals = [r for r in results[50:55] if "Agenda approved." in card_text(r["value"])]
        assert len(approvals) == 1, "exactly one approval from five racing presses on three instances"

        refreshed = await deliver(bot, execute_invoke(bot, card, "agenda.refresh", GRACE))
        shown = card_text(refreshed["value"])
        assert "Accepted: 17 · Tentative: 17 · Declined: 16" in shown, "every RSVP kept"
        assert "Approved by Grace Hopper" in shown

        store = await open_store(cosmos_server.settings(database=fleet.env["COSMOS_DATABASE"]))
        try:
            project_id = bot.place["channelData"]["team"]["id"]
            session = await store.get(PROJECT_DATA, project_id, "session:data-migration")
            assert {f"aad-{n}" for n in range(10)} <= set(session["attendance"]), "every check-in kept"
            # An action item that is overdue, registered for the digest as saving outcomes does.
            yesterday = (datetime.now(ZoneInfo("UTC")) - timedelta(days=1)).date().isoformat()
            await store.create(PROJECT_DATA, {
                "id": "outcome:data-migration", "projectId": project_id, "type": "outcome",
                "workshopId": "data-migration", "version": 1, "findings": [],
                "actions": [{"id": "a1", "title": "Measure throughput", "owner": ALAN["aadObjectId"],
                             "due": yesterday, "done": False}]})
            await store.create(PROJECT_DATA, {"id": f"digest|{project_id}", "projectId": "digests", "type": "digest",
                                              "project": project_id, "lastSentOn": None})
        finally:
            await store.close()

        await asyncio.sleep(4)  # every instance's loop looks for due work each second
        texts = [a.get("text") or "" for a in connector.sent]
        assert len([t for t in texts if t.startswith("Reminder:")]) == 1, "the reminder is sent once"
        assert len([t for t in texts if "overdue action item" in t]) == 1, "the digest is sent once"
    finally:
        await http.close()


async def test_instances_starting_together_on_a_new_database_all_start(cosmos_server):
    settings = cosmos_server.settings()  # a database nobody has made yet
    stores = await asyncio.gather(*(open_store(settings) for _ in range(INSTANCES)), return_exceptions=True)
    try:
        assert all(not isinstance(s, BaseException) for s in stores), stores
    finally:
        for store in stores:
            if not isinstance(store, BaseException):
                await store.close()
