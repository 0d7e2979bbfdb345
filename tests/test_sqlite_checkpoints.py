"""store/sqlite.py makes its calls on the event loop and copies the WAL into the database file off it:
the writes reach the database file while the bot runs, and nothing is left in the WAL after close."""

import asyncio
import os

from store import PROJECT_DATA
from store.sqlite import CHECKPOINT_EVERY, SqliteStore


async def test_writes_are_checkpointed_off_the_loop_and_the_wal_is_emptied_on_close(tmp_path):
    path = str(tmp_path / "store.sqlite3")
    store = await SqliteStore.open(path)
    before = os.path.getsize(path)
    for n in range(CHECKPOINT_EVERY + 10):
        await store.create(PROJECT_DATA, {"id": f"doc:{n}", "projectId": "p1", "body": "x" * 500})
    await asyncio.wait_for(store._checkpointing, 10)  # the checkpoint the 500th write started
    assert os.path.getsize(path) > before + CHECKPOINT_EVERY * 500, "the writes are in the database file"
    await store.close()
    wal = path + "-wal"
    assert not os.path.exists(wal) or os.path.getsize(wal) == 0, "nothing left in the WAL"
    again = await SqliteStore.open(path)
    try:
        assert len(await again.query(PROJECT_DATA, "p1")) == CHECKPOINT_EVERY + 10
    finally:
        await again.close()
