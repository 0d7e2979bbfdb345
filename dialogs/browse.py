"""`help`, `workshops` and `workshop <name>`: the catalog, answered from cards built once per language."""

from __future__ import annotations

from typing import Callable

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from cards import catalog_cards
from catalog import Catalog
from texts import current

from .replies import card_message


class Browse:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        # Static cards are built once per language, not per turn: the catalog never changes while the bot runs.
        self._cards: dict[tuple[str, str], Activity] = {}
        self.commands = {"help": self.send_help, "workshops": self.send_workshops, "workshop": self.send_workshop}

    def _built(self, name: str, build: Callable[[], dict]) -> Activity:
        """The card `name` in the turn's language, built the first time that language asks for it."""
        key = (current(), name)
        reply = self._cards.get(key)
        if reply is None:
            reply = self._cards[key] = card_message(build())
        return reply

    @property
    def help(self) -> Activity:
        return self._built("help", catalog_cards.help_card)

    @property
    def welcome(self) -> Activity:
        return self._built("welcome", catalog_cards.welcome_card)

    async def send_help(self, turn_context: TurnContext, _argument: str) -> None:
        await turn_context.send_activity(self.help)

    async def send_workshops(self, turn_context: TurnContext, _argument: str) -> None:
        await turn_context.send_activity(self._built("workshops", lambda: catalog_cards.workshops_card(self.catalog)))

    async def send_workshop(self, turn_context: TurnContext, name: str) -> None:
        workshop = self.catalog.find(name) if name else None
        if workshop is None:
            suggestions = self.catalog.closest(name) if name else []
            await turn_context.send_activity(card_message(catalog_cards.workshop_not_found_card(name, suggestions)))
            return
        await turn_context.send_activity(self._built(f"workshop:{workshop.id}",
                                                     lambda: catalog_cards.workshop_card(self.catalog, workshop)))
