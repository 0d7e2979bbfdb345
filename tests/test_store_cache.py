"""store/cached.py on both backends: what an instance just read or wrote is answered from memory for
STORE_CACHE_SECONDS, every write still goes to the store guarded by its ETag, and nothing written is lost
when another instance changed the document meanwhile."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from app import STORE
from store import PROJECT_DATA, Conflict, NotFound, update
from store.cached import CachedStore
from tests.test_agenda import ready
from tests.test_planning import GRACE, execute_invoke
from tests.test_turn_cost import channel_bot, count_operations


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def doc(**fields) -> dict:
    return {"id": "session:cutover", "projectId": "p1", "type": "session", **fields}


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cached(store, clock) -> CachedStore:
    return CachedStore(store, 2.0, clock=clock)


async def test_a_read_is_answered_from_memory_until_it_is_older_than_the_bound(cached, store, clock):
    written = await cached.create(PROJECT_DATA, doc(status="draft"))
    await store.replace(PROJECT_DATA, {**written, "status": "approved"}, written["_etag"])  # another instance
    assert (await cached.get(PROJECT_DATA, "p1", "session:cutover"))["status"] == "draft"
    clock.now += 2.01
    assert (await cached.get(PROJECT_DATA, "p1", "session:cutover"))["status"] == "approved"


async def test_a_write_on_a_lagging_copy_is_refused_and_the_retry_reads_afresh(cached, store):
    written = await cached.create(PROJECT_DATA, doc(rsvps={}))
    await store.replace(PROJECT_DATA, {**written, "rsvps": {"ada": "accept"}}, written["_etag"])
    lagging = await cached.get(PROJECT_DATA, "p1", "session:cutover")
    with pytest.raises(Conflict):
        await cached.replace(PROJECT_DATA, {**lagging, "rsvps": {"grace": "accept"}}, lagging["_etag"])
    saved = await update(cached, PROJECT_DATA, "p1", "session:cutover",
                         lambda d: {**d, "rsvps": {**d["rsvps"], "grace": "accept"}}, current=lagging)
    assert saved["rsvps"] == {"ada": "accept", "grace": "accept"}, "the other instance's answer is kept"
    assert (await store.get(PROJECT_DATA, "p1", "session:cutover"))["rsvps"] == saved["rsvps"]


async def test_each_reader_gets_its_own_copy(cached):
    await cached.create(PROJECT_DATA, doc(topics=["scope"]))
    first = await cached.get(PROJECT_DATA, "p1", "session:cutover")
    first["topics"].append("changed by a caller")
    assert (await cached.get(PROJECT_DATA, "p1", "session:cutover"))["topics"] == ["scope"]


@pytest.mark.parametrize("value", [2 ** 70, -(2 ** 63) - 1, 0.1, "Müller ✓ \u2028", [None, True, {"k": 1.5e300}]],
                         ids=["big-int", "below-int64", "float", "text", "nested"])
async def test_what_comes_from_memory_equals_what_the_store_holds(cached, store, value):
    """Kept as orjson's bytes, or the json module's text for integers orjson cannot write: either way the
    copy handed out is the stored value, type and all (Cosmos DB itself keeps numbers as doubles)."""
    await cached.create(PROJECT_DATA, doc(value=value))
    remembered = (await cached.get(PROJECT_DATA, "p1", "session:cutover"))["value"]
    stored = (await store.get(PROJECT_DATA, "p1", "session:cutover"))["value"]
    assert remembered == stored and type(remembered) is type(stored)
    if store.backend == "sqlite":
        assert stored == value and type(stored) is type(value)


async def test_concurrent_reads_of_one_document_make_one_call(store, clock):
    await store.create(PROJECT_DATA, doc())
    counts = count_operations(store)
    cached = CachedStore(store, 2.0, clock=clock)
    read = await asyncio.gather(*(cached.get(PROJECT_DATA, "p1", "session:cutover") for _ in range(60)))
    assert len({r["_etag"] for r in read}) == 1
    assert counts == Counter(get=1)


async def test_a_read_a_write_overtook_is_not_kept(store, clock):
    written = await store.create(PROJECT_DATA, doc(status="draft"))
    cached = CachedStore(store, 2.0, clock=clock)
    reading = asyncio.ensure_future(cached.get(PROJECT_DATA, "p1", "session:cutover"))
    await asyncio.sleep(0)  # the read is on its way
    await cached.replace(PROJECT_DATA, {**written, "status": "approved"}, written["_etag"])
    await reading
    assert (await cached.get(PROJECT_DATA, "p1", "session:cutover"))["status"] == "approved"


async def test_a_missing_document_stays_missing_until_written_here_and_a_delete_is_seen_at_once(cached):
    with pytest.raises(NotFound):
        await cached.get(PROJECT_DATA, "p1", "session:cutover")
    await cached.create(PROJECT_DATA, doc())
    assert (await cached.get(PROJECT_DATA, "p1", "session:cutover"))["id"] == "session:cutover"
    assert await cached.delete(PROJECT_DATA, "p1", "session:cutover")
    with pytest.raises(NotFound):
        await cached.get(PROJECT_DATA, "p1", "session:cutover")


async def test_expiring_documents_and_queries_always_come_from_the_store(cached, store):
    claim = await cached.create(PROJECT_DATA, {**doc(), "id": "seen|1", "ttl": 600})
    await store.replace(PROJECT_DATA, {**claim, "state": "done"}, claim["_etag"])
    assert (await cached.get(PROJECT_DATA, "p1", "seen|1"))["state"] == "done"
    await store.create(PROJECT_DATA, doc())
    assert [d["id"] for d in await cached.query(PROJECT_DATA, "p1")] == ["seen|1", "session:cutover"]


async def test_zero_seconds_reads_the_store_every_time(store, clock):
    cached = CachedStore(store, 0, clock=clock)
    written = await cached.create(PROJECT_DATA, doc(status="draft"))
    await store.replace(PROJECT_DATA, {**written, "status": "approved"}, written["_etag"])
    assert (await cached.get(PROJECT_DATA, "p1", "session:cutover"))["status"] == "approved"


async def test_a_refresh_storm_and_an_rsvp_read_nothing_the_instance_just_wrote(app_client, connector,
                                                                              store_settings):
    """Sixty people look at a changed agenda card, then one answers: the project, session and roster
    come from memory; the RSVP's one write still goes to the store."""
    bot = await channel_bot(app_client, connector, store_settings)
    card = await ready(bot)
    backend = bot.client.server.app[STORE].inner
    counts = count_operations(backend)
    views = await asyncio.gather(*(bot.post(execute_invoke(bot, card, "agenda.refresh", GRACE)) for _ in range(60)))
    assert [view.status for view in views] == [200] * 60
    response = await bot.post(execute_invoke(bot, card, "agenda.rsvp", GRACE, response="accept"))
    assert response.status == 200
    await bot.card_updates_sent()
    assert counts["replace"] == 1 and counts["get"] <= 3, counts


async def test_background_work_reads_the_store_and_leaves_what_it_found(cached, store):
    """The outbox and the reminders run inside fresh_reads(): they may follow another instance's change."""
    from store.cached import fresh_reads

    written = await cached.create(PROJECT_DATA, doc(status="draft"))
    await store.replace(PROJECT_DATA, {**written, "status": "approved"}, written["_etag"])  # another instance
    with fresh_reads():
        assert (await cached.get(PROJECT_DATA, "p1", "session:cutover"))["status"] == "approved"
    assert (await cached.get(PROJECT_DATA, "p1", "session:cutover"))["status"] == "approved", "kept for turns"
