"""A span around every store call (runtime/telemetry.py): which operation on which container, and how it
ended. Ids are attributes; document contents never are."""

from __future__ import annotations

from typing import Any, Optional

from opentelemetry.trace import SpanKind, Status, StatusCode

from runtime.telemetry import tracer, tracing
from .base import DocumentStore


class TracedStore(DocumentStore):
    """Delegates every call to the real store inside a `store.<operation>` client span."""

    def __init__(self, inner: DocumentStore):
        self.inner = inner
        self.backend = inner.backend

    def __getattr__(self, name: str) -> Any:  # anything beyond the interface goes straight through
        return getattr(self.inner, name)

    async def _traced(self, operation: str, container: str, call):
        if not tracing():
            return await call
        attributes = {"db.system": "cosmosdb" if self.backend == "cosmos" else "sqlite",
                      "db.operation": operation, "db.collection.name": container}
        with tracer.start_as_current_span(f"store.{operation}", kind=SpanKind.CLIENT, attributes=attributes,
                                          record_exception=False, set_status_on_exception=False) as span:
            try:
                return await call
            except Exception as error:
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                raise

    async def get(self, container: str, project_id: str, id: str) -> dict:
        return await self._traced("get", container, self.inner.get(container, project_id, id))

    async def create(self, container: str, doc: dict) -> dict:
        return await self._traced("create", container, self.inner.create(container, doc))

    async def replace(self, container: str, doc: dict, etag: str) -> dict:
        return await self._traced("replace", container, self.inner.replace(container, doc, etag))

    async def upsert(self, container: str, doc: dict) -> dict:
        return await self._traced("upsert", container, self.inner.upsert(container, doc))

    async def delete(self, container: str, project_id: str, id: str) -> bool:
        return await self._traced("delete", container, self.inner.delete(container, project_id, id))

    async def query(self, container: str, project_id: str, *, doc_type: Optional[str] = None,
                    due_by: Optional[str] = None) -> list[dict]:
        return await self._traced("query", container, self.inner.query(container, project_id, doc_type=doc_type,
                                                                       due_by=due_by))

    async def ping(self) -> bool:
        return await self._traced("ping", "", self.inner.ping())

    async def close(self) -> None:
        await self.inner.close()
