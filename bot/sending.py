"""Sending within Teams' limits: retries of 429, 412, 502 and 504 answers from the connector with
exponential backoff, jitter and Retry-After, and pacing of a conversation the connector has throttled.
This is the one place a send or a card update is retried on its status; bot/connector.py retries them
only when the connection failed.

Teams publishes its per-conversation limits (7 messages in any second, 60 in any 30 s) but says the
exact values may change and that apps must back off when answered 429. So the connector's 429 is the
authority: a conversation's sends go straight out until it answers 429 for that conversation; from then
on, until PACED_FOR seconds pass without another 429, that conversation's sends are paced within the
published limits. A reply is never held back for a limit the service has not applied, and a burst costs
one refused request rather than one per message.

Installed on the adapter itself (`SendPolicy().install(adapter)`), so every send goes through it:
replies, card updates and proactive messages (reminders, digests) alike. botbuilder's
on_send_activities hooks run before the send rather than around it, so they cannot retry it.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import time
from typing import Awaitable, Callable, Optional

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import ActivityTypes

from runtime.retry import backoff_delay, retry_after_seconds

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({412, 429, 502, 504})
PUBLISHED_LIMITS = ((1.0, 7), (30.0, 60))  # (seconds, messages) per bot per conversation
PACED_FOR = 60.0  # seconds a conversation stays paced after the connector last answered 429
MARGIN = 0.1  # seconds added to each window: a send reaches Teams a little after it leaves
MAX_TRACKED = 10_000  # conversations whose recent sends are remembered


def _status_and_wait(error: Exception) -> tuple[Optional[int], Optional[float]]:
    """The HTTP status of a failed connector call and its Retry-After in seconds, when given."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    return status, retry_after_seconds(headers.get("Retry-After") if hasattr(headers, "get") else None)


class SendPacer:
    """Remembers each conversation's recent sends; holds a send back only while the conversation is
    paced, until every published window has room for it."""

    def __init__(self, limits=PUBLISHED_LIMITS, paced_for: float = PACED_FOR, clock=time.monotonic,
                 sleep=asyncio.sleep):
        self.limits, self.paced_for, self.clock, self.sleep = limits, paced_for, clock, sleep
        self._history = max(count for _, count in limits)
        self._sent: collections.OrderedDict[str, collections.deque] = collections.OrderedDict()
        self._paced_until: dict[str, float] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def throttled(self, conversation: str) -> None:
        """The connector answered 429 for this conversation: pace it from now on."""
        self._paced_until[conversation] = self.clock() + self.paced_for

    def paced(self, conversation: str) -> bool:
        until = self._paced_until.get(conversation)
        if until is not None and until <= self.clock():
            del self._paced_until[conversation]
            self._locks.pop(conversation, None)
            return False
        return until is not None

    async def wait_turn(self, conversation: str) -> None:
        sent = self._sent.get(conversation)
        if sent is None:
            sent = self._sent[conversation] = collections.deque(maxlen=self._history)
            self._forget_oldest()
        else:
            self._sent.move_to_end(conversation)
        if self.paced(conversation):
            async with self._locks.setdefault(conversation, asyncio.Lock()):
                while (wait := self._wait_for_room(sent)) > 0:
                    await self.sleep(wait)
        sent.append(self.clock())

    def _wait_for_room(self, sent: collections.deque) -> float:
        now = self.clock()
        return max((sent[-count] + span + MARGIN - now for span, count in self.limits if len(sent) >= count), default=0.0)

    def _forget_oldest(self) -> None:
        while len(self._sent) > MAX_TRACKED:
            old, _ = self._sent.popitem(last=False)
            self._paced_until.pop(old, None)
            self._locks.pop(old, None)


class SendPolicy:
    def __init__(self, attempts: int = 5, base_delay: float = 0.5, max_delay: float = 8.0,
                 pacer: Optional[SendPacer] = None, sleep=asyncio.sleep):
        self.attempts, self.base_delay, self.max_delay, self.sleep = attempts, base_delay, max_delay, sleep
        self.pacer = pacer or SendPacer()

    def install(self, adapter: BotAdapter) -> BotAdapter:
        """Route the adapter's sends and updates through the pacer and retries."""
        send, update = adapter.send_activities, adapter.update_activity

        async def send_activities(context: TurnContext, activities):
            if all(a.type == ActivityTypes.invoke_response for a in activities):
                return await send(context, activities)  # the HTTP answer to an invoke: no call to Teams
            return await self._send(_conversation(context), lambda: send(context, activities))

        async def update_activity(context: TurnContext, activity):
            return await self._send(_conversation(context), lambda: update(context, activity))

        adapter.send_activities, adapter.update_activity = send_activities, update_activity
        return adapter

    async def _send(self, conversation: str, call: Callable[[], Awaitable]):
        for attempt in range(self.attempts):
            await self.pacer.wait_turn(conversation)
            try:
                return await call()
            except Exception as error:
                status, retry_after = _status_and_wait(error)
                if status == 429:
                    self.pacer.throttled(conversation)
                if status not in RETRY_STATUSES or attempt == self.attempts - 1:
                    raise
                wait = retry_after if retry_after is not None else backoff_delay(attempt, self.base_delay, self.max_delay)
                log.info("connector answered %s; retrying in %.2f s", status, wait)
                await self.sleep(min(wait, self.max_delay * 4))
        raise AssertionError("unreachable")


def _conversation(context: TurnContext) -> str:
    conversation = (context.activity.conversation.id if context.activity.conversation else "") or ""
    return conversation.split(";", 1)[0]
