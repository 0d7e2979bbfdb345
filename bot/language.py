"""Each turn speaks its sender's language: the activity's `locale` (Teams sends the user's, e.g.
"de-DE") chooses the catalogue language (texts/) for everything the turn says and renders."""

from __future__ import annotations

from typing import Awaitable, Callable

from botbuilder.core import Middleware, TurnContext

from texts import speaking


class TurnLanguage(Middleware):
    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]):
        with speaking(context.activity.locale):
            return await logic()
