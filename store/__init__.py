"""Persistence: one small document-store interface, an SQLite and an Azure Cosmos DB backend,
(botbuilder's Storage on top of it lives in bot/state_storage.py)."""

from __future__ import annotations

from runtime.settings import Settings
from .base import (
    BOT_STATE,
    CONTAINERS,
    MAX_DOCUMENT_BYTES,
    PROJECT_DATA,
    Conflict,
    DocumentStore,
    NotFound,
    StoreError,
    StoreUnavailable,
    TooLarge,
    find,
    storage_id,
    update,
)

__all__ = [
    "BOT_STATE",
    "CONTAINERS",
    "MAX_DOCUMENT_BYTES",
    "PROJECT_DATA",
    "Conflict",
    "DocumentStore",
    "NotFound",
    "StoreError",
    "StoreUnavailable",
    "TooLarge",
    "find",
    "open_store",
    "storage_id",
    "update",
]


async def open_store(settings: Settings) -> DocumentStore:
    """The store the settings ask for: Cosmos DB when its endpoint and key are set, else SQLite.

    Call it inside the running event loop (the Cosmos DB client binds to it), and
    close() the store on shutdown.
    """
    if settings.uses_cosmos:
        from .cosmos import CosmosStore

        return await CosmosStore.open(settings)
    from .sqlite import SqliteStore

    return await SqliteStore.open(settings.sqlite_path)
