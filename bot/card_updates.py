"""Updating a posted card for everyone after a card action, off the action's path.

A card action that changes something answers the person who pressed with the new card (the invoke
answer) and updates the posted message for everyone else. That update is a call to Teams and is
subject to its per-conversation limits: when sixty people RSVP within a few seconds, sixty updates of
one message would queue behind each other, and each person's answer would wait with them. So the
update runs after the answer, and the updates of one message are coalesced: while one is being sent,
later ones wait, and only the newest of them is sent next (the ones in between would be overwritten
at once anyway).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from botbuilder.core import BotAdapter, TurnContext
from botbuilder.schema import Activity, ConversationReference

log = logging.getLogger(__name__)


class CardUpdates:
    def __init__(self, app_id: Optional[str] = None):
        self.app_id = app_id or None
        self._newest: dict[tuple[str, str], tuple[BotAdapter, ConversationReference, Activity]] = {}
        self._senders: dict[tuple[str, str], asyncio.Task] = {}

    def update(self, turn_context: TurnContext, activity: Activity) -> None:
        """Replace the message `activity.id` in this conversation with `activity`, soon."""
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        key = (reference.conversation.id, activity.id)
        self._newest[key] = (turn_context.adapter, reference, activity)
        if key not in self._senders:
            self._senders[key] = asyncio.get_running_loop().create_task(self._send(key), name="card-update")

    async def _send(self, key: tuple[str, str]) -> None:
        try:
            while (newest := self._newest.pop(key, None)) is not None:
                adapter, reference, activity = newest

                async def replace(proactive: TurnContext) -> None:
                    await proactive.update_activity(activity)

                try:
                    await adapter.continue_conversation(reference, replace, self.app_id)
                except Exception:  # the change is saved; each person still sees it on their own card
                    log.warning("could not update card message %s", activity.id, exc_info=True)
        finally:
            del self._senders[key]

    async def settled(self) -> None:
        """Wait until every update asked for so far has been sent or has failed (tests, shutdown)."""
        while self._senders:
            await asyncio.gather(*self._senders.values(), return_exceptions=True)
