"""Background work reads only what is due: a round of the reminders, digest and outbox loops makes
the same store reads with 1,000 registered projects as with 10, and a round with nothing due reads
only the due-time index's shards (store/due.py), on both backends."""

import asyncio
import dataclasses
from collections import Counter
from datetime import datetime, timedelta, timezone

from catalog import default_catalog
from dialogs import digest
from dialogs.outbox import Outbox
from dialogs.reminders import Reminders, reminder_record
from store import PROJECT_DATA, DocumentStore, open_store
from store.due import SHARDS, due_at

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)
DUE_NOW = 3  # projects with a reminder and a digest due at NOW


class CountingStore(DocumentStore):
    """The real store, counting the reads made through it."""

    def __init__(self, inner: DocumentStore):
        self.inner, self.backend, self.reads = inner, inner.backend, Counter()

    async def get(self, container, project_id, id):
        self.reads["get"] += 1
        return await self.inner.get(container, project_id, id)

    async def query(self, container, project_id, **kwargs):
        self.reads["query"] += 1
        return await self.inner.query(container, project_id, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)

    create = property(lambda self: self.inner.create)
    replace = property(lambda self: self.inner.replace)
    upsert = property(lambda self: self.inner.upsert)
    delete = property(lambda self: self.inner.delete)
    ping = property(lambda self: self.inner.ping)
    close = property(lambda self: self.inner.close)


async def seeded(settings, projects: int) -> DocumentStore:
    """A store where every project has a scheduled workshop (its reminder due in ten days) and an open
    action (its digest due in a week); DUE_NOW of them have a reminder and a digest due now."""
    store = await open_store(settings)
    soon = asyncio.Semaphore(32)

    async def one(n: int) -> None:
        project_id = f"19:team-{n}@thread.tacv2"
        due_now = n < DUE_NOW
        start = NOW - timedelta(hours=1) if due_now else NOW + timedelta(days=10)  # due now: too late to send
        session = {"id": "session:cutover", "workshopId": "cutover", "start": due_at(start)}
        action_due = NOW.date() - timedelta(days=1) if due_now else NOW.date() + timedelta(days=6)
        async with soon:
            await store.create(PROJECT_DATA, reminder_record(project_id, session, due_at(start - timedelta(hours=24))))
            await digest.register(store, project_id, [{"id": "a1", "due": action_due.isoformat(), "done": False}])

    await asyncio.gather(*(one(n) for n in range(projects)))
    return store


async def reads_per_round(settings, projects: int) -> tuple[Counter, Counter]:
    """The reads of a round at NOW (DUE_NOW items of each kind due), then of the round after it (none due)."""
    store = CountingStore(await seeded(settings, projects))
    try:
        reminders = Reminders(store, None, default_catalog(), "", clock=lambda: NOW)
        outbox = Outbox(store, clock=lambda: NOW)
        assert await reminders.run_once() == 0, "nothing is sent: the due workshops started already, no chat known"
        await outbox.run_due()
        first, store.reads = store.reads, Counter()
        await reminders.run_once()
        await outbox.run_due()
        return first, store.reads
    finally:
        await store.close()


def fresh(settings, name: str, cosmos_server):
    if settings.uses_cosmos:
        return cosmos_server.settings()
    return dataclasses.replace(settings, sqlite_path=settings.sqlite_path.replace(".sqlite3", f"-{name}.sqlite3"))


async def test_a_round_reads_what_is_due_not_every_project(store_settings, request):
    cosmos_server = request.getfixturevalue("cosmos_server") if store_settings.uses_cosmos else None
    small_first, small_idle = await reads_per_round(fresh(store_settings, "small", cosmos_server), 10)
    large_first, large_idle = await reads_per_round(fresh(store_settings, "large", cosmos_server), 1000)

    assert large_first == small_first, "the same reads with 1,000 projects as with 10"
    assert large_idle == small_idle
    # Nothing due: one query per shard of each index (reminders, digests, outbox) and of each partition
    # earlier versions used (reminders, digests), whatever the number of projects.
    assert large_idle == Counter(query=3 * SHARDS + 2)
    # Each digest that was due reads its project and its outcomes once: more reads only for what is due.
    assert large_first == Counter(query=3 * SHARDS + 2 + DUE_NOW, get=DUE_NOW)
