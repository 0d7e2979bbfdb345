"""At-most-once handling of redelivered activities.

Teams retries a message that took over 15 s, and invokes can arrive twice. Each activity that
sends or changes something (bot/handler.py says which) is claimed with a create of
`seen|<activity id>` in a partition of its conversation; a second delivery finds the claim and is
not processed again. An invoke's answer is kept on the claim, so the retry gets the same answer
the first delivery produced. Claims carry `ttl`, so both stores remove them after `TTL_SECONDS`
(store/); `expiresAt` also lets a claim the store has not yet removed be ignored and replaced.
"""

from __future__ import annotations

import time
from typing import NamedTuple, Optional

from botbuilder.schema import Activity

from store import PROJECT_DATA, Conflict, DocumentStore, NotFound, storage_id

TTL_SECONDS = 600


def _address(activity: Activity) -> Optional[tuple[str, str]]:
    conversation = activity.conversation.id if activity.conversation else ""
    if not activity.id or not conversation:
        return None
    return storage_id(f"dedupe|{conversation}"), storage_id(f"seen|{activity.id}")


class Claim(NamedTuple):
    first: bool  # this delivery is the first: process it
    answer: Optional[dict] = None  # for a repeated invoke, the answer the first delivery gave
    record: Optional[dict] = None  # the claim this delivery holds, with its ETag


class Deliveries:
    def __init__(self, store: DocumentStore, clock=time.time):
        self.store, self.clock = store, clock

    async def claim(self, activity: Activity) -> Claim:
        address = _address(activity)
        if address is None:
            return Claim(True)
        partition, doc_id = address
        now = self.clock()
        record = {"id": doc_id, "projectId": partition, "type": "delivery", "expiresAt": now + TTL_SECONDS,
                  "ttl": TTL_SECONDS, "answer": None}
        try:
            return Claim(True, record=await self.store.create(PROJECT_DATA, record))
        except Conflict:
            pass
        try:
            seen = await self.store.get(PROJECT_DATA, partition, doc_id)
        except NotFound:
            return Claim(True)
        if seen.get("expiresAt", 0) < now:
            try:
                return Claim(True, record=await self.store.replace(PROJECT_DATA, record, seen["_etag"]))
            except (Conflict, NotFound):
                return Claim(False)
        return Claim(False, seen.get("answer"))

    async def remember_answer(self, claim: Claim, status: int, body: object) -> None:
        """Keep an invoke's answer on its claim, for a repeated delivery; if the claim changed hands
        meanwhile (it expired and another delivery took it), the newer claim is left alone."""
        if claim.record is None:
            return
        try:
            await self.store.replace(PROJECT_DATA, {**claim.record, "answer": {"status": status, "body": body}},
                                     claim.record["_etag"])
        except (Conflict, NotFound):
            pass
