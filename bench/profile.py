"""Profile one turn type with cProfile, the app in-process:
`python -m bench.profile help [-n 300] [-c 10] [--callers deepcopy]`.

The real app (app.create_app, SQLite in a temporary directory or, with `--store cosmos`, the local Cosmos DB
server; anonymous) and the connector stand-in
run on this process's event loop, so the profile covers the whole turn on the loop: parsing, the
adapter, the handler, cards, serialisation, the store calls' loop side and the HTTP client; work that
runs on other threads (SQLite's worker, msrest's `requests` sender when it is in use) shows only as
waiting. Prints the functions with the most own time and the most cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer

from . import scenarios
from .connector import Connector
from .scenarios import Conversation, dumps

TURN_TYPES = {t.name: t for t in scenarios.BOT_TURNS}


async def profile(turn_type: scenarios.TurnType, turns: int, concurrency: int, top: int,
                  callers: tuple = (), store: str = "sqlite") -> None:
    from app import create_app
    from runtime.settings import Settings
    from .run import COSMOS_KEY, start_cosmos, stop

    connector = TestServer(Connector().app(), host="127.0.0.1")
    await connector.start_server()
    connector_url = str(connector.make_url("/"))
    with tempfile.TemporaryDirectory() as workdir:
        server = None
        if store == "cosmos":
            server, endpoint = start_cosmos(Path(workdir), "cosmos")
            settings = Settings(cosmos_endpoint=endpoint, cosmos_key=COSMOS_KEY, cosmos_verify_tls=False)
        else:
            settings = Settings(sqlite_path=str(Path(workdir) / "bot.sqlite3"))
        client = TestClient(TestServer(create_app(settings), host="127.0.0.1"))
        await client.start_server()
        try:
            async def send(body: dict):
                response = await client.post("/api/messages", data=dumps(body),
                                             headers={"Content-Type": "application/json"})
                raw = await response.read()
                return response.status, (__import__("json").loads(raw) if raw[:1] == b"{" else None)

            async def last(conversation: str) -> dict:
                import aiohttp
                async with aiohttp.ClientSession() as session:
                    async with session.get(connector_url + "bench/last", params={"conversation": conversation}) as r:
                        return await r.json(content_type=None)

            convs = [Conversation(scenarios.conversation_id(f"profile-{turn_type.name}", n), connector_url)
                     for n in range(concurrency)]
            for conv in convs:
                if turn_type.warm_up:
                    await turn_type.warm_up(conv, send, last)
            per_conversation = max(1, turns // concurrency)

            async def talk(conv: Conversation, offset: int) -> None:
                for t in range(per_conversation):
                    status, _ = await send(turn_type.turn(conv, offset + t))
                    if status >= 400:
                        raise RuntimeError(f"turn answered {status}")

            await asyncio.gather(*(talk(c, 0) for c in convs))  # warm-up, not profiled
            profiler = cProfile.Profile()
            began = time.perf_counter()
            profiler.enable()
            await asyncio.gather(*(talk(c, per_conversation) for c in convs))
            profiler.disable()
            seconds = time.perf_counter() - began
            done = per_conversation * concurrency
            print(f"{done} {turn_type.name} turns in {seconds:.2f} s under the profiler "
                  f"({seconds * 1000 / done:.2f} ms a turn, loop thread, client and stand-in included)\n")
            stats = pstats.Stats(profiler)
            stats.sort_stats("tottime").print_stats(top)
            stats.sort_stats("cumulative").print_stats(top)
            if callers:
                for name in callers:
                    stats.print_callers(name)
        finally:
            await client.close()
            await connector.close()
            stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("turn_type", choices=sorted(TURN_TYPES))
    parser.add_argument("-n", "--turns", type=int, default=300)
    parser.add_argument("-c", "--concurrency", type=int, default=10)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--store", choices=("sqlite", "cosmos"), default="sqlite",
                        help="cosmos starts the local Cosmos DB server (bench/cosmosdb_server.js) for the run")
    parser.add_argument("--callers", nargs="*", default=[], help="also print who calls these functions")
    args = parser.parse_args()
    asyncio.run(profile(TURN_TYPES[args.turn_type], args.turns, args.concurrency, args.top, tuple(args.callers),
                        args.store))


if __name__ == "__main__":
    main()
