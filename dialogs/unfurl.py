"""Link unfurling (composeExtension/queryLink) for the bot's own page links: a pasted tab or series
link shows the workshop's (or series') status card, to someone allowed to see the project: the link
must be one the bot signed for that project and still valid, and the person pasting it must be on
the project's roster and in its team. Anything else unfolds into nothing: no card, no project name.

Teams sends `{"url": "<the pasted link>"}`; the answer is a compose-extension result whose card
(Adaptive Card 1.5, which Teams' Universal Actions for link unfurling take) carries a link to the page."""

from __future__ import annotations

from typing import Optional
from urllib.parse import parse_qs, unquote, urlsplit

from botbuilder.core import InvokeResponse, TurnContext

from cards import search_cards
from store import PROJECT_DATA
from tabs.links import tab_token_allows
from workshops import agenda, lifecycle, personal, plan as plans
from workshops.status import series_state

from .context import PLAN, PROJECT, ROSTER, Services, actor, find
from .search import BadInvoke, answered

URL_LIMIT = 2048  # longer than any link the bot makes
NOTHING = search_cards.result([])


class Unfurl:
    def __init__(self, services: Services):
        self.services = services
        self.invokes = {"composeExtension/queryLink": self.unfurl}

    async def unfurl(self, turn_context: TurnContext) -> InvokeResponse:
        value = turn_context.activity.value
        if not isinstance(value, dict) or not isinstance(value.get("url"), str):
            raise BadInvoke("A link to unfurl needs a url.")
        link = self._page_link(value["url"])
        if link is None:
            return answered(NOTHING)
        project_id, workshop_id, token = link
        store = self.services.store
        project = await find(store, project_id, PROJECT)
        if not tab_token_allows(self.services.settings, project, token):
            return answered(NOTHING)
        roster = await find(store, project_id, ROSTER) or {}
        if not personal.is_member(roster, actor(turn_context.activity)["aadObjectId"]):
            return answered(NOTHING)
        card = await (self._workshop(project, workshop_id, value["url"]) if workshop_id
                      else self._series(project, value["url"]))
        if card is None:
            return answered(NOTHING)
        title = search_cards.fallback_title(card)
        return answered(search_cards.result([(card, search_cards.preview(title, project.get("name") or ""))]))

    def _page_link(self, url: str) -> Optional[tuple[str, Optional[str], str]]:
        """(project id, workshop id or None for the series, token) of one of the bot's page links."""
        base = self.services.settings.base_url.rstrip("/")
        if len(url) > URL_LIMIT or not url.lower().startswith(base.lower() + "/tabs/"):
            return None
        try:
            parts = urlsplit(url)
        except ValueError:
            return None
        path = unquote(parts.path[len(urlsplit(base).path):])
        query = parse_qs(parts.query)
        project_id, token = (query.get("project") or [""])[0], (query.get("token") or [""])[0]
        if not project_id or not token:
            return None
        if path == "/tabs/series":
            return project_id, None, token
        if path.startswith("/tabs/workshop/") and path.count("/") == 3:
            return project_id, path.rsplit("/", 1)[1], token
        return None

    async def _workshop(self, project: dict, workshop_id: str, url: str) -> Optional[dict]:
        catalog = self.services.catalog
        if workshop_id not in catalog:
            return None
        session = await find(self.services.store, project["projectId"], agenda.session_id(workshop_id))
        state = lifecycle.state(session, self.services.clock()) if session else None
        return search_cards.session_card(project, catalog.get(workshop_id), session, state, url)

    async def _series(self, project: dict, url: str) -> dict:
        store, catalog = self.services.store, self.services.catalog
        plan = await find(store, project["projectId"], PLAN)
        sessions = {s["workshopId"]: s for s in await store.query(PROJECT_DATA, project["projectId"],
                                                                  doc_type="session")}
        rows = [(catalog.get(w).title, series_state(sessions.get(w)))
                for w in (plans.included(plan) if plan else []) if w in catalog]
        return search_cards.series_card(project, rows, url)
