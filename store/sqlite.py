"""The embedded SQLite backend (stdlib sqlite3), the default when no Cosmos DB is configured.

Concurrency: one connection, used only on the event loop's thread. Each call is a point read or
write of one small document (or one partition's query), about a tenth of a millisecond, made at once:
handed to a worker thread instead, each SQLite call inside it waited for the GIL while the loop was
busy (up to the 5 ms switch interval, several times a write), and under load writes queued behind each
other for over 100 ms (`make bench`, dialog step). Calls run one at a time, so a conditional write
(compare ETag, then write) is atomic with respect to every other call in this process. Writes also
run in `BEGIN IMMEDIATE` transactions with a busy timeout, so a second process on the same file waits
its turn instead of corrupting anything.

The only slow part of a write, the WAL checkpoint that copies it into the database file and syncs it
to disk, is off the loop: automatic checkpoints are off on this connection, and every
CHECKPOINT_EVERY writes a second connection on a worker thread runs a passive checkpoint, which
never blocks the writes going on meanwhile. A commit itself does not wait for the disk
(synchronous=NORMAL in WAL mode: a power cut can lose the last commits, never corrupt the file).

Expiry, as in Azure Cosmos DB: a document with a positive integer `ttl` expires `ttl`
seconds after its last write. Reads no longer see it, and every write transaction
first deletes what has expired (an index on `expires` keeps that cheap).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Optional

from .base import (
    Conflict,
    DocumentStore,
    NotFound,
    StoreError,
    StoreUnavailable,
    check_container,
    check_key,
    check_query,
    prepare,
)

BUSY_TIMEOUT_MS = 5000
CHECKPOINT_EVERY = 500  # writes between the passive checkpoints run off the loop

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    container  TEXT NOT NULL,
    project_id TEXT NOT NULL,
    id         TEXT NOT NULL,
    doc_type   TEXT,
    etag       TEXT NOT NULL,
    ts         INTEGER NOT NULL,
    body       TEXT NOT NULL,
    expires    INTEGER,
    PRIMARY KEY (container, project_id, id)
) WITHOUT ROWID
"""
_EXPIRY_COLUMN = "ALTER TABLE documents ADD COLUMN expires INTEGER"  # databases made before expiry
_EXPIRY_BACKFILL = ("UPDATE documents SET expires = ts + json_extract(body, '$.ttl')"
                    " WHERE json_type(body, '$.ttl') = 'integer' AND json_extract(body, '$.ttl') > 0")
_EXPIRY_INDEX = "CREATE INDEX IF NOT EXISTS documents_expiry ON documents (expires) WHERE expires IS NOT NULL"
_LIVE = " AND (expires IS NULL OR expires > ?)"
# Background work reads only what is due (store/due.py): `dueAt` is indexed within each partition.
_DUE = "json_extract(body, '$.dueAt')"
_DUE_INDEX = f"CREATE INDEX IF NOT EXISTS documents_due ON documents (container, project_id, {_DUE})"



class SqliteStore(DocumentStore):
    backend = "sqlite"

    def __init__(self, path: str):
        self.path = path
        self._conn: Optional[sqlite3.Connection] = None
        self._closed = False
        self._checkpoints = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-checkpoint")
        self._checkpointing: Optional[asyncio.Future] = None
        self._writes = 0

    @classmethod
    async def open(cls, path: str) -> "SqliteStore":
        store = cls(path)
        try:
            await store._run(store._open)
        except BaseException:
            store._checkpoints.shutdown(wait=False)
            raise
        return store

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: no implicit transactions; we issue BEGIN IMMEDIATE ourselves.
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = self._connect()
        if self.path != ":memory:":
            conn.execute("PRAGMA wal_autocheckpoint=0")  # checkpoints run off the loop (_checkpoint_soon)
        conn.execute(_SCHEMA)
        if "expires" not in {row[1] for row in conn.execute("PRAGMA table_info(documents)")}:
            conn.execute(_EXPIRY_COLUMN)
            conn.execute(_EXPIRY_BACKFILL)
        conn.execute(_EXPIRY_INDEX)
        conn.execute(_DUE_INDEX)
        self._conn = conn

    async def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        if self._closed:
            raise StoreError("the store is closed")
        try:
            return fn(*args)
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise StoreUnavailable("The database is busy; please try again in a moment.") from error
            raise StoreError(f"SQLite error: {error}") from error

    def _checkpoint_soon(self) -> None:
        """Every CHECKPOINT_EVERY writes, a passive checkpoint on a worker thread (one at a time)."""
        self._writes += 1
        if self._writes < CHECKPOINT_EVERY or self.path == ":memory:" or (
                self._checkpointing is not None and not self._checkpointing.done()):
            return
        self._writes = 0
        self._checkpointing = asyncio.get_running_loop().run_in_executor(self._checkpoints, self._checkpoint,
                                                                         "PASSIVE")

    def _checkpoint(self, mode: str) -> None:
        try:
            conn = self._connect()
            try:
                conn.execute(f"PRAGMA wal_checkpoint({mode})")
            finally:
                conn.close()
        except sqlite3.Error:
            pass  # busy or gone: the next one copies what this one did not

    def _write(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run fn inside one immediate (write-locked) transaction."""
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            conn.execute("DELETE FROM documents WHERE expires <= ?", (int(time.time()),))
            result = fn(conn)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        self._checkpoint_soon()
        return result

    @staticmethod
    def _row(body: str, etag: str, ts: int) -> dict:
        doc = json.loads(body)
        doc["_etag"] = etag
        doc["_ts"] = ts
        return doc

    @staticmethod
    def _new_version(clean: dict) -> tuple[Optional[str], str, int, Optional[int]]:
        """The document's type, a new ETag, the write time and when it expires (None: never)."""
        doc_type = clean.get("type") if isinstance(clean.get("type"), str) else None
        ts, ttl = int(time.time()), clean.get("ttl")
        return doc_type, uuid.uuid4().hex, ts, ts + ttl if type(ttl) is int and ttl > 0 else None

    async def get(self, container: str, project_id: str, id: str) -> dict:
        check_container(container)
        check_key(project_id, id)

        def read() -> Optional[dict]:
            row = self._conn.execute(
                "SELECT body, etag, ts FROM documents WHERE container=? AND project_id=? AND id=?" + _LIVE,
                (container, project_id, id, int(time.time())),
            ).fetchone()
            return self._row(*row) if row else None

        doc = await self._run(read)
        if doc is None:
            raise NotFound(f"{container}/{project_id}/{id} does not exist")
        return doc

    async def create(self, container: str, doc: dict) -> dict:
        check_container(container)
        clean, text = prepare(doc)
        doc_type, etag, ts, expires = self._new_version(clean)

        def insert(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "INSERT INTO documents (container, project_id, id, doc_type, etag, ts, body, expires)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (container, clean["projectId"], clean["id"], doc_type, etag, ts, text, expires),
            )
            return cursor.rowcount == 1

        if not await self._run(self._write, insert):
            raise Conflict(f"{container}/{clean['projectId']}/{clean['id']} already exists")
        return {**clean, "_etag": etag, "_ts": ts}  # prepare() parsed what is stored

    async def replace(self, container: str, doc: dict, etag: str) -> dict:
        check_container(container)
        clean, text = prepare(doc)
        if not isinstance(etag, str) or not etag:
            raise ValueError(f"replace needs the ETag the document was read with, not {etag!r}")
        doc_type, new_etag, ts, expires = self._new_version(clean)
        key = (container, clean["projectId"], clean["id"])

        def swap(conn: sqlite3.Connection) -> str:
            cursor = conn.execute(
                "UPDATE documents SET doc_type=?, etag=?, ts=?, body=?, expires=?"
                " WHERE container=? AND project_id=? AND id=? AND etag=?",
                (doc_type, new_etag, ts, text, expires, *key, etag),
            )
            if cursor.rowcount == 1:
                return "ok"
            exists = conn.execute(
                "SELECT 1 FROM documents WHERE container=? AND project_id=? AND id=?", key
            ).fetchone()
            return "conflict" if exists else "missing"

        outcome = await self._run(self._write, swap)
        if outcome == "missing":
            raise NotFound(f"{'/'.join(key)} does not exist")
        if outcome == "conflict":
            raise Conflict(f"{'/'.join(key)} was changed by someone else (ETag mismatch)")
        return {**clean, "_etag": new_etag, "_ts": ts}

    async def upsert(self, container: str, doc: dict) -> dict:
        check_container(container)
        clean, text = prepare(doc)
        doc_type, etag, ts, expires = self._new_version(clean)

        def put(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO documents (container, project_id, id, doc_type, etag, ts, body, expires)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (container, project_id, id) DO UPDATE SET doc_type=excluded.doc_type,"
                " etag=excluded.etag, ts=excluded.ts, body=excluded.body, expires=excluded.expires",
                (container, clean["projectId"], clean["id"], doc_type, etag, ts, text, expires),
            )

        await self._run(self._write, put)
        return {**clean, "_etag": etag, "_ts": ts}  # prepare() parsed what is stored

    async def delete(self, container: str, project_id: str, id: str) -> bool:
        check_container(container)
        check_key(project_id, id)

        def remove(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "DELETE FROM documents WHERE container=? AND project_id=? AND id=?", (container, project_id, id)
            )
            return cursor.rowcount == 1

        return await self._run(self._write, remove)

    async def query(self, container: str, project_id: str, *, doc_type: Optional[str] = None,
                    due_by: Optional[str] = None) -> list[dict]:
        check_container(container)
        check_query(project_id, doc_type, due_by)
        sql = "SELECT body, etag, ts FROM documents WHERE container=? AND project_id=?" + _LIVE
        params: tuple = (container, project_id, int(time.time()))
        if doc_type is not None:
            sql += " AND doc_type=?"
            params += (doc_type,)
        if due_by is not None:
            sql += f" AND {_DUE} <= ?"
            params += (due_by,)
        sql += " ORDER BY id"  # BINARY collation on UTF-8 = code point order, same as Python's sort

        def select() -> list[dict]:
            return [self._row(*row) for row in self._conn.execute(sql, params).fetchall()]

        return await self._run(select)

    async def ping(self) -> bool:
        try:
            return await self._run(lambda: self._conn.execute("SELECT 1").fetchone() == (1,))
        except StoreError:
            return False

    async def close(self) -> None:
        conn, self._conn, self._closed = self._conn, None, True
        if conn is None:
            return
        try:
            if self._checkpointing is not None:
                await asyncio.wait([self._checkpointing])
            conn.close()
            if self.path != ":memory:":  # the last writes into the database file, the WAL emptied
                await asyncio.get_running_loop().run_in_executor(self._checkpoints, self._checkpoint, "TRUNCATE")
        finally:
            self._checkpoints.shutdown(wait=False)
