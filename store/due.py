"""A due-time index for background work (reminders, digests, the outbox).

Each kind of work keeps one record per item in SHARDS partitions named `<kind>|00` to `<kind>|15`,
picked by the project, so no logical partition holds more than about a sixteenth of all projects.
A record carries `dueAt` (an ISO 8601 time in UTC, so string order is time order); a loop asks each
shard for the records due by now only, an indexed condition on both backends, so what an interval
reads follows what is due, not how many projects there are. A record that has nothing more to do
gets NEVER as its `dueAt` (or is deleted) and is not read again.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timezone

from .base import PROJECT_DATA, DocumentStore

SHARDS = 16
NEVER = "9999-12-31T00:00:00+00:00"


def shard(kind: str, project_id: str) -> str:
    """The partition of `project_id`'s records of this kind."""
    return f"{kind}|{zlib.crc32(project_id.encode('utf-8')) % SHARDS:02d}"


def shards(kind: str) -> tuple[str, ...]:
    return tuple(f"{kind}|{n:02d}" for n in range(SHARDS))


def due_at(when: datetime) -> str:
    """A time as `dueAt` holds it: UTC, ISO 8601."""
    return when.astimezone(timezone.utc).isoformat()


async def due(store: DocumentStore, kind: str, doc_type: str, now: datetime) -> list[dict]:
    """Every record of this kind due by `now`, from all its shards, one after another: a background
    round is in no hurry, and a burst of queries would compete with the turns for the store."""
    found: list[dict] = []
    for partition in shards(kind):
        found += await store.query(PROJECT_DATA, partition, doc_type=doc_type, due_by=due_at(now))
    return found
