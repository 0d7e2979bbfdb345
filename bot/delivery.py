"""At-most-once handling of redelivered activities.

Teams retries a message that took over 15 s, and invokes can arrive twice. Each activity that
could change something is claimed with a create of `seen|<activity id>` in a partition of its
conversation; a second delivery finds the claim and is not processed again. An invoke's answer
is kept on the claim, so the retry gets the same answer the first delivery produced. Claims
expire after `TTL_SECONDS` (the `ttl` field lets Cosmos DB remove them when the container has
TTL enabled; an expired claim is otherwise ignored and replaced).
"""

from __future__ import annotations

import time
from typing import Optional

from botbuilder.schema import Activity

from .store import PROJECT_DATA, Conflict, DocumentStore, NotFound, storage_id

TTL_SECONDS = 600


def _address(activity: Activity) -> Optional[tuple[str, str]]:
    conversation = activity.conversation.id if activity.conversation else ""
    if not activity.id or not conversation:
        return None
    return storage_id(f"dedupe|{conversation}"), storage_id(f"seen|{activity.id}")


class Deliveries:
    def __init__(self, store: DocumentStore, clock=time.time):
        self.store, self.clock = store, clock

    async def claim(self, activity: Activity) -> tuple[bool, Optional[dict]]:
        """(True, None) for a first delivery; (False, the stored invoke answer or None) for a repeat."""
        address = _address(activity)
        if address is None:
            return True, None
        partition, doc_id = address
        now = self.clock()
        record = {"id": doc_id, "projectId": partition, "type": "delivery", "expiresAt": now + TTL_SECONDS,
                  "ttl": TTL_SECONDS, "answer": None}
        try:
            await self.store.create(PROJECT_DATA, record)
            return True, None
        except Conflict:
            pass
        try:
            seen = await self.store.get(PROJECT_DATA, partition, doc_id)
        except NotFound:
            return True, None
        if seen.get("expiresAt", 0) < now:
            try:
                await self.store.replace(PROJECT_DATA, record, seen["_etag"])
                return True, None
            except (Conflict, NotFound):
                return False, None
        return False, seen.get("answer")

    async def remember_answer(self, activity: Activity, status: int, body: object) -> None:
        address = _address(activity)
        if address is None:
            return
        partition, doc_id = address
        try:
            seen = await self.store.get(PROJECT_DATA, partition, doc_id)
            await self.store.replace(PROJECT_DATA, {**seen, "answer": {"status": status, "body": body}},
                                     seen["_etag"])
        except (Conflict, NotFound):
            pass
