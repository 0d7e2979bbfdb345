"""Updating a posted card for everyone after a card action, off the action's path.

A card action that changes something answers the person who pressed with the new card (the invoke
answer) and updates the posted message for everyone else. That update is a call to Teams and is
subject to its per-conversation limits: when sixty people RSVP within a few seconds, sixty updates of
one message would queue behind each other, and each person's answer would wait with them. So the
update runs after the answer, and the updates of one message are coalesced: while one is being sent,
later ones wait, and only the newest of them is sent next (the ones in between would be overwritten
at once anyway).

An update Teams refuses is kept in the outbox (dialogs/outbox.py), newest card per message, and sent
again by its loop; an update that then succeeds here removes it, so an older card never overwrites
a newer one from this process.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference

from dialogs.outbox import Outbox
from dialogs.replies import Messenger

log = logging.getLogger(__name__)

CARD_UPDATE = "card-update"  # outbox work: bring a posted card up to date


class CardUpdates:
    def __init__(self, messenger: Messenger, outbox: Optional[Outbox] = None):
        self.messenger, self.outbox = messenger, outbox
        self._newest: dict[tuple[str, str], tuple[ConversationReference, Activity]] = {}
        self._senders: dict[tuple[str, str], asyncio.Task] = {}
        self._kept: set[tuple[str, str]] = set()  # messages whose failed update waits in the outbox
        if outbox is not None:
            outbox.handle(CARD_UPDATE, self._replay)

    def update(self, turn_context: TurnContext, activity: Activity) -> None:
        """Replace the message `activity.id` in this conversation with `activity`, soon."""
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        key = (reference.conversation.id, activity.id)
        self._newest[key] = (reference, activity)
        if key not in self._senders:
            self._senders[key] = asyncio.get_running_loop().create_task(self._send(key), name="card-update")

    async def _send(self, key: tuple[str, str]) -> None:
        try:
            while (newest := self._newest.pop(key, None)) is not None:
                reference, activity = newest
                try:
                    await self.messenger.update(reference, activity)
                except Exception:  # the change is saved; each person still sees it on their own card
                    log.warning("could not update card message %s; it is kept for a retry", activity.id,
                                exc_info=True)
                    await self._keep(key, reference, activity)
                else:
                    await self._drop_kept(key)
        finally:
            del self._senders[key]

    async def _keep(self, key, reference: ConversationReference, activity: Activity) -> None:
        if self.outbox is None:
            return
        try:
            await self.outbox.add(CARD_UPDATE, key[0], key[1], {
                "reference": reference.serialize(), "activity": activity.serialize()}, replace=True)
            self._kept.add(key)
        except Exception:
            log.warning("could not keep the update of card message %s", key[1], exc_info=True)

    async def _drop_kept(self, key) -> None:
        if key in self._kept and self.outbox is not None:
            self._kept.discard(key)
            await self.outbox.cancel(CARD_UPDATE, key[0], key[1])

    async def _replay(self, record: dict) -> None:
        args = record["args"]
        await self.messenger.update(args["reference"], Activity().deserialize(args["activity"]))

    async def settled(self) -> None:
        """Wait until every update asked for so far has been sent or has failed (tests, shutdown)."""
        while self._senders:
            await asyncio.gather(*self._senders.values(), return_exceptions=True)
