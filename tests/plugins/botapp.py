"""The bot app under test, served by aiohttp on loopback, and a stand-in for the
Bot Framework connector that records what the bot sends back."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from runtime.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
BOT_ID = "28:workshops-bot"
TENANT = "tenant-1"
_ids = itertools.count(1)


@dataclass
class Connector:
    """Records activities the bot posts, keyed by conversation id."""

    sent: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    member_requests: list = field(default_factory=list)
    failures: list = field(default_factory=list)  # (status, retry_after or None) answered before the next posts
    post_times: list = field(default_factory=list)
    members: list = field(default_factory=list)  # what the paged members API answers, for any conversation
    per_second_limit: Optional[int] = None  # like Teams: refuse a conversation's post over this many in 1 s
    throttled: int = 0  # posts refused for going over per_second_limit
    update_gate: Optional[asyncio.Event] = None  # when set, updates are held until the event is set
    update_failures: list = field(default_factory=list)  # statuses answered to the next updates (PUTs)
    url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self._post)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._put)
        app.router.add_get("/v3/conversations/{conversation}/pagedmembers", self._paged_members)
        return app

    async def _paged_members(self, request: web.Request) -> web.Response:
        """Teams' paged members API: pageSize and an opaque continuationToken (here, an offset)."""
        size = int(request.query.get("pageSize") or 2)
        start = int(request.query.get("continuationToken") or 0)
        self.member_requests.append((request.match_info["conversation"], request.query.get("continuationToken")))
        page = self.members[start:start + size]
        body = {"members": page}
        if start + size < len(self.members):
            body["continuationToken"] = str(start + size)
        return web.json_response(body)

    async def _post(self, request: web.Request) -> web.Response:
        now = asyncio.get_running_loop().time()
        conversation = request.match_info["conversation"]
        if self.per_second_limit and self._accepted_within_a_second(conversation, now) >= self.per_second_limit:
            self.throttled += 1
            return web.json_response({"error": {"code": "Throttled", "message": "too many requests"}}, status=429,
                                     headers={"Retry-After": "1"})
        self.post_times.append((conversation, now))
        if self.failures:
            status, retry_after = self.failures.pop(0)
            headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
            return web.json_response({"error": {"code": "Throttled", "message": "slow down"}}, status=status,
                                     headers=headers)
        body = await request.json()
        body["_conversation"] = request.match_info["conversation"]
        body["_id"] = f"sent-{next(_ids)}"  # the id Teams gives the posted message
        self.sent.append(body)
        return web.json_response({"id": body["_id"]})

    def _accepted_within_a_second(self, conversation: str, now: float) -> int:
        return sum(1 for where, when in self.post_times if where == conversation and now - when < 1.0)

    async def _put(self, request: web.Request) -> web.Response:
        if self.update_gate is not None:
            await self.update_gate.wait()
        if self.update_failures:
            return web.json_response({"error": {"code": "ServiceError", "message": "try later"}},
                                     status=self.update_failures.pop(0))
        body = await request.json()
        body["_id"] = request.match_info["activity"]  # the message it replaces
        self.updates.append(body)
        return web.json_response({"id": request.match_info["activity"]})

    def clear(self) -> None:
        self.sent.clear()
        self.updates.clear()
        self.member_requests.clear()
        self.failures.clear()
        self.update_failures.clear()
        self.post_times.clear()
        self.per_second_limit, self.throttled, self.update_gate = None, 0, None
        self.members = [teams_member(n, name) for n, name in enumerate(PEOPLE, start=1)]


def conversation(scope: str) -> dict:
    """Conversation, channel data and mention prefix for a team channel, a group chat or a personal chat."""
    n = next(_ids)
    if scope == "channel":
        return {
            "conversation": {"id": f"19:channel{n}@thread.tacv2;messageid={n}", "conversationType": "channel",
                             "isGroup": True, "tenantId": TENANT},
            "channelData": {"team": {"id": f"19:team{n}@thread.tacv2"}, "channel": {"id": f"19:channel{n}@thread.tacv2"},
                            "tenant": {"id": TENANT}},
        }
    if scope == "groupChat":
        return {"conversation": {"id": f"19:group{n}@thread.v2", "conversationType": "groupChat", "isGroup": True,
                                 "tenantId": TENANT},
                "channelData": {"tenant": {"id": TENANT}}}
    return {"conversation": {"id": f"a:personal{n}", "conversationType": "personal", "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}}}


PEOPLE = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra")


def user(n: int = 1, name: str = "") -> dict:
    """A Teams user as it appears in an activity's `from`."""
    return {"id": f"29:user{n}", "name": name or PEOPLE[(n - 1) % len(PEOPLE)], "aadObjectId": aad(n)}


def aad(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


def teams_member(n: int, name: str) -> dict:
    """A member as Teams' members API returns it."""
    return {"id": f"29:user{n}", "name": name, "aadObjectId": aad(n), "email": f"user{n}@contoso.example",
            "userPrincipalName": f"user{n}@contoso.example", "tenantId": TENANT}


@dataclass
class Harness:
    client: TestClient
    connector: Connector
    scope: str = "personal"
    place: dict = field(default_factory=dict)
    locale: str = "en-GB"  # the user's Teams locale, sent with every activity (tests/test_german.py: "de-DE")

    def __post_init__(self):
        self.place = self.place or conversation(self.scope)

    def activity(self, type_: str, **fields) -> dict:
        base = {
            "type": type_, "id": f"act-{next(_ids)}", "channelId": "msteams",
            "serviceUrl": self.connector.url, "from": user(), "recipient": {"id": BOT_ID, "name": "Workshops"},
            "locale": self.locale, **self.place,
        }
        base.update(fields)
        return base

    def message(self, text: str, **fields) -> dict:
        if self.scope in ("channel", "groupChat"):
            fields.setdefault("entities", [{"type": "mention", "text": "<at>Workshops</at>",
                                            "mentioned": {"id": BOT_ID, "name": "Workshops"}}])
            text = f"<at>Workshops</at> {text}"
        return self.activity("message", text=text, **fields)

    async def post(self, body, headers: Optional[dict] = None, raw: Optional[bytes] = None):
        headers = {"Content-Type": "application/json", **(headers or {})}
        data = raw if raw is not None else json.dumps(body)
        return await self.client.post("/api/messages", data=data, headers=headers)

    async def say(self, text: str, **fields) -> list[dict]:
        """Send a message; return what the bot sent back during that turn."""
        before = len(self.connector.sent)
        response = await self.post(self.message(text, **fields))
        assert response.status in (200, 201), await response.text()
        return self.connector.sent[before:]

    async def send_value(self, value, **fields) -> list[dict]:
        """Press an Action.Submit button: a message with the button's data as value and no text."""
        before = len(self.connector.sent)
        response = await self.post(self.activity("message", value=value, **fields))
        assert response.status in (200, 201), await response.text()
        await self.card_updates_sent()
        return self.connector.sent[before:]

    async def invoke(self, name: str, value) -> tuple[int, object]:
        response = await self.post(self.activity("invoke", name=name, value=value))
        status, body = response.status, await response.json()
        await self.card_updates_sent()
        return status, body

    async def card_updates_sent(self) -> None:
        """Card messages are updated for everyone after a card action is answered; wait for that."""
        from app import BOT
        bot = self.client.server.app.get(BOT)
        if bot is not None:
            await bot.card_updates.settled()


@contextlib.asynccontextmanager
async def serving(stand_in: Connector):
    """`stand_in` served on loopback, with its url set, for as long as the block runs."""
    server = TestServer(stand_in.app(), host="127.0.0.1")
    await server.start_server()
    stand_in.url = str(server.make_url("/")).rstrip("/") + "/"
    try:
        yield stand_in
    finally:
        await server.close()


@pytest.fixture(scope="session")
async def connector():
    async with serving(Connector()) as stand_in:
        yield stand_in


def make_settings(tmp_path: Path, **overrides) -> Settings:
    return Settings(sqlite_path=str(tmp_path / "bot.sqlite3"), **overrides)


@pytest.fixture
async def app_client(tmp_path):
    """A factory: start the real app (on the given settings, or a private SQLite file), close it after the test."""
    from app import create_app

    clients = []

    async def start(settings: Optional[Settings] = None, graph=None, **overrides) -> TestClient:
        settings = dataclasses.replace(settings, **overrides) if settings else make_settings(tmp_path, **overrides)
        client = TestClient(TestServer(create_app(settings, graph=graph), host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()


@pytest.fixture(params=["channel", "groupChat", "personal"])
def scope(request) -> str:
    return request.param


@pytest.fixture
async def bot(app_client, connector, scope) -> Harness:
    connector.clear()
    return Harness(await app_client(), connector, scope)


@pytest.fixture
async def personal_bot(app_client, connector) -> Harness:
    connector.clear()
    return Harness(await app_client(), connector, "personal")


def card_of(activity: dict) -> dict:
    """The Adaptive Card an activity carries (fails the test if there is none)."""
    attachments = activity.get("attachments") or []
    assert attachments, f"expected a card, got text: {activity.get('text')!r}"
    assert attachments[0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachments[0]["content"]


def nodes(card: dict, keep) -> list[dict]:
    """Every element or action of a card (nested ones included) for which `keep(node)` is true."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            if keep(node):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return found


def of_type(prefix: str):
    return lambda node: str(node.get("type", "")).startswith(prefix)


def card_text(card: dict) -> str:
    """Every piece of text a person would read on a card, in order."""
    out = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("text", "title", "value", "label", "placeholder"):
                if isinstance(node.get(key), str):
                    out.append(node[key])
            for value in node.values():
                if isinstance(value, (dict, list)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(card)
    return "\n".join(out)


def parse_cards(named_cards: list[tuple[str, dict]]) -> dict[str, list[str]]:
    """Run the Adaptive Cards JS renderer over cards; return each card's parse and validation events."""
    payload = json.dumps([{"name": n, "card": c} for n, c in named_cards])
    result = subprocess.run(["node", str(ROOT / "tests/js/check_cards.js")], input=payload, capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    return {entry["name"]: entry["events"] for entry in json.loads(result.stdout)}
