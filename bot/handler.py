"""The Teams activity handler: turns messages and card actions into replies."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable, Optional

from botbuilder.core import CardFactory, InvokeResponse, MessageFactory, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity

from cards import catalog_cards
from catalog import Catalog

from . import commands
from .adapter import error_body

log = logging.getLogger(__name__)

CommandHandler = Callable[[TurnContext, str], Awaitable[None]]


def _reply(adaptive_card: dict) -> Activity:
    return MessageFactory.attachment(CardFactory.adaptive_card(adaptive_card))


def invoke_error(status: int, code: str, message: str) -> InvokeResponse:
    return InvokeResponse(status=status, body=error_body(status, code, message))


class WorkshopBot(TeamsActivityHandler):
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        # Static cards are built once, not per turn.
        self._help = _reply(catalog_cards.help_card())
        self._welcome = _reply(catalog_cards.welcome_card())
        self._workshops = _reply(catalog_cards.workshops_card(catalog))
        self._commands: dict[str, CommandHandler] = {
            "help": self._send_help,
            "workshops": self._send_workshops,
            "workshop": self._send_workshop,
        }

    # Messages -------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        text = activity.text
        if not (text or "").strip() and activity.value is not None:
            text = commands.submitted_command(activity.value)
            if text is None:
                await turn_context.send_activity("I can't act on that button. Type **help** to see what I can do.")
                return
        parsed = commands.parse(text)
        if parsed.name:
            await self._commands[parsed.name](turn_context, parsed.argument)
            return
        await turn_context.send_activity(self._hint(parsed.text))

    @staticmethod
    def _hint(text: str) -> str:
        guess = commands.closest_command(text)
        if guess:
            return f"I didn't catch that. Did you mean **{guess}**? Type **help** to see everything I can do."
        return "I didn't catch that. Type **help** to see everything I can do."

    async def _send_help(self, turn_context: TurnContext, _argument: str) -> None:
        await turn_context.send_activity(self._help)

    async def _send_workshops(self, turn_context: TurnContext, _argument: str) -> None:
        await turn_context.send_activity(self._workshops)

    async def _send_workshop(self, turn_context: TurnContext, name: str) -> None:
        workshop = self.catalog.find(name) if name else None
        if workshop is None:
            suggestions = self.catalog.closest(name) if name else []
            await turn_context.send_activity(_reply(catalog_cards.workshop_not_found_card(name, suggestions)))
            return
        await turn_context.send_activity(_reply(catalog_cards.workshop_card(self.catalog, workshop)))

    # Installation ---------------------------------------------------------

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """Welcome once, when the bot itself joins a team, group chat or personal chat.

        Overrides Teams' dispatch, which looks up every other new member in the connector:
        people joining need no answer, and the look-up costs a round trip.
        """
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in activity.members_added or []):
            await turn_context.send_activity(self._welcome)

    # Card actions (Action.Execute) -----------------------------------------

    async def on_invoke_activity(self, turn_context: TurnContext) -> Optional[InvokeResponse]:
        if turn_context.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        action = _card_action(turn_context.activity.value)
        if action is None:
            return invoke_error(400, "BadRequest", "This card action is malformed.")
        return invoke_error(400, "NotSupported", f"The card action '{action['verb']}' is not supported.")


def _card_action(value: object) -> Optional[dict]:
    """The `action` of an adaptiveCard/action invoke if it is well formed, else None."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    if not isinstance(action.get("verb"), str) or not action["verb"]:
        return None
    if "data" in action and not isinstance(action["data"], dict):
        return None
    return action
