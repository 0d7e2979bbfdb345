"""Project set-up, roster and the workshop series: the operations behind the `setup`, `roster`
and `plan` commands and their card actions. Domain rules live in `workshops/`; this module reads
what a turn needs (point reads in the project's partition), applies one rule, writes once."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Callable, Mapping, Optional

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from cards import plan_cards
from catalog import Catalog
from dialogs.forms import InvalidAnswers
from workshops import people, plan as plans
from workshops.project import FormError, ProjectDetails, project_from_answers
from workshops.recommend import AnswerError, profile_from_answers, recommend

from .context import PLAN, PROJECT, ROSTER, actor, find, project_key
from store import PROJECT_DATA, Conflict, DocumentStore, update

MEMBER_PAGE_SIZE = 100


@functools.lru_cache(maxsize=1)
def time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


class Refused(Exception):
    """The caller may not do this; the message says why, for the user."""


class Stale(Exception):
    """The card acted on is out of date; nothing was changed."""


@dataclass
class Outcome:
    """What a card action produced: the card to show now, and a short message."""

    card: dict  # for the person who acted
    message: str = ""
    changed: bool = False
    everyone: Optional[dict] = None  # the card for everyone else, when it differs from `card`


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Planning:
    def __init__(self, store: DocumentStore, catalog: Catalog, clock: Callable[[], datetime] = utc_now):
        self.store, self.catalog, self.clock = store, catalog, clock

    def today(self) -> date:
        return self.clock().date()

    async def context(self, turn_context: TurnContext) -> tuple[str, Optional[dict], dict]:
        """The project id, the project (None before setup) and the roster (empty before roster)."""
        project_id = project_key(turn_context.activity)
        project = await find(self.store, project_id, PROJECT)
        roster = (await find(self.store, project_id, ROSTER) or {}) if project else {}
        return project_id, project, roster

    # Set-up ---------------------------------------------------------------

    async def setup_refusal(self, turn_context: TurnContext) -> Optional[str]:
        refusal, _ = await self.setup_start(turn_context)
        return refusal

    async def setup_start(self, turn_context: TurnContext) -> tuple[Optional[str], dict]:
        """Whether the caller may open the set-up form and, if so, what it starts with:
        (a refusal, {}) or (None, the form's first values), from one read of the project."""
        _, project, roster = await self.context(turn_context)
        if project and not people.is_admin(project, roster, actor(turn_context.activity)["aadObjectId"]):
            return ("Only project admins (whoever set up the project, solution architects and project managers) "
                    "can edit the project."), {}
        if not project:
            # Teams sends the user's own time zone with each message: a good first guess for the team's.
            local = turn_context.activity.local_timezone or ""
            return None, {"timeZone": local if local in time_zones() else "UTC", "phase": "initiate"}
        return None, {k: project.get(k, "") for k in ("name", "customer", "partner", "goLive", "phase", "timeZone")} | {
            "products": ",".join(project.get("products", [])), "editing": True}

    async def validate_setup(self, turn_context: TurnContext, answers: dict) -> ProjectDetails:
        refusal = await self.setup_refusal(turn_context)
        if refusal:
            raise InvalidAnswers({"form": refusal})
        try:
            return project_from_answers(answers, today=self.today(), valid_time_zones=time_zones())
        except FormError as error:
            raise InvalidAnswers(error.errors) from None

    async def save_project(self, turn_context: TurnContext, details: ProjectDetails) -> tuple[dict, bool]:
        """Create the team's project, or edit it: never a second one."""
        activity = turn_context.activity
        project_id = project_key(activity)
        now = self.clock().isoformat()
        fields = {
            "name": details.name, "customer": details.customer, "partner": details.partner,
            "products": list(details.products), "goLive": details.go_live.isoformat(), "phase": details.phase,
            "timeZone": details.time_zone, "updatedAt": now,
            # Kept so the bot can post in this conversation later without being spoken to.
            "conversationReference": TurnContext.get_conversation_reference(activity).serialize(),
        }
        new = {"id": PROJECT, "projectId": project_id, "type": "project", "createdAt": now,
               "createdBy": actor(activity), **fields}
        try:
            return await self.store.create(PROJECT_DATA, new), True
        except Conflict:
            saved = await update(self.store, PROJECT_DATA, project_id, PROJECT, lambda doc: {**doc, **fields})
            return saved, False

    # Roster ---------------------------------------------------------------

    async def team_members(self, turn_context: TurnContext) -> list[dict]:
        """Everyone in the team (or chat), through Teams' paged members API."""
        members, token = [], None
        while True:
            page = await TeamsInfo.get_paged_members(turn_context, token, MEMBER_PAGE_SIZE)
            members += [{"id": m.id, "name": m.name, "aadObjectId": m.aad_object_id,
                         "email": getattr(m, "email", None) or getattr(m, "user_principal_name", None)}
                        for m in page.members or []]
            token = page.continuation_token
            if not token:
                return members

    async def sync_roster(self, turn_context: TurnContext, project_id: str) -> dict:
        team = await self.team_members(turn_context)
        blank = {"id": ROSTER, "projectId": project_id, "type": "roster", "members": {}}
        try:
            await self.store.create(PROJECT_DATA, {**blank, "members": people.merge_members({}, team)})
        except Conflict:
            pass
        return await update(self.store, PROJECT_DATA, project_id, ROSTER,
                            lambda doc: {**doc, "members": people.merge_members(doc.get("members", {}), team)})

    async def missing_roles(self, project_id: str, roster: Mapping) -> list[str]:
        plan = await find(self.store, project_id, PLAN)
        ids = plans.included(plan) if plan else [w.id for w in self.catalog.workshops]
        wanted = {r for w in ids for r in self.catalog.get(w).mandatory}
        return people.unfilled_roles(roster, wanted)

    async def roster_card(self, project: dict, roster: dict, who: str, message: str = "") -> dict:
        missing = await self.missing_roles(project["projectId"], roster)
        return plan_cards.roster_card(project, roster, self.catalog, missing_roles=missing,
                                      editable=people.is_admin(project, roster, who), message=message)

    async def save_roles(self, turn_context: TurnContext, data: Mapping) -> Outcome:
        project_id, project, roster = await self.context(turn_context)
        who = actor(turn_context.activity)["aadObjectId"]
        if not project or not roster:
            raise Refused("There is no roster yet: type roster first.")
        if not people.is_admin(project, roster, who):
            raise Refused("Only project admins (whoever set up the project, solution architects and project "
                          "managers) can change roles.")

        def apply(doc: dict) -> dict:
            answers = people.parse_role_answers(data, doc.get("members", {}).keys())
            members = {aad: {**m, **answers[aad]} for aad, m in doc["members"].items()}
            return {**doc, "members": members}

        saved = await update(self.store, PROJECT_DATA, project_id, ROSTER, apply, current=roster)
        return Outcome(await self.roster_card(project, saved, who, "Roles saved."), "Roles saved.", changed=True)

    # The series -------------------------------------------------------------

    async def plan_refusal(self, project: dict, roster: dict, who: str) -> Optional[str]:
        if not people.is_lead(project, roster, who):
            return ("Only leads, solution architects and project managers can answer the Blueprint Review "
                    "questions. Ask one of them, or have an admin give you a role with **roster**.")
        return None

    async def plan_values(self, turn_context: TurnContext) -> dict:
        project_id, project, _ = await self.context(turn_context)
        plan = await find(self.store, project_id, PLAN)
        if plan:
            return dict(plan.get("answers", {}))
        return {"products": ",".join(project.get("products", [])), "go_live": project.get("goLive", "")}

    async def validate_plan(self, turn_context: TurnContext, answers: dict) -> dict:
        _, project, roster = await self.context(turn_context)
        refusal = await self.plan_refusal(project or {}, roster, actor(turn_context.activity)["aadObjectId"])
        if refusal or not project:
            raise InvalidAnswers({"form": refusal or "Set up the project first."})
        plain = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in answers.items()
                 if isinstance(v, (str, int, float, bool))}
        try:
            profile_from_answers(plain, today=self.today())
        except AnswerError as error:
            raise InvalidAnswers(error.errors) from None
        return plain

    async def save_plan(self, turn_context: TurnContext, answers: dict) -> dict:
        project_id = project_key(turn_context.activity)
        profile = profile_from_answers(answers, today=self.today())
        recommendations = recommend(profile, self.catalog, today=self.today())
        by, now = actor(turn_context.activity), self.clock()
        first = plans.new_plan(project_id, recommendations, answers, by, now)
        try:
            return await self.store.create(PROJECT_DATA, first)
        except Conflict:
            return await update(self.store, PROJECT_DATA, project_id, PLAN,
                                lambda doc: plans.new_plan(project_id, recommendations, answers, by, now, doc))

    async def plan_card(self, project: dict, plan: dict, message: str = "", style: str = "Good") -> dict:
        return plan_cards.plan_card(project, plan, self.catalog, message=message, message_style=style)

    async def act(self, turn_context: TurnContext, verb: str, data: Mapping) -> Outcome:
        if verb == "roster.save":
            return await self.save_roles(turn_context, data)
        return await self.act_on_plan(turn_context, verb, data)

    async def act_on_plan(self, turn_context: TurnContext, verb: str, data: Mapping) -> Outcome:
        """Approve or change the series from its card, guarded by the version the card showed."""
        project_id, project, roster = await self.context(turn_context)
        plan = await find(self.store, project_id, PLAN) if project else None
        if not plan:
            raise Refused("There is no plan yet: type plan to answer the Blueprint Review questions.")
        by = actor(turn_context.activity)
        if verb == "plan.approve" and not people.can_approve(roster, by["aadObjectId"]):
            raise Refused("Only a solution architect can approve the series.")
        if verb == "plan.change" and not people.is_lead(project, roster, by["aadObjectId"]):
            raise Refused("Only leads, solution architects and project managers can change the series.")
        shown_version = data.get("version")
        now = self.clock()

        def apply(doc: dict) -> dict:
            if shown_version != doc.get("version"):
                raise Stale()
            if verb == "plan.approve":
                return plans.approve(doc, by, now)
            include = data.get("include")
            if include not in ("add", "remove") or not isinstance(data.get("workshopId"), str):
                raise plans.PlanError("Choose a workshop and whether to add or remove it.")
            return plans.change(doc, data["workshopId"], include == "add", str(data.get("reason") or ""), by, now)

        try:
            saved = await update(self.store, PROJECT_DATA, project_id, PLAN, apply, current=plan)
        except Stale:
            current = await find(self.store, project_id, PLAN)
            message = "This card was out of date, so nothing changed. Here is the series as it is now."
            return Outcome(await self.plan_card(project, current, message, "Warning"), message)
        except plans.PlanError as error:
            return Outcome(await self.plan_card(project, plan, str(error), "Attention"), str(error))
        message = "Series approved." if verb == "plan.approve" else "Series changed: it needs approval again."
        return Outcome(await self.plan_card(project, saved, message), message, changed=True)
