"""The documents this instance has just read or written, kept for a few seconds in front of the store.

Why: the turns that carry the product read the same few documents turn after turn. An RSVP reads the
project, the session and the roster, and a dialog step reads its dialog state. When sixty people look
at a changed agenda card, Teams asks for it sixty times at once. On Cosmos DB each read is a round trip
and about 0.6 ms of the SDK's CPU: most of such a turn's cost (`make bench`).

The rules:
- `get` returns a private copy of the document, or NotFound, when this instance read or wrote it less
  than `seconds` ago. Otherwise it reads the store. Concurrent reads of one document share one call, and
  a read that a write overtook is not kept.
- Every write goes to the store exactly as before, guarded by its ETag. What the store answers is kept.
  A write the store refuses (Conflict, NotFound) drops the entry, so the writer's retry
  (store.base.update) reads afresh. A delete drops the entry.
- Queries are never answered from here (the background loops and the listings read the store), and
  neither is any read inside `fresh_reads()`: the background work (the outbox, reminders, digests) reads
  the store, so what it posts or draws is never older than the store, whichever instance runs it.
- Documents that expire (`ttl`: delivery claims) are not kept: they are written once, and read again only
  on a redelivery.

With one instance (infra/'s deployment), every write passes through here, so a read is never older than
the store. With several instances serving at once, what a read shows may lag another instance's write by
up to `seconds`, like Cosmos DB's integrated cache with MaxIntegratedCacheStaleness. No write is lost:
one made on a lagging copy is refused by its ETag and retried on a fresh read. STORE_CACHE_SECONDS sets
the bound; 0 turns the cache off.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import time
from contextvars import ContextVar
from typing import Any, Callable, Iterator, Optional, Union

import orjson

from .base import DocumentStore, NotFound

MAX_ENTRIES = 4096  # least recently used first out; entries also go after `seconds`
_MISSING = ""  # an entry for a document the store said does not exist
_FRESH: ContextVar[bool] = ContextVar("store_fresh_reads", default=False)


@contextlib.contextmanager
def fresh_reads() -> Iterator[None]:
    """Reads in this block (and in everything it awaits) go to the store; what they find is kept."""
    token = _FRESH.set(True)
    try:
        yield
    finally:
        _FRESH.reset(token)


class CachedStore(DocumentStore):
    def __init__(self, inner: DocumentStore, seconds: float, *, clock: Callable[[], float] = time.monotonic,
                 max_entries: int = MAX_ENTRIES):
        self.inner, self.backend = inner, inner.backend
        self.seconds, self.clock, self.max_entries = seconds, clock, max_entries
        # (container, projectId, id) -> (JSON text or _MISSING, time the entry goes stale)
        self._entries: collections.OrderedDict[tuple, tuple[Union[bytes, str], float]] = collections.OrderedDict()
        self._reading: dict[tuple, asyncio.Future] = {}
        self._overtaken: set[tuple] = set()  # reads in flight that a write began or ended during

    def __getattr__(self, name: str) -> Any:  # anything beyond the interface goes straight through
        return getattr(self.inner, name)

    async def get(self, container: str, project_id: str, id: str) -> dict:
        key = (container, project_id, id)
        if _FRESH.get():
            return _copy(await self._read(key), key)
        entry = self._entries.get(key)
        if entry is not None and entry[1] > self.clock():
            self._entries.move_to_end(key)
            return _copy(entry[0], key)
        reading = self._reading.get(key)
        if reading is None:
            reading = self._reading[key] = asyncio.ensure_future(self._read(key))
            reading.add_done_callback(lambda _done: self._reading.pop(key, None))
        return _copy(await asyncio.shield(reading), key)

    async def _read(self, key: tuple) -> Union[bytes, str]:
        try:
            text = _text(await self.inner.get(*key))
        except NotFound:
            text = _MISSING
        if key in self._overtaken:
            self._overtaken.discard(key)
        else:
            self._keep(key, text)
        return text

    def _keep(self, key: tuple, text: Union[bytes, str]) -> None:
        if self.seconds <= 0:
            return
        self._entries[key] = (text, self.clock() + self.seconds)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def _overtake(self, key: tuple) -> None:
        self._entries.pop(key, None)
        if key in self._reading:
            self._overtaken.add(key)

    async def _write(self, key: tuple, call) -> Any:
        """Drop the entry while the write runs; keep what the store answers, unless it expires."""
        self._overtake(key)
        try:
            written = await call
        finally:
            self._overtake(key)
        if isinstance(written, dict) and not written.get("ttl"):
            self._keep(key, _text(written))
        return written

    async def create(self, container: str, doc: dict) -> dict:
        return await self._write((container, doc.get("projectId"), doc.get("id")), self.inner.create(container, doc))

    async def replace(self, container: str, doc: dict, etag: str) -> dict:
        return await self._write((container, doc.get("projectId"), doc.get("id")),
                                 self.inner.replace(container, doc, etag))

    async def upsert(self, container: str, doc: dict) -> dict:
        return await self._write((container, doc.get("projectId"), doc.get("id")), self.inner.upsert(container, doc))

    async def delete(self, container: str, project_id: str, id: str) -> bool:
        return await self._write((container, project_id, id), self.inner.delete(container, project_id, id))

    async def query(self, container: str, project_id: str, *, doc_type: Optional[str] = None,
                    due_by: Optional[str] = None) -> list[dict]:
        return await self.inner.query(container, project_id, doc_type=doc_type, due_by=due_by)

    async def ping(self) -> bool:
        return await self.inner.ping()

    async def close(self) -> None:
        self._entries.clear()
        await self.inner.close()


def _text(doc: dict) -> Union[bytes, str]:
    """A stored document as JSON: orjson's bytes, several times quicker to write and read back than the json
    module's text (each RSVP copies three documents out of here); the json module's text for a document
    orjson cannot write (an integer beyond 64 bits), which it would also read back as a float."""
    try:
        return orjson.dumps(doc)
    except TypeError:
        return json.dumps(doc)


def _copy(text: Union[bytes, str], key: tuple) -> dict:
    if text == _MISSING:
        raise NotFound(f"{'/'.join(key)} does not exist")
    return orjson.loads(text) if isinstance(text, bytes) else json.loads(text)
