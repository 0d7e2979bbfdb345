"""The `workshops` search of the message extension (composeExtension/query and selectItem): workshops
of the catalog, and inside a project's team, for its members, that project's sessions with their
status. Choosing a result inserts its card. Read-only: nothing is stored.

Teams sends a query as `{"commandId", "parameters": [{"name", "value"}], "queryOptions": {"skip",
"count"}}` (`initialRun` as the parameter when the search opens), and a chosen result as the
preview's `tap.value`. A malformed invoke gets a 400 with a JSON error; a search the app does not
have, or nothing found, gets one short sentence."""

from __future__ import annotations

from typing import Awaitable, Callable, Mapping, Optional

from botbuilder.core import InvokeResponse, TurnContext

from cards import search_cards
from catalog import Workshop
from store import PROJECT_DATA
from tabs.links import tab_url
from texts import t
from workshops import lifecycle, personal, plan as plans

from .context import PLAN, Services, actor, find, project_and_roster, project_key

COMMAND_ID = "workshops"
QUERY_LIMIT = 100  # characters of a query that are read; a name is a few words
MAX_RESULTS = 25  # Teams asks for 25 at a time


InvokeHandler = Callable[[TurnContext], Awaitable[InvokeResponse]]


class BadInvoke(Exception):
    """An invoke Teams would never send in this shape: answered 400 with a JSON error."""

    def __init__(self, message: str, code: str = "BadRequest", status: int = 400):
        super().__init__(message)
        self.status, self.code = status, code


def answered(body: dict) -> InvokeResponse:
    return InvokeResponse(status=200, body=body)


def matching(catalog, query: str) -> list[Workshop]:
    """Every workshop when the query is blank; else the one it names, those whose title, id or
    summary contain it, and the closest names, in that order."""
    words = " ".join(query.lower().split())
    if not words:
        return list(catalog.workshops)
    found = [catalog.find(words)] if catalog.find(words) else []
    found += [w for w in catalog.workshops
              if words in w.title.lower() or words in w.id or words in w.summary.lower()]
    found += catalog.closest(words)
    return list(dict.fromkeys(found))


def _query_text(value: Mapping) -> str:
    parameters = value.get("parameters", [])
    if not isinstance(parameters, list) or not all(isinstance(p, dict) for p in parameters):
        raise BadInvoke("The search parameters are malformed.")
    typed = next((p.get("value") for p in parameters if p.get("name") == "query"), "")
    if not isinstance(typed, str):
        raise BadInvoke("The search text must be a string.")
    return typed[:QUERY_LIMIT]


def window(value: Mapping, count_key: str = "count", most: int = MAX_RESULTS) -> tuple[int, int]:
    """(skip, how many) from an invoke's queryOptions: a message extension names the count `count`, an
    Adaptive Card typeahead `top`; anything but whole numbers is taken as the first page."""
    options = value.get("queryOptions") or {}
    if not isinstance(options, dict):
        raise BadInvoke("The query options are malformed.")
    skip, count = options.get("skip", 0), options.get(count_key, most)
    whole = all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in (skip, count))
    return (skip, min(count, most) or most) if whole else (0, most)


class Search:
    def __init__(self, services: Services):
        self.services = services
        self.invokes = {"composeExtension/query": self.query, "composeExtension/selectItem": self.select}

    async def query(self, turn_context: TurnContext) -> InvokeResponse:
        value = turn_context.activity.value
        if not isinstance(value, dict) or not isinstance(value.get("commandId"), str):
            raise BadInvoke("A search needs a commandId.")
        if value["commandId"] != COMMAND_ID:
            return answered(search_cards.message(t("dialogs.search.unknown_command")))
        query, (skip, count) = _query_text(value), window(value)
        found = matching(self.services.catalog, query)[skip:skip + count]
        if not found:
            return answered(search_cards.message(t("dialogs.search.no_match", query=" ".join(query.split())[:60])))
        where = await self._members_project(turn_context)
        return answered(search_cards.result([self._item(w, where) for w in found]))

    async def select(self, turn_context: TurnContext) -> InvokeResponse:
        value = turn_context.activity.value
        if not isinstance(value, dict):
            raise BadInvoke("A chosen result must be an object.")
        workshop_id = value.get("workshopId")
        if workshop_id not in self.services.catalog:
            return answered(search_cards.message(t("dialogs.search.bad_item")))
        where = await self._members_project(turn_context)
        return answered(search_cards.result([self._item(self.services.catalog.get(workshop_id), where)]))

    async def _members_project(self, turn_context: TurnContext) -> Optional[dict]:
        """In the team of a project the searcher is a member of: the project, its series and sessions."""
        channel_data = turn_context.activity.channel_data
        if not (isinstance(channel_data, dict) and isinstance(channel_data.get("team"), dict)):
            return None
        store = self.services.store
        project, roster = await project_and_roster(store, project_key(turn_context.activity))
        if not project or not personal.is_member(roster, actor(turn_context.activity)["aadObjectId"]):
            return None
        plan = await find(store, project["projectId"], PLAN)
        sessions = await store.query(PROJECT_DATA, project["projectId"], doc_type="session")
        return {"project": project, "series": set(plans.included(plan)) if plan else set(),
                "sessions": {s["workshopId"]: s for s in sessions}}

    def _item(self, workshop: Workshop, where: Optional[dict]) -> tuple[dict, dict]:
        """A workshop of the project's series as its session; any other as the catalog's workshop."""
        tap = {"workshopId": workshop.id}
        if where is None or workshop.id not in where["series"]:
            return (search_cards.workshop_result_card(self.services.catalog, workshop),
                    search_cards.preview(workshop.title, workshop.summary, tap))
        project, session = where["project"], where["sessions"].get(workshop.id)
        state = lifecycle.state(session, self.services.clock()) if session else None
        page = tab_url(self.services.settings, project, workshop.id)
        return (search_cards.session_card(project, workshop, session, state, page),
                search_cards.preview(workshop.title, f"{search_cards.state_label(state)} · {project.get('name') or ''}",
                                     tap))
