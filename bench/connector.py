"""A stand-in for the Bot Framework connector, for the benchmark: answers what a bot sends back.

Routes (the ones the bots call):
  POST /v3/conversations/{id}/activities[/{replyTo}]   -> 200 {"id": ...}
  PUT  /v3/conversations/{id}/activities/{activity}   -> 200 {"id": activity}
  GET  /v3/conversations/{id}/pagedmembers            -> Teams' paged members (five people)
and, for the driver only:
  GET  /bench/stats                    -> calls answered so far, by kind
  GET  /bench/last?conversation=ID     -> the last activity posted to that conversation (warm-up reads cards)

With `--teams-limit N` it also behaves like Teams' per-conversation limit: a post to a conversation that
already had N posts accepted in the last second is answered 429 with Retry-After: 1 (counted as
"throttled"). The benchmark uses that for one diagnostic run only; the baselines never meet it.

Run as its own process: `python -m bench.connector --port 0`; it prints `READY <port>` once listening.
It answers at once, reads every body and parses only what it keeps; it is as cheap as an aiohttp
handler can be, so the bot under test, not the stand-in, sets the pace.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import itertools
import json
import socket
import sys
import time

from aiohttp import web

TENANT = "tenant-1"
PEOPLE = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra")
MAX_KEPT = 20_000  # conversations whose last activity is kept


def aad(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


def member(n: int, name: str) -> dict:
    return {"id": f"29:user{n}", "name": name, "aadObjectId": aad(n), "email": f"user{n}@contoso.example",
            "userPrincipalName": f"user{n}@contoso.example", "tenantId": TENANT}


MEMBERS = json.dumps({"members": [member(n, name) for n, name in enumerate(PEOPLE, start=1)]}).encode()


class Connector:
    def __init__(self, keep_last: bool = True, teams_limit: int = 0):
        self.ids = itertools.count(1)
        self.stats = {"posts": 0, "puts": 0, "members": 0, "throttled": 0}
        self.keep_last = keep_last
        self.last: dict[str, bytes] = {}
        self.teams_limit = teams_limit
        self.accepted: dict[str, collections.deque] = collections.defaultdict(collections.deque)

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/v3/conversations/{conversation}/activities", self.post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{reply_to}", self.post)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self.put)
        app.router.add_get("/v3/conversations/{conversation}/pagedmembers", self.members)
        app.router.add_get("/bench/stats", self.get_stats)
        app.router.add_get("/bench/last", self.get_last)
        return app

    def over_limit(self, conversation: str) -> bool:
        """Teams' rule: no more than teams_limit posts accepted for one conversation in any second."""
        if not self.teams_limit:
            return False
        now, accepted = time.monotonic(), self.accepted[conversation]
        while accepted and now - accepted[0] >= 1.0:
            accepted.popleft()
        if len(accepted) >= self.teams_limit:
            return True
        accepted.append(now)
        return False

    async def post(self, request: web.Request) -> web.Response:
        body = await request.read()
        conversation = request.match_info["conversation"]
        if self.over_limit(conversation.split(";", 1)[0]):
            self.stats["throttled"] += 1
            return web.Response(status=429, headers={"Retry-After": "1"}, content_type="application/json",
                                body=b'{"error":{"code":"Throttled","message":"too many requests"}}')
        self.stats["posts"] += 1
        if self.keep_last:
            self.last.pop(conversation, None)
            self.last[conversation] = body
            if len(self.last) > MAX_KEPT:
                self.last.pop(next(iter(self.last)))
        return web.Response(body=b'{"id":"sent-%d"}' % next(self.ids), content_type="application/json")

    async def put(self, request: web.Request) -> web.Response:
        await request.read()
        self.stats["puts"] += 1
        return web.json_response({"id": request.match_info["activity"]})

    async def members(self, _request: web.Request) -> web.Response:
        self.stats["members"] += 1
        return web.Response(body=MEMBERS, content_type="application/json")

    async def get_stats(self, _request: web.Request) -> web.Response:
        return web.json_response(self.stats)

    async def get_last(self, request: web.Request) -> web.Response:
        body = self.last.get(request.query.get("conversation", ""))
        if body is None:
            return web.json_response({"error": "nothing posted to that conversation"}, status=404)
        return web.Response(body=body, content_type="application/json")


async def serve(port: int, teams_limit: int) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    runner = web.AppRunner(Connector(teams_limit=teams_limit).app(), access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock, backlog=1024).start()
    print(f"READY {sock.getsockname()[1]}", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--teams-limit", type=int, default=0, help="answer 429 over this many posts a second "
                        "per conversation (0: never)")
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.port, args.teams_limit))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
