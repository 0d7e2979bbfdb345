"""Card messages as the bot sends them, and proactive posts into a conversation the bot was in."""

from __future__ import annotations

from typing import Awaitable, Callable, Optional, Union

from botbuilder.core import BotAdapter, CardFactory, MessageFactory, TurnContext
from botbuilder.schema import Activity, ConversationReference

from cards.common import Card


class SentCard(dict):
    """JSON the bot sends and never changes afterwards (a card, an invoke answer's body).

    botbuilder deep-copies every outgoing activity, card included, so that stamping the
    conversation on it cannot change the caller's object; that stamping touches only the
    activity's own fields, so copying the card protects nothing, and it was about a tenth of
    a help turn. deepcopy hands this object back as it is."""

    def __deepcopy__(self, memo) -> "SentCard":
        return self


class SentBuiltCard(SentCard, Card):
    """A SentCard made from a Card (cards.common.card()): plain JSON by construction, as that is."""


def card_message(card: dict) -> Activity:
    sent = SentBuiltCard(card) if isinstance(card, Card) else SentCard(card)
    return MessageFactory.attachment(CardFactory.adaptive_card(sent))


class Messenger:
    """Posts into a conversation outside a turn (reminders, digests, outbox work), from the
    conversation reference the bot stored when it was there."""

    def __init__(self, adapter: BotAdapter, app_id: str = ""):
        self.adapter, self.app_id = adapter, app_id or None

    async def post(self, reference: Union[dict, ConversationReference], message: Union[str, Activity]) -> Optional[str]:
        """Send `message` there; the id of the posted message, when the channel gives one."""
        sent = await self._in(reference, lambda turn_context: turn_context.send_activity(message))
        return getattr(sent, "id", None)

    async def update(self, reference: Union[dict, ConversationReference], activity: Activity) -> None:
        """Replace the message `activity.id` there with `activity`."""
        await self._in(reference, lambda turn_context: turn_context.update_activity(activity))

    async def _in(self, reference, call: Callable[[TurnContext], Awaitable]):
        if isinstance(reference, dict):
            reference = ConversationReference().deserialize(reference)
        results: list = []
        failed: list[Exception] = []

        async def run(turn_context: TurnContext) -> None:
            # Caught here: the adapter's turn-error handler would otherwise swallow the failure (and
            # post an apology into the conversation), and the caller could not retry.
            try:
                results.append(await call(turn_context))
            except Exception as error:
                failed.append(error)

        await self.adapter.continue_conversation(reference, run, self.app_id)
        if failed:
            raise failed[0]
        return results[0] if results else None
