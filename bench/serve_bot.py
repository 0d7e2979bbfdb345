"""The real bot (app.create_app, the settings from the environment, as `python app.py` runs it), plus
store-operation counting for the benchmark. Product code is not changed: this launcher wraps the
store that `app.open_store` returns in a counting proxy, and adds two routes of its own:

  GET  /bench/stats   -> {"turn": {"projects.get": n, ...}, "background": {...}, "cross_partition": n,
                          "cpu_seconds": x}
  POST /bench/reset   -> zero the counters; answers as /bench/stats
  POST /bench/background?at=<ISO time> -> run one round of the background loops; {"operations": {"projects.query": n, ...}, ...}

`cpu_seconds` is the process's CPU time, every thread included, to the nanosecond
(time.process_time): /proc/<pid>/stat counts in 10 ms ticks, 4% of a 400-turn run at 0.6 ms a turn.

An operation is counted under "turn" when it runs inside a POST /api/messages request (a context
variable set by a middleware follows the request into everything it awaits), else under
"background" (the reminders loop). On Cosmos DB every query_items call is also checked for a
partition key: one without, or with enable_cross_partition_query, counts as cross-partition.

`python -m bench.serve_bot` (PORT, SQLITE_PATH, COSMOS_* as for app.py), loopback only.
"""

from __future__ import annotations

import collections
import contextvars
import time
from typing import Any, Optional

from aiohttp import web

import app as app_module
from runtime.settings import Settings
from store import DocumentStore

IN_TURN: contextvars.ContextVar[bool] = contextvars.ContextVar("bench_in_turn", default=False)
COUNTS = {"turn": collections.Counter(), "background": collections.Counter(), "cross_partition": 0}


def _count(container: str, operation: str) -> None:
    COUNTS["turn" if IN_TURN.get() else "background"][f"{container}.{operation}"] += 1


class CountingStore(DocumentStore):
    """Delegates every call to the real store and counts it by container and operation."""

    def __init__(self, inner: DocumentStore):
        self._inner = inner
        self.backend = inner.backend

    def __getattr__(self, name: str) -> Any:  # anything beyond the interface goes straight through
        return getattr(self._inner, name)

    async def get(self, container, project_id, id):
        _count(container, "get")
        return await self._inner.get(container, project_id, id)

    async def create(self, container, doc):
        _count(container, "create")
        return await self._inner.create(container, doc)

    async def replace(self, container, doc, etag):
        _count(container, "replace")
        return await self._inner.replace(container, doc, etag)

    async def upsert(self, container, doc):
        _count(container, "upsert")
        return await self._inner.upsert(container, doc)

    async def delete(self, container, project_id, id):
        _count(container, "delete")
        return await self._inner.delete(container, project_id, id)

    async def query(self, container, project_id, *, doc_type: Optional[str] = None, due_by: Optional[str] = None):
        _count(container, "query")
        return await self._inner.query(container, project_id, doc_type=doc_type, due_by=due_by)

    async def ping(self):
        return await self._inner.ping()

    async def close(self):
        return await self._inner.close()


def _watch_cosmos_queries() -> None:
    """Count Cosmos DB queries that would fan out over partitions (none should)."""
    from azure.cosmos.aio import ContainerProxy

    original = ContainerProxy.query_items

    def query_items(self, *args, **kwargs):
        if kwargs.get("partition_key") is None or kwargs.get("enable_cross_partition_query"):
            COUNTS["cross_partition"] += 1
        return original(self, *args, **kwargs)

    ContainerProxy.query_items = query_items


@web.middleware
async def mark_turns(request: web.Request, handler):
    if request.path == "/api/messages":
        token = IN_TURN.set(True)
        try:
            return await handler(request)
        finally:
            IN_TURN.reset(token)
    return await handler(request)


async def stats(_request: web.Request) -> web.Response:
    return web.json_response({"turn": dict(COUNTS["turn"]), "background": dict(COUNTS["background"]),
                              "cross_partition": COUNTS["cross_partition"], "cpu_seconds": time.process_time()})


async def background(request: web.Request) -> web.Response:
    """One round of the background loops (reminders and digests, then the outbox), as each instance runs
    them every REMINDER_INTERVAL_SECONDS, on the app's store; answers the store operations it made."""
    from catalog import default_catalog
    from dialogs.outbox import Outbox
    from dialogs.reminders import Reminders

    from datetime import datetime

    store = request.app[app_module.STORE]
    at = datetime.fromisoformat(request.query["at"])  # the round's clock: the bench picks when it runs
    before = collections.Counter(COUNTS["background"])
    sent = await Reminders(store, None, default_catalog(), "", clock=lambda: at).run_once()
    done = await Outbox(store, clock=lambda: at).run_due()
    after = collections.Counter(COUNTS["background"])
    after.subtract(before)
    return web.json_response({"operations": {k: v for k, v in after.items() if v}, "sent": sent, "outbox": done})


async def reset(_request: web.Request) -> web.Response:
    COUNTS["turn"].clear()
    COUNTS["background"].clear()
    COUNTS["cross_partition"] = 0
    return await stats(_request)  # the zeroed counters and the CPU clock: where a timed run starts


def main() -> None:
    """app.main() itself (same logging, same run_app call), with the store and the app wrapped."""
    real_open_store, real_create_app = app_module.open_store, app_module.create_app

    async def counting_open_store(settings: Settings) -> DocumentStore:
        return CountingStore(await real_open_store(settings))

    def create_app(settings: Settings) -> web.Application:
        application = real_create_app(settings)
        application.middlewares.insert(0, mark_turns)
        application.router.add_get("/bench/stats", stats)
        application.router.add_post("/bench/reset", reset)
        application.router.add_post("/bench/background", background)
        return application

    app_module.open_store, app_module.create_app = counting_open_store, create_app
    _watch_cosmos_queries()
    app_module.main()


if __name__ == "__main__":
    main()
