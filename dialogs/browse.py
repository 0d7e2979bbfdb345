"""`help`, `workshops` and `workshop <name>`: the catalog, answered from cards built once."""

from __future__ import annotations

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from cards import catalog_cards
from catalog import Catalog

from .replies import card_message


class Browse:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        # Static cards are built once, not per turn: the catalog never changes while the bot runs.
        self.help = card_message(catalog_cards.help_card())
        self.welcome = card_message(catalog_cards.welcome_card())
        self._workshops = card_message(catalog_cards.workshops_card(catalog))
        self._workshop_cards: dict[str, Activity] = {}
        self.commands = {"help": self.send_help, "workshops": self.send_workshops, "workshop": self.send_workshop}

    async def send_help(self, turn_context: TurnContext, _argument: str) -> None:
        await turn_context.send_activity(self.help)

    async def send_workshops(self, turn_context: TurnContext, _argument: str) -> None:
        await turn_context.send_activity(self._workshops)

    async def send_workshop(self, turn_context: TurnContext, name: str) -> None:
        workshop = self.catalog.find(name) if name else None
        if workshop is None:
            suggestions = self.catalog.closest(name) if name else []
            await turn_context.send_activity(card_message(catalog_cards.workshop_not_found_card(name, suggestions)))
            return
        reply = self._workshop_cards.get(workshop.id)
        if reply is None:
            reply = card_message(catalog_cards.workshop_card(self.catalog, workshop))
            self._workshop_cards[workshop.id] = reply
        await turn_context.send_activity(reply)
