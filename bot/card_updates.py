"""Updating a posted card for everyone after a card action, off the action's path.

A card action that changes something answers the person who pressed with the new card (the invoke
answer) and updates the posted message for everyone else. That update is a call to Teams and is
subject to its per-conversation limits: when sixty people RSVP within a few seconds, sixty updates of
one message would queue behind each other, and each person's answer would wait with them. So the
update runs after the answer, and the updates of one message are coalesced: the first one waits
`delay` seconds (CARD_UPDATE_SECONDS) before it is drawn and sent, and while it waits or is being sent,
later ones only replace it; only the newest is drawn and sent (the ones in between would be overwritten
at once anyway). So sixty answers in a few seconds make a few updates, not sixty, and the card is drawn
once per update, not once per answer. Each card is drawn in the language of the turn that asked for it.

An update Teams refuses is kept in the outbox (dialogs/outbox.py), newest card per message, and sent
again by its loop; an update that then succeeds here removes it, so an older card never overwrites
a newer one from this process.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
from typing import Callable, Optional

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ConversationReference

from dialogs.outbox import Outbox
from dialogs.replies import Messenger

log = logging.getLogger(__name__)

CARD_UPDATE = "card-update"  # outbox work: bring a posted card up to date


class CardUpdates:
    def __init__(self, messenger: Messenger, outbox: Optional[Outbox] = None, delay: float = 0.0):
        self.messenger, self.outbox, self.delay = messenger, outbox, delay
        # message -> (the activity that asked, its turn's context, what draws the new message)
        self._newest: dict[tuple[str, str], tuple[Activity, contextvars.Context, Callable[[], Activity]]] = {}
        self._senders: dict[tuple[str, str], asyncio.Task] = {}
        self._kept: set[tuple[str, str]] = set()  # messages whose failed update waits in the outbox
        self._flushing = asyncio.Event()  # set by settled(): waiting updates go at once
        if outbox is not None:
            outbox.handle(CARD_UPDATE, self._replay)

    def update(self, turn_context: TurnContext, message_id: str, draw: Callable[[], Activity]) -> None:
        """Replace the message `message_id` in this conversation with what `draw()` makes, soon."""
        activity = turn_context.activity  # its reference is read when the update is sent: most are replaced first
        key = (activity.conversation.id, message_id)
        self._newest[key] = (activity, contextvars.copy_context(), draw)
        if key not in self._senders:
            self._senders[key] = asyncio.get_running_loop().create_task(self._send(key), name="card-update")

    async def _send(self, key: tuple[str, str]) -> None:
        try:
            while True:
                if self.delay > 0 and not self._flushing.is_set():
                    try:
                        await asyncio.wait_for(self._flushing.wait(), self.delay)
                    except asyncio.TimeoutError:
                        pass
                newest = self._newest.pop(key, None)
                if newest is None:
                    break
                asked_in, context, draw = newest
                reference = TurnContext.get_conversation_reference(asked_in)
                activity = None
                try:
                    activity = context.run(draw)
                    await self.messenger.update(reference, activity)
                except Exception:  # the change is saved; each person still sees it on their own card
                    log.warning("could not update card message %s; it is kept for a retry", key[1], exc_info=True)
                    if activity is not None:
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
                "reference": reference.serialize(), "activity": _stored(activity)}, replace=True)
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
        """Send every update asked for so far without waiting out the delay, and wait until each has been
        sent or has failed (tests, shutdown)."""
        self._flushing.set()
        try:
            while self._senders:
                await asyncio.gather(*self._senders.values(), return_exceptions=True)
        finally:
            self._flushing.clear()


def _stored(activity: Activity) -> dict:
    """The activity as JSON to keep. msrest writes a dict subclass (every card the bot sends is one) as its
    repr, so each card goes in as the JSON it is."""
    body = activity.serialize()
    for written, attachment in zip(body.get("attachments") or [], activity.attachments or []):
        if isinstance(attachment.content, dict):
            written["content"] = json.loads(json.dumps(attachment.content))
    return body
