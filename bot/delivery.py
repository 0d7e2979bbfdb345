"""At-most-once handling of redelivered activities, that survives an instance dying mid-turn.

Teams retries a message that took over 15 s, and invokes can arrive twice. Each activity that
sends or changes something (bot/handler.py says which) is claimed with a create of
`seen|<activity id>` in a partition of its conversation, `running` with a short lease; when the
turn ends the claim is marked `done` (an invoke's with its answer, so a retry gets the same answer).
A second delivery that finds a done claim is not processed again; one that finds a running claim
is asked to come back later (HTTP 503) while the lease lasts, and takes the claim over once it has
run out: the instance that held it died, and its effects are redone (every change is idempotent
or version-guarded). Claims carry `ttl`, so both stores remove them after `TTL_SECONDS` (store/);
`expiresAt` also lets a claim the store has not yet removed be ignored and replaced.

A form submission claims at its first effect instead (TurnClaim): a submission with errors reads,
puts the form back in place with the errors, and needs no claim at all.
"""

from __future__ import annotations

import asyncio
import time
from contextvars import ContextVar
from typing import NamedTuple, Optional

from botbuilder.schema import Activity

from store import PROJECT_DATA, Conflict, DocumentStore, NotFound, storage_id

TTL_SECONDS = 600
LEASE_SECONDS = 10.0  # a turn holding a claim longer than this is taken to have died with its instance
# Set when a message's claim is held by a delivery still running: the endpoint answers 503, so Teams
# delivers it again later instead of taking it as handled.
ASK_AGAIN_LATER: ContextVar[bool] = ContextVar("ask_again_later", default=False)


def _address(activity: Activity) -> Optional[tuple[str, str]]:
    conversation = activity.conversation.id if activity.conversation else ""
    if not activity.id or not conversation:
        return None
    return storage_id(f"dedupe|{conversation}"), storage_id(f"seen|{activity.id}")


class Claim(NamedTuple):
    first: bool  # this delivery is the first (or takes over from one that died): process it
    answer: Optional[dict] = None  # for a repeated invoke, the answer the first delivery gave
    record: Optional[dict] = None  # the claim this delivery holds, with its ETag
    busy: bool = False  # another delivery of it is being handled right now: ask again later


class Deliveries:
    def __init__(self, store: DocumentStore, clock=time.time):
        self.store, self.clock = store, clock

    async def claim(self, activity: Activity, *, settled: bool = False) -> Claim:
        """`settled`: a turn that only reads and replies (help, the catalog) is claimed done at once,
        one write instead of two; if its instance dies before replying, the reply is lost, not doubled."""
        address = _address(activity)
        if address is None:
            return Claim(True)
        partition, doc_id = address
        now = self.clock()
        record = {"id": doc_id, "projectId": partition, "type": "delivery", "expiresAt": now + TTL_SECONDS,
                  "ttl": TTL_SECONDS, "state": "done" if settled else "running", "leaseUntil": now + LEASE_SECONDS,
                  "answer": None}
        try:
            created = await self.store.create(PROJECT_DATA, record)
            return Claim(True, record=None if settled else created)
        except Conflict:
            pass
        try:
            seen = await self.store.get(PROJECT_DATA, partition, doc_id)
        except NotFound:
            return Claim(True)
        expired = seen.get("expiresAt", 0) < now
        if not expired and (seen.get("answer") or seen.get("state", "done") == "done"):
            return Claim(False, seen.get("answer"))
        if not expired and seen.get("leaseUntil", 0) >= now:
            return Claim(False, busy=True)
        try:  # expired, or its turn died with its instance: this delivery takes over
            return Claim(True, record=await self.store.replace(PROJECT_DATA, record, seen["_etag"]))
        except (Conflict, NotFound):
            return Claim(False, busy=True)

    async def finish(self, claim: Claim, answer: Optional[dict] = None) -> None:
        """Mark the claim done (with an invoke's answer, for a repeated delivery); if the claim
        changed hands meanwhile (its lease ran out and another delivery took it), that one decides."""
        if claim.record is None:
            return
        try:
            await self.store.replace(PROJECT_DATA, {**claim.record, "state": "done", "answer": answer},
                                     claim.record["_etag"])
        except (Conflict, NotFound):
            pass


class Repeated(Exception):
    """Raised at a turn's first effect when its claim finds the activity handled, or being handled."""

    def __init__(self, claim: Claim):
        super().__init__("repeated delivery")
        self.claim = claim


class TurnClaim:
    """A turn's claim taken at its first effect, not when it starts: the first message it sends or
    record it writes (through store.hooked.BeforeWrites). A delivery that only reads, and answers by
    updating the card it came from, claims nothing: done again, it changes nothing. Used for form
    submissions (bot/handler.py), half of which find errors and put the form back where it was."""

    def __init__(self, deliveries: Deliveries, activity: Activity):
        self.deliveries, self.activity = deliveries, activity
        self.claim: Optional[Claim] = None
        self.closed = False  # after the turn, later writes (its background work) take nothing
        self._lock = asyncio.Lock()

    async def take(self) -> None:
        if self.closed:
            return
        async with self._lock:
            if self.claim is None:
                self.claim = await self.deliveries.claim(self.activity)
        if not self.claim.first:
            raise Repeated(self.claim)


# The turn claim of the turn running in this context, if it claims lazily.
LAZY_CLAIM: ContextVar[Optional[TurnClaim]] = ContextVar("lazy_claim", default=None)


async def claim_before_writing() -> None:
    """The hook store.hooked.BeforeWrites runs before each write of a turn's flows."""
    turn = LAZY_CLAIM.get()
    if turn is not None:
        await turn.take()
