"""A store that runs a hook before every write: a turn whose delivery claim waits for its first
effect (bot/delivery.py) takes the claim there, so a turn that only reads claims nothing."""

from __future__ import annotations

from typing import Awaitable, Callable, Optional

from .base import DocumentStore


class BeforeWrites(DocumentStore):
    def __init__(self, inner: DocumentStore, hook: Callable[[], Awaitable[None]]):
        self.inner, self.hook, self.backend = inner, hook, inner.backend

    async def get(self, container: str, project_id: str, id: str) -> dict:
        return await self.inner.get(container, project_id, id)

    async def query(self, container: str, project_id: str, *, doc_type: Optional[str] = None,
                    due_by: Optional[str] = None) -> list[dict]:
        return await self.inner.query(container, project_id, doc_type=doc_type, due_by=due_by)

    async def create(self, container: str, doc: dict) -> dict:
        await self.hook()
        return await self.inner.create(container, doc)

    async def replace(self, container: str, doc: dict, etag: str) -> dict:
        await self.hook()
        return await self.inner.replace(container, doc, etag)

    async def upsert(self, container: str, doc: dict) -> dict:
        await self.hook()
        return await self.inner.upsert(container, doc)

    async def delete(self, container: str, project_id: str, id: str) -> bool:
        await self.hook()
        return await self.inner.delete(container, project_id, id)

    async def ping(self) -> bool:
        return await self.inner.ping()

    async def close(self) -> None:
        await self.inner.close()
