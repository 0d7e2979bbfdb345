"""The document store contract shared by the SQLite and Cosmos DB backends.

A document is a JSON object with a string `id` and a string `projectId` (the
partition key). Both backends return the same shape: the caller's fields plus
`_etag` (a string that changes on every write) and `_ts` (seconds since the
epoch of the last write). Other Cosmos DB system fields are dropped.

A document with a positive integer `ttl` expires `ttl` seconds after its last write,
as in Azure Cosmos DB: no read returns it, and its id is free again.
"""

from __future__ import annotations

import abc
import asyncio
import functools
import hashlib
import json
import random
import weakref
from typing import Any, Callable, Optional

from workshops.documents import copy_document

PROJECT_DATA = "projects"
BOT_STATE = "botstate"
CONTAINERS = (PROJECT_DATA, BOT_STATE)
PARTITION_KEY_PATH = "/projectId"

MAX_DOCUMENT_BYTES = 2 * 1024 * 1024  # the Azure Cosmos DB item limit
MAX_ID_LENGTH = 255  # Cosmos DB limit for `id`
FORBIDDEN_ID_CHARS = "/\\?#"  # Cosmos DB refuses these in `id` (they end up in the resource URL)

SYSTEM_FIELDS = frozenset({"_rid", "_self", "_etag", "_ts", "_attachments", "_lsn"})


class StoreError(Exception):
    """Base of every store error."""


class NotFound(StoreError):
    """The document does not exist."""


class Conflict(StoreError):
    """The document changed since it was read (ETag mismatch), or a create found the id taken."""


class StoreUnavailable(StoreError):
    """The backend is down or throttling and did not recover within the retry budget.

    The message is meant to be shown as is: the user should try again in a moment.
    """


class TooLarge(StoreError):
    """The document is larger than the 2 MB Cosmos DB item limit (checked on both backends)."""


def check_container(container: str) -> None:
    if container not in CONTAINERS:
        raise ValueError(f"unknown container {container!r}; use one of {', '.join(CONTAINERS)}")


def check_key(project_id: Any, id: Any) -> None:
    """Both parts of a point address must be non-empty strings, and the id one Cosmos DB accepts."""
    if not isinstance(project_id, str) or not project_id:
        raise ValueError(f"projectId must be a non-empty string, not {project_id!r}")
    if not isinstance(id, str) or not id:
        raise ValueError(f"id must be a non-empty string, not {id!r}")
    if len(id) > MAX_ID_LENGTH:
        raise ValueError(f"id is {len(id)} characters long; the limit is {MAX_ID_LENGTH}")
    bad = sorted({c for c in id if c in FORBIDDEN_ID_CHARS})
    if bad:
        raise ValueError(f"id {id!r} contains {' '.join(bad)}; ids may not contain / \\ ? or #")


def prepare(doc: Any) -> tuple[dict, str]:
    """Validate a document for writing; return it without system fields, and its JSON text.

    Raises ValueError for a malformed document and TooLarge when its JSON is over 2 MB.
    """
    if not isinstance(doc, dict):
        raise ValueError(f"a document must be a dict, not {type(doc).__name__}")
    check_key(doc.get("projectId"), doc.get("id"))
    clean = {k: v for k, v in doc.items() if k not in SYSTEM_FIELDS}
    try:
        text = json.dumps(clean, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise ValueError(f"document {doc['id']!r} is not JSON-serialisable: {error}") from None
    size = len(text.encode("utf-8"))
    if size > MAX_DOCUMENT_BYTES:
        raise TooLarge(
            f"document {doc['id']!r} is {size:,} bytes as JSON; the limit is {MAX_DOCUMENT_BYTES:,} bytes (2 MB)"
        )
    return json.loads(text), text  # the JSON round trip is what the backend will hold (tuples become lists, ...)


def check_query(project_id: Any, doc_type: Any, due_by: Any) -> None:
    if not isinstance(project_id, str) or not project_id:
        raise ValueError(f"projectId must be a non-empty string, not {project_id!r}")
    if doc_type is not None and not isinstance(doc_type, str):
        raise ValueError(f"doc_type must be a string or None, not {doc_type!r}")
    if due_by is not None and not isinstance(due_by, str):
        raise ValueError(f"due_by must be a string or None, not {due_by!r}")


def public(doc: dict) -> dict:
    """A stored document in the shape both backends return: user fields, `_etag`, `_ts`."""
    out = {k: v for k, v in doc.items() if k not in SYSTEM_FIELDS}
    out["_etag"] = str(doc["_etag"])
    if "_ts" in doc:
        out["_ts"] = doc["_ts"]
    return out


def content(doc: dict) -> dict:
    """A document without any system field, for comparing what was written with what is stored."""
    return {k: v for k, v in doc.items() if k not in SYSTEM_FIELDS}


class DocumentStore(abc.ABC):
    """Point reads and writes within one partition (`projectId`), plus a query over one partition."""

    backend: str = ""

    @abc.abstractmethod
    async def get(self, container: str, project_id: str, id: str) -> dict:
        """The document; NotFound if there is none."""

    @abc.abstractmethod
    async def create(self, container: str, doc: dict) -> dict:
        """Store a new document; Conflict if the id is taken in that partition."""

    @abc.abstractmethod
    async def replace(self, container: str, doc: dict, etag: str) -> dict:
        """Overwrite the document only if it still has `etag`; Conflict if not, NotFound if it is gone."""

    @abc.abstractmethod
    async def upsert(self, container: str, doc: dict) -> dict:
        """Create or overwrite, unconditionally."""

    @abc.abstractmethod
    async def delete(self, container: str, project_id: str, id: str) -> bool:
        """Remove the document; False if it was not there."""

    @abc.abstractmethod
    async def query(self, container: str, project_id: str, *, doc_type: Optional[str] = None,
                    due_by: Optional[str] = None) -> list[dict]:
        """All documents of one partition (optionally only those whose `type` is doc_type, and only those
        whose string `dueAt` is at most `due_by`: an indexed condition on both backends), sorted by id."""

    @abc.abstractmethod
    async def ping(self) -> bool:
        """True when the backend answers."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections; the store is unusable afterwards."""


async def update(
    store: DocumentStore,
    container: str,
    project_id: str,
    id: str,
    mutate: Callable[[dict], dict],
    *,
    attempts: int = 10,
    current: Optional[dict] = None,
) -> dict:
    """Read, apply `mutate`, write back guarded by the ETag; on a conflict re-read and re-apply.

    `current`, a copy the caller has just read (with its `_etag`), saves the first read: a stale
    one only costs a conflict and a re-read.

    `mutate` gets a private copy of the current document and returns the new one;
    it may run several times, so it must not have side effects. Every conflict
    means another writer succeeded, so `attempts` >= the number of concurrent
    writers always gets through; after `attempts` conflicts, Conflict is raised.
    """
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    # Writers in this process take turns on a record, so they never conflict with each other;
    # the ETag still guards against other processes, whose conflicts are retried below.
    key = (store, container, project_id, id)
    lock = _record_locks.get(key)
    if lock is None:
        lock = _record_locks[key] = asyncio.Lock()
    async with lock:
        return await _update(store, container, project_id, id, mutate, attempts, current)


async def find(store: DocumentStore, project_id: str, doc_id: str, container: str = PROJECT_DATA) -> Optional[dict]:
    """A point read in one partition; None when the document does not exist."""
    try:
        return await store.get(container, project_id, doc_id)
    except NotFound:
        return None


# One lock per record being updated in this process; a lock nobody holds any more is dropped.
_record_locks: "weakref.WeakValueDictionary[tuple, asyncio.Lock]" = weakref.WeakValueDictionary()


async def _update(store, container, project_id, id, mutate, attempts, current) -> dict:
    for attempt in range(attempts):
        if current is None or attempt > 0:
            current = await store.get(container, project_id, id)
        new = mutate(copy_document(current))
        if not isinstance(new, dict):
            raise ValueError(f"mutate must return the new document (a dict), not {type(new).__name__}")
        if new.get("id") != id or new.get("projectId") != project_id:
            raise ValueError("mutate must not change the document's id or projectId")
        try:
            return await store.replace(container, new, current["_etag"])
        except Conflict:
            if attempt == attempts - 1:
                raise Conflict(
                    f"{container}/{project_id}/{id} kept changing; gave up after {attempts} attempts"
                ) from None
            # Growing random waits spread out writers that collided, so they do not collide again in step.
            await asyncio.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))
    raise AssertionError("unreachable")

ID_ESCAPE = "*"

@functools.lru_cache(maxsize=4096)  # every turn escapes its conversation's keys: the same few, again
def storage_id(key: str) -> str:
    """A botbuilder storage key as a valid document id (also used as its partition key).

    Characters ids may not hold (and the escape character itself, and control
    characters) become `*xx` (hex code point), so different keys stay different;
    keys still too long keep a prefix plus a SHA-256 of the whole key.
    """
    if not isinstance(key, str) or not key:
        raise ValueError(f"a storage key must be a non-empty string, not {key!r}")
    escaped = "".join(
        f"{ID_ESCAPE}{ord(c):02x}" if c in FORBIDDEN_ID_CHARS or c == ID_ESCAPE or ord(c) < 0x20 or ord(c) == 0x7F else c
        for c in key
    )
    if len(escaped) <= MAX_ID_LENGTH:
        return escaped
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"{escaped[: MAX_ID_LENGTH - len(digest) - 1]}{ID_ESCAPE}{digest}"
