"""`roster`: the team's members (read through Teams' paged members API) with their project roles,
and the card on which admins change roles."""

from __future__ import annotations

from typing import Mapping

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from cards import plan_cards
from store import PROJECT_DATA, Conflict, update
from workshops import people, plan as plans

from .context import (PLAN, ROSTER, Outcome, Refused, Services, actor, find, project_and_roster, project_key,
                      project_or_offer_setup)
from .replies import card_message

MEMBER_PAGE_SIZE = 100
ADMINS_ONLY = ("Only project admins (whoever set up the project, solution architects and project managers) "
               "can change roles.")


class Roster:
    def __init__(self, services: Services):
        self.services = services
        self.commands = {"roster": self.command}
        self.card_actions = {"roster.save": self.save_roles}

    async def command(self, turn_context: TurnContext, _argument: str) -> None:
        project = await project_or_offer_setup(self.services, turn_context, "roster")
        if not project:
            return
        roster = await self.sync(turn_context, project["projectId"])
        who = actor(turn_context.activity)["aadObjectId"]
        await turn_context.send_activity(card_message(await self.card(project, roster, who)))

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

    async def sync(self, turn_context: TurnContext, project_id: str) -> dict:
        """The roster with everyone now in the team added (roles kept)."""
        team, store = await self.team_members(turn_context), self.services.store
        blank = {"id": ROSTER, "projectId": project_id, "type": "roster", "members": {}}
        try:
            await store.create(PROJECT_DATA, {**blank, "members": people.merge_members({}, team)})
        except Conflict:
            pass
        return await update(store, PROJECT_DATA, project_id, ROSTER,
                            lambda doc: {**doc, "members": people.merge_members(doc.get("members", {}), team)})

    async def missing_roles(self, project_id: str, roster: Mapping) -> list[str]:
        catalog = self.services.catalog
        plan = await find(self.services.store, project_id, PLAN)
        ids = plans.included(plan) if plan else [w.id for w in catalog.workshops]
        wanted = {r for w in ids for r in catalog.get(w).mandatory}
        return people.unfilled_roles(roster, wanted)

    async def card(self, project: dict, roster: dict, who: str, message: str = "") -> dict:
        missing = await self.missing_roles(project["projectId"], roster)
        return plan_cards.roster_card(project, roster, self.services.catalog, missing_roles=missing,
                                      editable=people.is_admin(project, roster, who), message=message)

    async def save_roles(self, turn_context: TurnContext, _verb: str, data: Mapping) -> Outcome:
        project_id = project_key(turn_context.activity)
        project, roster = await project_and_roster(self.services.store, project_id)
        who = actor(turn_context.activity)["aadObjectId"]
        if not project or not roster:
            raise Refused("There is no roster yet: type roster first.")
        if not people.is_admin(project, roster, who):
            raise Refused(ADMINS_ONLY)

        def apply(doc: dict) -> dict:
            answers = people.parse_role_answers(data, doc.get("members", {}).keys())
            members = {aad: {**m, **answers[aad]} for aad, m in doc["members"].items()}
            return {**doc, "members": members}

        saved = await update(self.services.store, PROJECT_DATA, project_id, ROSTER, apply, current=roster)
        return Outcome(await self.card(project, saved, who, "Roles saved."), "Roles saved.", changed=True)
