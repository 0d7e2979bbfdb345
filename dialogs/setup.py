"""`setup`: create the team's project, or edit it, through a form that waits for valid answers."""

from __future__ import annotations

import asyncio
import functools
import zoneinfo
from typing import Optional

from botbuilder.core import InvokeResponse, TurnContext
from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

from cards import project_cards
from store import PROJECT_DATA, Conflict, update
from texts import t
from workshops import people
from workshops.project import FormError, ProjectDetails, project_from_answers

from .context import PLAN, PROJECT, ROSTER, Refused, Services, actor, find, project_and_roster, project_key
from .forms import FormDialog, Forms, InvalidAnswers
from .replies import card_message
from .search import BadInvoke, answered, window

@functools.lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


class ProjectSetup:
    def __init__(self, services: Services, forms: Forms):
        self.services, self.forms = services, forms
        forms.add(SetupDialog(self))
        self.commands = {"setup": self.command}
        self.invokes = {"application/search": self.search_zones}

    async def command(self, turn_context: TurnContext, _argument: str) -> None:
        refusal, values = await self.start(turn_context)
        if refusal:
            await turn_context.send_activity(refusal)
            return
        await self.forms.begin(turn_context, SetupDialog.__name__, values)

    async def search_zones(self, turn_context: TurnContext) -> InvokeResponse:
        """The set-up form's time-zone typeahead: Teams asks as the user types (at most 15 a time)."""
        value = turn_context.activity.value
        if not isinstance(value, dict) or not isinstance(value.get("queryText", ""), str):
            raise BadInvoke("A typeahead search needs its query text.")
        skip, count = window(value, "top", project_cards.MAX_ZONE_RESULTS)
        found = (project_cards.zone_matches(value.get("queryText", ""), skip, count)
                 if value.get("dataset") == project_cards.TIME_ZONE_DATASET else [])
        return answered({"type": "application/vnd.microsoft.search.searchResponse", "value": {"results": found}})

    async def start(self, turn_context: TurnContext) -> tuple[Optional[str], dict]:
        """Whether the caller may open the set-up form and, if so, what it starts with:
        (a refusal, {}) or (None, the form's first values), from one read of the project."""
        project, roster = await project_and_roster(self.services.store, project_key(turn_context.activity))
        if project and not people.is_admin(project, roster, actor(turn_context.activity)["aadObjectId"]):
            return t("dialogs.setup.admins_only"), {}
        if not project:
            # Teams sends the user's own time zone with each message: a good first guess for the team's.
            local = turn_context.activity.local_timezone or ""
            return None, {"timeZone": local if local in time_zones() else "UTC", "phase": "initiate"}
        return None, {k: project.get(k, "") for k in ("name", "customer", "partner", "goLive", "phase", "timeZone")} | {
            "products": ",".join(project.get("products", [])), "editing": True}

    async def validate(self, turn_context: TurnContext, answers: dict) -> ProjectDetails:
        refusal, _ = await self.start(turn_context)
        if refusal:
            raise Refused(refusal)
        try:
            return project_from_answers(answers, today=self.services.today(), valid_time_zones=time_zones())
        except FormError as error:
            raise InvalidAnswers(error.errors) from None

    async def save(self, turn_context: TurnContext, details: ProjectDetails) -> tuple[dict, bool]:
        """Create the team's project, or edit it: never a second one."""
        activity, store = turn_context.activity, self.services.store
        project_id = project_key(activity)
        now = self.services.clock().isoformat()
        fields = {
            "name": details.name, "customer": details.customer, "partner": details.partner,
            "products": list(details.products), "goLive": details.go_live.isoformat(), "phase": details.phase,
            "timeZone": details.time_zone, "updatedAt": now,
            # Kept so the bot can post in this conversation later without being spoken to.
            "conversationReference": TurnContext.get_conversation_reference(activity).serialize(),
        }
        if activity.locale:  # the language of whoever set up (or last edited) it: what proactive posts speak
            fields["locale"] = activity.locale
        new = {"id": PROJECT, "projectId": project_id, "type": "project", "createdAt": now,
               "createdBy": actor(activity), "locale": "", **fields}
        try:
            return await store.create(PROJECT_DATA, new), True
        except Conflict:
            saved = await update(store, PROJECT_DATA, project_id, PROJECT, lambda doc: {**doc, **fields})
            return saved, False


class SetupDialog(ComponentDialog):
    def __init__(self, setup: ProjectSetup):
        super().__init__(SetupDialog.__name__)
        self.setup = setup
        self.add_dialog(FormDialog("setup-form", project_cards.SETUP_FORM, self._render, setup.validate))
        self.add_dialog(WaterfallDialog("setup-steps", [self._ask, self._save]))
        self.initial_dialog_id = "setup-steps"

    @staticmethod
    def _render(values, errors):
        return project_cards.setup_form_card(values, errors, editing=values.get("editing") is True)

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Open the form with the values the `setup` command read along with its permission check."""
        return await step.begin_dialog("setup-form", step.options)

    async def _save(self, step: WaterfallStepContext) -> DialogTurnResult:
        project, created = await self.setup.save(step.context, step.result)
        roles_given = planned = False
        if not created:  # what is next depends on what the team has done since set-up
            store, project_id = self.setup.services.store, project["projectId"]
            roster, plan = await asyncio.gather(find(store, project_id, ROSTER), find(store, project_id, PLAN))
            roles_given = any(member.get("roles") for member in ((roster or {}).get("members") or {}).values())
            planned = plan is not None
        card = project_cards.project_saved_card(project, created=created, roles_given=roles_given, planned=planned)
        await step.context.send_activity(card_message(card))
        return await step.end_dialog(project)
