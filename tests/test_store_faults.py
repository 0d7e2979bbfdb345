"""The Cosmos DB backend under faults: a small TLS proxy in front of the local server
answers chosen requests with 429 or 503, drops the connection, or stalls.

The proxy terminates TLS with the local server's own self-signed certificate,
forwards each request with aiohttp and writes the answer back (one request per
connection). It rewrites the endpoint in the account metadata, so that the SDK
would keep talking to the proxy even with endpoint discovery on. Faults apply
only to document requests (paths with /docs), so start-up is never disturbed.
"""

from __future__ import annotations

import time

import pytest

from store import PROJECT_DATA, Conflict, NotFound, StoreUnavailable, TooLarge, update
from store.cosmos import CosmosStore, RetryPolicy

BUDGET = 1.5
POLICY = RetryPolicy(budget=BUDGET, base_delay=0.05, max_delay=0.2)


@pytest.fixture
async def faulty(proxy, cosmos_server):
    """A Cosmos store that talks to the server through the proxy, with a short retry budget."""
    store = await CosmosStore.open(cosmos_server.settings(endpoint=proxy.url), retry=POLICY)
    yield store
    await store.close()


def doc(id: str = "plan", **fields) -> dict:
    return {"id": id, "projectId": "p-faults", **fields}


async def test_requests_go_through_the_proxy(proxy, faulty):
    await faulty.upsert(PROJECT_DATA, doc(n=1))
    assert proxy.served("forwarded") >= 1


async def test_a_few_429s_are_retried_honouring_retry_after(proxy, faulty):
    proxy.inject("429", times=3, retry_after_ms=200)
    started = time.monotonic()
    stored = await faulty.upsert(PROJECT_DATA, doc(n=1))
    elapsed = time.monotonic() - started
    assert stored["n"] == 1
    assert proxy.served("429") == 3
    assert 0.6 <= elapsed < 0.6 + 0.5, elapsed  # three waits of 200 ms, and not much else
    assert (await faulty.get(PROJECT_DATA, "p-faults", "plan"))["n"] == 1


async def test_a_retry_after_beyond_the_budget_fails_at_once(proxy, faulty):
    proxy.inject("429", times=1, retry_after_ms=60_000)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await faulty.get(PROJECT_DATA, "p-faults", "plan")
    assert time.monotonic() - started < 0.5


async def test_persistent_503_ends_in_store_unavailable_within_the_budget(proxy, faulty):
    proxy.inject("503", times=10_000)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable) as refused:
        await faulty.get(PROJECT_DATA, "p-faults", "plan")
    elapsed = time.monotonic() - started
    assert elapsed <= BUDGET + 0.3, elapsed
    assert proxy.served("503") >= 3  # it did retry
    assert "try again in a moment" in str(refused.value)


async def test_a_stalled_server_ends_in_store_unavailable_within_the_budget(proxy, faulty):
    proxy.inject("stall", times=10_000)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await faulty.query(PROJECT_DATA, "p-faults")
    assert time.monotonic() - started <= BUDGET + 0.3


async def test_a_dropped_connection_is_retried(proxy, faulty):
    proxy.inject("drop", times=2)
    created = await faulty.create(PROJECT_DATA, doc(n=1))
    assert proxy.served("drop") == 2
    assert await faulty.get(PROJECT_DATA, "p-faults", "plan") == created
    assert [d["id"] for d in await faulty.query(PROJECT_DATA, "p-faults")] == ["plan"]


async def test_a_create_whose_answer_was_lost_is_not_reported_as_a_conflict(proxy, faulty):
    proxy.inject("drop-after", times=1, methods=("POST",))
    created = await faulty.create(PROJECT_DATA, doc(n=1))
    assert proxy.served("drop-after") == 1
    assert created["n"] == 1
    with pytest.raises(Conflict):  # a genuine second create still conflicts
        await faulty.create(PROJECT_DATA, doc(n=2))


async def test_an_update_whose_answer_was_lost_is_applied_once(proxy, faulty):
    await faulty.create(PROJECT_DATA, doc("counter", n=0))
    proxy.inject("drop-after", times=1, methods=("PUT",))
    updated = await update(faulty, PROJECT_DATA, "p-faults", "counter", lambda d: {**d, "n": d["n"] + 1})
    assert proxy.served("drop-after") == 1
    assert updated["n"] == 1
    assert (await faulty.get(PROJECT_DATA, "p-faults", "counter"))["n"] == 1


@pytest.mark.parametrize("kind", ["503", "429", "drop"])
async def test_a_failed_write_leaves_the_previous_document_intact(proxy, faulty, kind):
    before = await faulty.create(PROJECT_DATA, doc(title="v1", items=list(range(100))))
    proxy.inject(kind, times=10_000, retry_after_ms=100, methods=("PUT", "POST"))
    with pytest.raises(StoreUnavailable):
        await faulty.replace(PROJECT_DATA, {**before, "title": "v2", "items": []}, before["_etag"])
    with pytest.raises(StoreUnavailable):
        await faulty.upsert(PROJECT_DATA, doc(title="v3"))
    await proxy.idle()
    proxy.clear()
    assert await faulty.get(PROJECT_DATA, "p-faults", "plan") == before


async def test_errors_that_are_not_faults_are_not_retried(proxy, faulty):
    with pytest.raises(NotFound):
        await faulty.get(PROJECT_DATA, "p-faults", "missing")
    assert [what for _, path, what in proxy.log if path.rstrip("/").endswith("/docs/missing")] == ["forwarded"]


async def test_the_service_refusing_a_large_item_is_too_large_not_retried(proxy, faulty):
    """The 2 MB check happens before sending; the service's own 413 maps to the same error."""
    proxy.inject("413", times=1)
    with pytest.raises(TooLarge, match="2 MB"):
        await faulty.upsert(PROJECT_DATA, doc(notes="fits our count, not the service's"))
    assert proxy.served("413") == 1
    with pytest.raises(NotFound):
        await faulty.get(PROJECT_DATA, "p-faults", "plan")
