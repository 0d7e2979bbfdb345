"""Documents with a `ttl` (delivery claims) expire on both backends, as in Azure Cosmos DB: the SQLite
store enforces it itself, and Cosmos DB containers are made (or turned) so that the service does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from azure.cosmos import PartitionKey
from azure.cosmos.aio import CosmosClient

import store.sqlite as sqlite_backend
from runtime.settings import Settings
from store import CONTAINERS, PROJECT_DATA, Conflict, NotFound, open_store
from tests.plugins.cosmos import TEST_KEY, unique_name


class Clock:
    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


def doc(id: str, **fields) -> dict:
    return {"id": id, "projectId": "p1", **fields}


async def test_a_document_with_a_ttl_disappears_after_it_on_sqlite(tmp_path: Path, monkeypatch):
    clock = Clock(1_000_000.0)
    monkeypatch.setattr(sqlite_backend, "time", clock)
    path = tmp_path / "store.sqlite3"
    store = await open_store(Settings(sqlite_path=str(path)))
    try:
        claim = await store.create(PROJECT_DATA, doc("seen|1", type="delivery", ttl=600))
        await store.create(PROJECT_DATA, doc("project", type="project"))
        await store.create(PROJECT_DATA, doc("forever", ttl=-1))

        clock.now += 599
        assert (await store.get(PROJECT_DATA, "p1", "seen|1"))["_etag"] == claim["_etag"]
        assert [d["id"] for d in await store.query(PROJECT_DATA, "p1")] == ["forever", "project", "seen|1"]

        clock.now += 1
        with pytest.raises(NotFound):
            await store.get(PROJECT_DATA, "p1", "seen|1")
        assert [d["id"] for d in await store.query(PROJECT_DATA, "p1")] == ["forever", "project"]
        with pytest.raises(NotFound):
            await store.replace(PROJECT_DATA, doc("seen|1", answer=1), claim["_etag"])
        again = await store.create(PROJECT_DATA, doc("seen|1", type="delivery", ttl=600))  # its id is free again
        with pytest.raises(Conflict):
            await store.create(PROJECT_DATA, doc("seen|1", type="delivery", ttl=600))
        assert again["_etag"] != claim["_etag"]
    finally:
        await store.close()

    clock.now += 600
    store = await open_store(Settings(sqlite_path=str(path)))
    try:
        await store.upsert(PROJECT_DATA, doc("other"))  # any write clears out what has expired
    finally:
        await store.close()
    with sqlite3.connect(path) as raw:
        assert [row[0] for row in raw.execute("SELECT id FROM documents ORDER BY id")] == ["forever", "other", "project"]


async def test_a_store_made_before_expiry_learns_it_on_open(tmp_path: Path, monkeypatch):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE documents (container TEXT NOT NULL, project_id TEXT NOT NULL, id TEXT NOT NULL,"
                    " doc_type TEXT, etag TEXT NOT NULL, ts INTEGER NOT NULL, body TEXT NOT NULL,"
                    " PRIMARY KEY (container, project_id, id)) WITHOUT ROWID")
        raw.execute("INSERT INTO documents VALUES ('projects', 'p1', 'seen|old', 'delivery', 'e1', 1000,"
                    " '{\"id\": \"seen|old\", \"projectId\": \"p1\", \"ttl\": 600}')")
        raw.execute("INSERT INTO documents VALUES ('projects', 'p1', 'project', 'project', 'e2', 1000,"
                    " '{\"id\": \"project\", \"projectId\": \"p1\"}')")
    clock = Clock(1500.0)
    monkeypatch.setattr(sqlite_backend, "time", clock)
    store = await open_store(Settings(sqlite_path=str(path)))
    try:
        assert [d["id"] for d in await store.query(PROJECT_DATA, "p1")] == ["project", "seen|old"]
        clock.now = 1600.0
        assert [d["id"] for d in await store.query(PROJECT_DATA, "p1")] == ["project"]
    finally:
        await store.close()


async def test_cosmos_containers_expire_documents_that_carry_a_ttl(cosmos_server):
    """The local server does not remove expired items, so this checks what makes Azure Cosmos DB do it:
    new containers are made with expiry on, and one made before gets it turned on when the bot starts."""
    settings = cosmos_server.settings(database=unique_name())
    client = CosmosClient(settings.cosmos_endpoint, credential=TEST_KEY, connection_verify=False)
    try:
        database = await client.create_database_if_not_exists(settings.cosmos_database)
        await database.create_container_if_not_exists(id=PROJECT_DATA, partition_key=PartitionKey(path="/projectId"))
        store = await open_store(settings)
        await store.close()
        for name in CONTAINERS:
            properties = await database.get_container_client(name).read()
            assert properties.get("defaultTtl") == -1, name
            assert properties["partitionKey"]["paths"] == ["/projectId"]
    finally:
        await client.close()
