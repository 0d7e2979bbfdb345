"""Sending within Teams' limits: at most 7 messages a second per conversation, and retries of
429, 412, 502 and 504 answers from the connector with exponential backoff, jitter and Retry-After.

Installed on the adapter itself (`SendPolicy().install(adapter)`), so every send goes through it:
replies, card updates and proactive messages (reminders, digests) alike. botbuilder's
on_send_activities hooks run before the send rather than around it, so they cannot retry it.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import random
import time
from typing import Awaitable, Callable, Optional

from botbuilder.core import BotAdapter, TurnContext

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({412, 429, 502, 504})
PER_SECOND = 7
MAX_TRACKED = 10_000  # conversations whose recent sends are remembered


def _status_and_wait(error: Exception) -> tuple[Optional[int], Optional[float]]:
    """The HTTP status of a failed connector call and its Retry-After in seconds, when given."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None) or getattr(response, "status", None)
    headers = getattr(response, "headers", None) or {}
    retry_after = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        wait = float(retry_after) if retry_after is not None else None
    except ValueError:
        wait = None
    return status, wait


class RateLimiter:
    """A sliding one-second window per conversation."""

    def __init__(self, per_second: int = PER_SECOND, clock=time.monotonic, sleep=asyncio.sleep):
        self.per_second, self.clock, self.sleep = per_second, clock, sleep
        self._sent: collections.OrderedDict[str, collections.deque] = collections.OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}

    async def wait_turn(self, conversation: str) -> None:
        lock = self._locks.setdefault(conversation, asyncio.Lock())
        async with lock:
            sent = self._sent.setdefault(conversation, collections.deque())
            self._sent.move_to_end(conversation)
            while len(sent) >= self.per_second:
                wait = sent[0] + 1.0 - self.clock()
                if wait > 0:
                    await self.sleep(wait)
                sent.popleft()
            sent.append(self.clock())
        while len(self._sent) > MAX_TRACKED:
            old, _ = self._sent.popitem(last=False)
            self._locks.pop(old, None)


class SendPolicy:
    def __init__(self, attempts: int = 5, base_delay: float = 0.5, max_delay: float = 8.0,
                 limiter: Optional[RateLimiter] = None, sleep=asyncio.sleep):
        self.attempts, self.base_delay, self.max_delay, self.sleep = attempts, base_delay, max_delay, sleep
        self.limiter = limiter or RateLimiter()

    def install(self, adapter: BotAdapter) -> BotAdapter:
        """Route the adapter's sends and updates through the limiter and retries."""
        send, update = adapter.send_activities, adapter.update_activity

        async def send_activities(context: TurnContext, activities):
            await self.limiter.wait_turn(_conversation(context))
            return await self._with_retries(lambda: send(context, activities))

        async def update_activity(context: TurnContext, activity):
            await self.limiter.wait_turn(_conversation(context))
            return await self._with_retries(lambda: update(context, activity))

        adapter.send_activities, adapter.update_activity = send_activities, update_activity
        return adapter

    async def _with_retries(self, call: Callable[[], Awaitable]):
        for attempt in range(self.attempts):
            try:
                return await call()
            except Exception as error:
                status, retry_after = _status_and_wait(error)
                if status not in RETRY_STATUSES or attempt == self.attempts - 1:
                    raise
                ceiling = min(self.max_delay, self.base_delay * 2**attempt)
                wait = retry_after if retry_after is not None else ceiling / 2 + random.uniform(0, ceiling / 2)
                log.info("connector answered %s; retrying in %.2f s", status, wait)
                await self.sleep(min(wait, self.max_delay * 4))
        raise AssertionError("unreachable")


def _conversation(context: TurnContext) -> str:
    conversation = context.activity.conversation.id if context.activity.conversation else ""
    return conversation.split(";", 1)[0]
