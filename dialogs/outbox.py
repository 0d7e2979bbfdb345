"""Work that must follow a saved change (a summary posted in a workshop's thread, a tab pinned after
approval, a card message brought up to date): recorded before or with the change, done right
after it, and done later by the background loop when that fails or the process dies in between.

A record names what to do (`kind`, handled by the flow that registered it) and, in `after`, the
document version the change produces. The handler runs only once that version is stored, so a
record written just before a change that then failed is dropped instead of acted on. Records live
in the due-time index (store/due.py: 16 partitions, by project), so the loop reads only the work that
is due, and no partition holds more than a slice of all projects. The loop claims a record (an ETag-guarded write of its
next due time) before running it, so with several instances each record runs once at a time;
a handler that fails is retried with growing waits, and given up after MAX_ATTEMPTS.

Delivery is at least once: a process that dies after the handler's effect but before the record
is deleted runs it again, so handlers are written to be safe to repeat where they can."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Optional

from store import PROJECT_DATA, Conflict, DocumentStore, NotFound, StoreError, find, storage_id
from store.cached import fresh_reads
from store.due import due, due_at, shard

from .context import repeat, utc_now

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)  # a record being run is not due for others meanwhile
BACKOFF = (30, 120, 600, 1800, 3600)  # seconds before the next try, by failures so far
MAX_ATTEMPTS = 20
NEVER_STORED = timedelta(minutes=10)  # a change not stored by then never will be: drop its record

Handler = Callable[[dict], Awaitable[None]]


def _record_id(kind: str, project_id: str, key: str) -> str:
    return storage_id(f"{kind}|{project_id}|{key}")


KIND = "outbox"  # records live in the due-time index's `outbox|00` to `outbox|15` (store/due.py)


def shard_of(project_id: str) -> str:
    return shard(KIND, project_id)


class Outbox:
    def __init__(self, store: DocumentStore, clock: Callable[[], datetime] = utc_now):
        self.store, self.clock = store, clock
        self._handlers: dict[str, Handler] = {}

    def handle(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    async def add(self, kind: str, project_id: str, key: str, args: dict, *,
                  after: Optional[tuple[str, int]] = None, replace: bool = False) -> dict:
        """Record work for `project_id` (or another partition key, such as a conversation); `key`
        makes it idempotent (a redelivered turn finds the record it wrote before), and `replace`
        makes the newest record win instead. `after` = (document id, version) that must be stored first."""
        now = self.clock()
        record = {"id": _record_id(kind, project_id, key), "projectId": shard_of(project_id),
                  "type": "outbox", "kind": kind, "project": project_id, "args": args,
                  "after": list(after) if after else None, "createdAt": now.isoformat(),
                  "dueAt": due_at(now + LEASE), "attempts": 0}
        if replace:
            return await self.store.upsert(PROJECT_DATA, record)
        try:
            return await self.store.create(PROJECT_DATA, record)
        except Conflict:
            return await self.store.get(PROJECT_DATA, record["projectId"], record["id"])

    async def cancel(self, kind: str, project_id: str, key: str) -> None:
        """Forget recorded work that is no longer needed (it was done another way)."""
        try:
            await self.store.delete(PROJECT_DATA, shard_of(project_id), _record_id(kind, project_id, key))
        except StoreError:
            log.warning("outbox: could not cancel a %s record", kind)

    async def run(self, record: dict) -> bool:
        """Do the work now; True when it is done (or dropped), False when it waits for a retry. Its reads
        go to the store (not to an instance's recent copies): it may follow a change another instance made."""
        with fresh_reads():
            return await self._run(record)

    async def _run(self, record: dict) -> bool:
        try:
            ready = await self._change_stored(record)
            if ready is None:
                await self._forget(record)
                return True
            if not ready:
                return False
            await self._handlers[record["kind"]](record)
        except Exception:
            log.warning("outbox: %s for %s failed; it will be tried again", record["kind"], record["project"],
                        exc_info=True)
            await self._retry_later(record)
            return False
        await self._forget(record)
        return True

    async def run_due(self) -> int:
        """Claim and run every record that is due; return how many this instance finished."""
        now, done = self.clock(), 0
        for record in await due(self.store, KIND, "outbox", now):
            try:
                claimed = await self.store.replace(PROJECT_DATA, {**record, "dueAt": due_at(now + LEASE)},
                                                   record["_etag"])
            except (Conflict, NotFound):
                continue  # another instance has it
            done += await self.run(claimed)
        return done

    async def run_forever(self, interval_seconds: float) -> None:
        await repeat(interval_seconds, self.run_due, "outbox")

    async def _change_stored(self, record: dict) -> Optional[bool]:
        """True when the change the record follows is stored, False while it may still come,
        None when it never will."""
        if not record.get("after"):
            return True
        doc_id, version = record["after"]
        doc = await find(self.store, record["project"], doc_id)
        if doc and doc.get("version", 0) >= version:
            return True
        return None if self.clock() - datetime.fromisoformat(record["createdAt"]) > NEVER_STORED else False

    async def _retry_later(self, record: dict) -> None:
        attempts = record.get("attempts", 0) + 1
        if attempts >= MAX_ATTEMPTS:
            log.error("outbox: gave up on %s for %s after %d attempts", record["kind"], record["project"], attempts)
            await self._forget(record)
            return
        wait = timedelta(seconds=BACKOFF[min(attempts, len(BACKOFF)) - 1])
        try:
            current = await self.store.get(PROJECT_DATA, record["projectId"], record["id"])
            await self.store.replace(PROJECT_DATA, {**current, "attempts": attempts,
                                                    "dueAt": due_at(self.clock() + wait)}, current["_etag"])
        except StoreError:
            pass  # the lease runs out and the loop tries again

    async def _forget(self, record: dict) -> None:
        try:
            await self.store.delete(PROJECT_DATA, record["projectId"], record["id"])
        except StoreError:
            log.warning("outbox: could not remove a finished %s record; it may run again", record["kind"])
