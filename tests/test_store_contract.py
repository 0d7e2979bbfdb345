"""One contract, both backends: every test runs against SQLite and the local Cosmos DB server."""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import pytest

from runtime.settings import Settings
from store import (
    BOT_STATE,
    MAX_DOCUMENT_BYTES,
    PROJECT_DATA,
    Conflict,
    DocumentStore,
    NotFound,
    TooLarge,
    open_store,
    update,
)


def doc(id: str = "session:data-migration:1", project: str = "p1", **fields) -> dict:
    return {"id": id, "projectId": project, **fields}


def fields(stored: dict) -> dict:
    return {k: v for k, v in stored.items() if k not in ("_etag", "_ts")}


async def test_crud(store: DocumentStore):
    created = await store.create(PROJECT_DATA, doc(type="session", title="Data migration", n=1))
    assert fields(created) == doc(type="session", title="Data migration", n=1)
    assert isinstance(created["_etag"], str) and created["_etag"]
    assert isinstance(created["_ts"], int)

    read = await store.get(PROJECT_DATA, "p1", "session:data-migration:1")
    assert read == created

    replaced = await store.replace(PROJECT_DATA, {**read, "n": 2}, read["_etag"])
    assert replaced["n"] == 2 and replaced["_etag"] != read["_etag"]
    assert await store.get(PROJECT_DATA, "p1", "session:data-migration:1") == replaced

    upserted = await store.upsert(PROJECT_DATA, {**replaced, "n": 3})
    assert upserted["n"] == 3 and upserted["_etag"] != replaced["_etag"]

    assert await store.delete(PROJECT_DATA, "p1", "session:data-migration:1") is True
    with pytest.raises(NotFound):
        await store.get(PROJECT_DATA, "p1", "session:data-migration:1")
    with pytest.raises(NotFound):
        await store.replace(PROJECT_DATA, doc(n=4), upserted["_etag"])


async def test_returned_documents_have_one_shape(store: DocumentStore):
    """Cosmos DB system fields are dropped, on the way in and on the way out."""
    stored = await store.upsert(PROJECT_DATA, doc(_rid="x", _self="y", _attachments="z", _ts=1, _etag="old"))
    for returned in (stored, await store.get(PROJECT_DATA, "p1", stored["id"]),
                     (await store.query(PROJECT_DATA, "p1"))[0]):
        assert set(returned) == {"id", "projectId", "_etag", "_ts"}
        assert returned["_etag"] != "old"


async def test_replace_with_a_stale_etag_conflicts_and_changes_nothing(store: DocumentStore):
    first = await store.create(PROJECT_DATA, doc(n=1))
    second = await store.replace(PROJECT_DATA, {**first, "n": 2}, first["_etag"])
    with pytest.raises(Conflict):
        await store.replace(PROJECT_DATA, {**first, "n": 99}, first["_etag"])
    assert await store.get(PROJECT_DATA, "p1", first["id"]) == second


async def test_create_of_an_existing_id_conflicts(store: DocumentStore):
    original = await store.create(PROJECT_DATA, doc(n=1))
    with pytest.raises(Conflict):
        await store.create(PROJECT_DATA, doc(n=2))
    assert await store.get(PROJECT_DATA, "p1", original["id"]) == original


async def test_same_id_in_other_partition_or_container_is_another_document(store: DocumentStore):
    await store.create(PROJECT_DATA, doc(project="p1", n=1))
    await store.create(PROJECT_DATA, doc(project="p2", n=2))
    await store.create(BOT_STATE, doc(project="p1", n=3))
    assert (await store.get(PROJECT_DATA, "p1", doc()["id"]))["n"] == 1
    assert (await store.get(PROJECT_DATA, "p2", doc()["id"]))["n"] == 2
    assert (await store.get(BOT_STATE, "p1", doc()["id"]))["n"] == 3


async def test_upsert_is_idempotent(store: DocumentStore):
    attendance = doc("attendance:s1:00000000-0000-0000-0000-000000000001", present=True)
    first = await store.upsert(PROJECT_DATA, attendance)
    second = await store.upsert(PROJECT_DATA, attendance)
    assert fields(first) == fields(second) == attendance
    assert [fields(d) for d in await store.query(PROJECT_DATA, "p1")] == [attendance]


async def test_query_stays_within_one_partition(store: DocumentStore):
    for id, project, type_ in [("s:2", "p1", "session"), ("s:1", "p1", "session"), ("r:1", "p1", "roster"),
                               ("s:3", "p2", "session"), ("untyped", "p1", None)]:
        await store.create(PROJECT_DATA, doc(id, project, **({"type": type_} if type_ else {})))
    await store.create(BOT_STATE, doc("s:0", "p1", type="session"))

    everything = await store.query(PROJECT_DATA, "p1")
    assert [d["id"] for d in everything] == ["r:1", "s:1", "s:2", "untyped"]
    assert all(d["projectId"] == "p1" for d in everything)
    assert [d["id"] for d in await store.query(PROJECT_DATA, "p1", doc_type="session")] == ["s:1", "s:2"]
    assert [d["id"] for d in await store.query(PROJECT_DATA, "p2", doc_type="session")] == ["s:3"]
    assert await store.query(PROJECT_DATA, "p1", doc_type="outcome") == []
    assert await store.query(PROJECT_DATA, "nobody") == []


async def test_delete_of_a_missing_item_returns_false(store: DocumentStore):
    assert await store.delete(PROJECT_DATA, "p1", "never-there") is False
    await store.create(PROJECT_DATA, doc())
    assert await store.delete(PROJECT_DATA, "p1", doc()["id"]) is True
    assert await store.delete(PROJECT_DATA, "p1", doc()["id"]) is False


UNICODE = {
    "emoji": "Go-live 🚀🎉👩🏽‍💻 ✅",
    "cjk": "数据迁移研讨会 データ移行 데이터 마이그레이션",
    "rtl": "ورشة عمل ترحيل البيانات \u200f סדנת העברת נתונים",
    "control": "".join(chr(c) for c in range(1, 32)) + "\x7f\u2028\u2029",
    "combining": "e\u0301 Å A\u030a",
    "nested": {"ключ 🔑": ["список", "→", {"k": "ü"}]},
}


async def test_unicode_round_trips(store: DocumentStore):
    original = doc("outcome:研讨会:🚀", "projekt-ü-🙂", **UNICODE)
    await store.create(PROJECT_DATA, original)
    assert fields(await store.get(PROJECT_DATA, "projekt-ü-🙂", "outcome:研讨会:🚀")) == original
    assert [fields(d) for d in await store.query(PROJECT_DATA, "projekt-ü-🙂")] == [original]


async def test_an_item_over_2_mb_is_refused_with_its_size_and_nothing_is_stored(store: DocumentStore):
    big = doc(notes="x" * MAX_DOCUMENT_BYTES)
    with pytest.raises(TooLarge) as refused:
        await store.create(PROJECT_DATA, big)
    size = len(json.dumps(big, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    assert str(refused.value) == (
        f"document 'session:data-migration:1' is {size:,} bytes as JSON; the limit is 2,097,152 bytes (2 MB)"
    )
    with pytest.raises(NotFound):
        await store.get(PROJECT_DATA, "p1", big["id"])

    small = await store.create(PROJECT_DATA, doc(notes="short"))
    with pytest.raises(TooLarge):
        await store.upsert(PROJECT_DATA, big)
    with pytest.raises(TooLarge):
        await store.replace(PROJECT_DATA, big, small["_etag"])
    assert await store.get(PROJECT_DATA, "p1", big["id"]) == small


async def test_multibyte_characters_count_as_bytes_towards_the_limit(store: DocumentStore):
    # 700k characters of 3 bytes each: under 2 MB in characters, over it in UTF-8 bytes.
    with pytest.raises(TooLarge):
        await store.upsert(PROJECT_DATA, doc(notes="数" * 700_000))
    near_limit = doc(notes="y" * (MAX_DOCUMENT_BYTES - 100_000))
    assert (await store.upsert(PROJECT_DATA, near_limit))["notes"] == near_limit["notes"]


INVALID = [
    pytest.param(["not", "a", "dict"], id="not-a-dict"),
    pytest.param({"projectId": "p1"}, id="missing-id"),
    pytest.param({"id": "x"}, id="missing-projectId"),
    pytest.param({"id": 7, "projectId": "p1"}, id="id-not-a-string"),
    pytest.param({"id": "x", "projectId": 7}, id="projectId-not-a-string"),
    pytest.param({"id": "", "projectId": "p1"}, id="empty-id"),
    pytest.param({"id": "x", "projectId": ""}, id="empty-projectId"),
    pytest.param({"id": "a/b", "projectId": "p1"}, id="slash-in-id"),
    pytest.param({"id": "a#b", "projectId": "p1"}, id="hash-in-id"),
    pytest.param({"id": "x" * 256, "projectId": "p1"}, id="id-too-long"),
    pytest.param({"id": "x", "projectId": "p1", "when": object()}, id="not-json"),
    pytest.param({"id": "x", "projectId": "p1", "score": math.nan}, id="nan"),
]


@pytest.mark.parametrize("bad", INVALID)
async def test_invalid_documents_are_refused_with_value_error(store: DocumentStore, bad):
    for write in (lambda: store.create(PROJECT_DATA, bad), lambda: store.upsert(PROJECT_DATA, bad),
                  lambda: store.replace(PROJECT_DATA, bad, "etag")):
        with pytest.raises(ValueError) as refused:
            await write()
        assert str(refused.value)


async def test_invalid_addresses_are_refused_with_value_error(store: DocumentStore):
    with pytest.raises(ValueError, match="container"):
        await store.get("nope", "p1", "x")
    with pytest.raises(ValueError, match="id"):
        await store.get(PROJECT_DATA, "p1", None)
    with pytest.raises(ValueError, match="projectId"):
        await store.delete(PROJECT_DATA, 3, "x")
    with pytest.raises(ValueError, match="projectId"):
        await store.query(PROJECT_DATA, "")
    with pytest.raises(ValueError):
        await store.replace(PROJECT_DATA, doc(), "")


async def test_fifty_concurrent_writers_increment_one_counter_exactly(store: DocumentStore, store_factory):
    await store.create(PROJECT_DATA, doc("counter", n=0))
    # Five store instances stand for five processes: inside one, writers take turns; across them,
    # the ETag makes all but one writer retry.
    stores = [store] + [await store_factory() for _ in range(4)]

    def increment(current: dict) -> dict:
        return {**current, "n": current["n"] + 1}

    # Each conflict means another writer got through, so 50 attempts always suffice for 50 writers.
    results = await asyncio.gather(*(update(stores[n % 5], PROJECT_DATA, "p1", "counter", increment, attempts=50)
                                     for n in range(50)))
    assert sorted(r["n"] for r in results) == list(range(1, 51))
    assert (await store.get(PROJECT_DATA, "p1", "counter"))["n"] == 50


class _AlwaysChanged:
    """A store whose document always changes between read and write."""

    def __init__(self, inner: DocumentStore):
        self.inner, self.replaces = inner, 0

    async def get(self, *args):
        return await self.inner.get(*args)

    async def replace(self, *args):
        self.replaces += 1
        raise Conflict("changed meanwhile")


async def test_update_gives_up_after_its_attempts(store: DocumentStore):
    await store.create(PROJECT_DATA, doc("counter", n=0))
    busy = _AlwaysChanged(store)
    with pytest.raises(Conflict, match="3 attempts"):
        await update(busy, PROJECT_DATA, "p1", "counter", lambda d: {**d, "n": 1}, attempts=3)
    assert busy.replaces == 3
    with pytest.raises(ValueError):
        await update(store, PROJECT_DATA, "p1", "counter", lambda d: {**d, "id": "other"})
    with pytest.raises(NotFound):
        await update(store, PROJECT_DATA, "p1", "missing", lambda d: d)


async def test_mutate_may_change_the_document_it_is_given(store: DocumentStore):
    await store.create(PROJECT_DATA, doc("plan", items=["a"]))

    def add(current: dict) -> dict:
        current["items"].append("b")
        return current

    updated = await update(store, PROJECT_DATA, "p1", "plan", add)
    assert updated["items"] == ["a", "b"]
    assert (await store.get(PROJECT_DATA, "p1", "plan"))["items"] == ["a", "b"]


async def test_data_survives_closing_and_reopening(store: DocumentStore, store_factory):
    written = await store.create(PROJECT_DATA, doc(title="kept", **UNICODE))
    await store.upsert(BOT_STATE, doc("state", "conv-1", stack=[1, 2]))
    await store.close()

    reopened = await store_factory()
    assert await reopened.get(PROJECT_DATA, "p1", written["id"]) == written
    assert (await reopened.get(BOT_STATE, "conv-1", "state"))["stack"] == [1, 2]
    updated = await reopened.replace(PROJECT_DATA, {**written, "title": "changed"}, written["_etag"])
    assert updated["title"] == "changed"


async def test_ping(store: DocumentStore):
    assert await store.ping() is True


async def test_concurrent_mixed_operations_do_not_interfere(store: DocumentStore):
    async def worker(n: int):
        created = await store.create(PROJECT_DATA, doc(f"item:{n:03d}", "busy", n=n))
        await store.replace(PROJECT_DATA, {**created, "n": n * 10}, created["_etag"])
        return await store.get(PROJECT_DATA, "busy", f"item:{n:03d}")

    results = await asyncio.gather(*(worker(n) for n in range(40)), store.query(PROJECT_DATA, "busy"))
    assert [r["n"] for r in results[:-1]] == [n * 10 for n in range(40)]
    assert [d["n"] for d in await store.query(PROJECT_DATA, "busy")] == [n * 10 for n in range(40)]


async def test_open_store_picks_sqlite_without_cosmos_settings(tmp_path: Path):
    path = tmp_path / "new" / "dir" / "bot.sqlite3"
    store = await open_store(Settings(sqlite_path=str(path)))
    try:
        assert store.backend == "sqlite"
        assert path.exists()
        mode = await asyncio.get_running_loop().run_in_executor(
            None, lambda: __import__("sqlite3").connect(path).execute("PRAGMA journal_mode").fetchone()[0])
        assert mode == "wal"
    finally:
        await store.close()


async def test_update_starts_from_a_given_copy_and_survives_it_being_stale(store: DocumentStore):
    first = await store.create(PROJECT_DATA, doc("given", n=0))
    fresh = await update(store, PROJECT_DATA, "p1", "given", lambda d: {**d, "n": d["n"] + 1}, current=first)
    assert fresh["n"] == 1
    # `first` is stale now: the write it leads to conflicts, so update re-reads and applies again.
    again = await update(store, PROJECT_DATA, "p1", "given", lambda d: {**d, "n": d["n"] + 1}, current=first)
    assert again["n"] == 2
    assert first["n"] == 0, "the caller's copy is not changed"
