"""`roster`: the team's members (read through Teams' paged members API) with their project roles,
and the card on which admins change roles."""

from __future__ import annotations

from typing import Mapping

from botbuilder.core import TurnContext
from botbuilder.core.teams import TeamsInfo

from cards import plan_cards
from store import PROJECT_DATA, Conflict, update
from texts import t
from workshops import people, plan as plans

from .context import (PLAN, ROSTER, Outcome, Refused, Services, actor, find, project_and_roster, project_key,
                      project_or_offer_setup)
from .outcomes import append_audit
from .personal import note_joined, note_left
from .replies import card_message

MEMBER_PAGE_SIZE = 100


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
        before = await find(store, project_id, ROSTER)
        members_before = (before or {}).get("members", {})
        await note_joined(store, project_id, members_before, team)  # each person's index of their projects
        blank = {"id": ROSTER, "projectId": project_id, "type": "roster", "version": 0, "members": {}}
        if before is None:
            try:
                await store.create(PROJECT_DATA, {**blank, "members": people.merge_members({}, team)})
            except Conflict:
                pass
        saved = await update(store, PROJECT_DATA, project_id, ROSTER,
                             lambda doc: {**doc, "members": people.merge_members(doc.get("members", {}), team)},
                             current=before)
        await note_left(store, project_id, members_before, saved.get("members", {}))
        return saved

    async def missing_roles(self, project_id: str, roster: Mapping) -> tuple[list[str], bool]:
        """The mandatory roles nobody holds, of the series (or, before there is one, of every
        workshop), and whether there is a series."""
        catalog = self.services.catalog
        plan = await find(self.services.store, project_id, PLAN)
        ids = plans.included(plan) if plan else [w.id for w in catalog.workshops]
        wanted = {r for w in ids for r in catalog.get(w).mandatory}
        return people.unfilled_roles(roster, wanted), plan is not None

    async def card(self, project: dict, roster: dict, who: str, message: str = "", style: str = "Good") -> dict:
        missing, planned = await self.missing_roles(project["projectId"], roster)
        return plan_cards.roster_card(project, roster, self.services.catalog, missing_roles=missing,
                                      editable=people.is_admin(project, roster, who), message=message,
                                      message_style=style, planned=planned)

    async def save_roles(self, turn_context: TurnContext, _verb: str, data: Mapping) -> Outcome:
        """Apply what the admin changed on this card (people.edit_roster), audit it, and answer with
        the roster as it is now, saying when it had changed meanwhile."""
        project_id = project_key(turn_context.activity)
        store = self.services.store
        project, roster = await project_and_roster(store, project_id)
        by = actor(turn_context.activity)
        who = by["aadObjectId"]
        if not project or not roster:
            raise Refused(t("dialogs.roster.no_roster"))
        if not people.is_admin(project, roster, who):
            raise Refused(t("dialogs.roster.admins_only"))
        if not isinstance(data.get("shown"), Mapping):
            # A card from before cards said what they showed: saving it could undo others' changes.
            out_of_date = t("dialogs.roster.out_of_date")
            return Outcome(await self.card(project, roster, who, out_of_date, "Warning"), out_of_date)
        data, grant_problem = people.with_grant(data, roster.get("members") or {})
        edits: list[people.RosterEdit] = []

        def apply(doc: dict) -> dict:
            edits.append(people.edit_roster(doc, data, who))
            if not edits[-1].changed:
                raise _Unchanged()
            return edits[-1].roster

        try:
            saved = await update(store, PROJECT_DATA, project_id, ROSTER, apply, current=roster)
        except _Unchanged:
            saved = edits[-1].roster
        edit = edits[-1]
        if edit.changed:
            label = self.services.catalog.role_label
            await append_audit(store, project_id, ROSTER, by, self.services.clock(),
                               [people.describe_role_change(c, label) for c in edit.changed])
        message = " ".join(filter(None, [_saved_message(edit), grant_problem]))
        style = "Warning" if edit.refused or edit.stale or grant_problem else "Good"
        return Outcome(await self.card(project, saved, who, message, style), message, changed=bool(edit.changed))


def _saved_message(edit: people.RosterEdit) -> str:
    parts = [t("dialogs.roster.saved" if edit.changed else "dialogs.roster.unchanged"), *edit.refused]
    if edit.stale:
        parts.append(t("dialogs.roster.changed_meanwhile" if edit.changed else "dialogs.roster.changed_since_shown"))
    if edit.overlaps:
        parts.append(t("dialogs.roster.both_changed", people=", ".join(edit.overlaps)))
    return " ".join(parts)


class _Unchanged(Exception):
    """Nothing on the card differs from what it showed: there is nothing to write."""
