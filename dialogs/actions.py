"""`actions [mine|all|overdue]` with a Done button for the owner or a lead, `status` (the series,
coverage, open risks and issues, overdue actions, go-live readiness) and `export` (signed links)."""

from __future__ import annotations

from typing import Mapping

from botbuilder.core import TurnContext

from cards import outcome_cards
from store import PROJECT_DATA, update
from tabs.links import export_links
from texts import t
from workshops import outcomes, people
from workshops.status import project_status

from .context import (PLAN, PROJECT, ROSTER, Outcome, Refused, Services, Stale, actor, answer, find, project_key,
                      project_or_offer_setup)
from .outcomes import append_audit
from .replies import card_message

SCOPES = ("mine", "all", "overdue")


class Actions:
    def __init__(self, services: Services):
        self.services = services
        self.store, self.catalog, self.clock = services.store, services.catalog, services.clock
        self.commands = {"actions": self.actions_command, "status": self.status_command,
                         "export": self.export_command}
        self.card_actions = {"action.done": self.complete, "actions.refresh": self.refresh}

    async def actions_command(self, turn_context: TurnContext, scope: str) -> None:
        project = await project_or_offer_setup(self.services, turn_context, "actions")
        if project:
            await answer(turn_context, lambda: self.card(turn_context, project, scope.lower()))

    async def status_command(self, turn_context: TurnContext, _argument: str) -> None:
        project = await project_or_offer_setup(self.services, turn_context, "status")
        if project:
            status = await self.status(project)
            await turn_context.send_activity(card_message(outcome_cards.status_card(project, status, self.catalog)))

    async def export_command(self, turn_context: TurnContext, _argument: str) -> None:
        project = await project_or_offer_setup(self.services, turn_context, "export")
        if project:
            links = export_links(self.services.settings, project)
            await turn_context.send_activity(card_message(outcome_cards.export_card(project, links)))

    async def _outcomes(self, project_id: str) -> list[dict]:
        return await self.store.query(PROJECT_DATA, project_id, doc_type="outcome")

    async def card(self, turn_context: TurnContext, project: Mapping, scope: str, message: str = "") -> dict:
        return (await self.cards(turn_context, project, scope, message))[0]

    async def cards(self, turn_context: TurnContext, project: Mapping, scope: str,
                    message: str = "") -> tuple[dict, dict]:
        """The list as it is now: for the person acting (their Done buttons), and for everyone else
        (no buttons: Teams asks each person who can act for their own, through `refresh`)."""
        scope = scope if scope in SCOPES else "mine"
        roster = await find(self.store, project["projectId"], ROSTER) or {}
        by = actor(turn_context.activity)
        every = outcomes.open_items(await self._outcomes(project["projectId"]), self.clock().date())["actions"]
        items = sorted((a for a in every if scope == "all" or (scope == "mine" and a["owner"] == by["aadObjectId"])
                        or (scope == "overdue" and a["overdue"])), key=lambda a: a["due"])
        members = roster.get("members") or {}
        can_act = [a["owner"] for a in every] + [aad for aad in members if people.is_lead(project, roster, aad)]
        user_ids = list(dict.fromkeys(members[aad]["userId"] for aad in can_act if members.get(aad, {}).get("userId")))

        def render(viewer: str, can_complete_any: bool, owner: str = "") -> dict:
            return outcome_cards.actions_card(project, items, self.catalog, roster, scope=scope, viewer=viewer,
                                              can_complete_any=can_complete_any, message=message,
                                              refresh_user_ids=user_ids, owner_name=owner)

        mine = render(by["aadObjectId"], people.is_lead(project, roster, by["aadObjectId"]))
        return mine, render("", False, by["name"] if scope == "mine" else "")

    async def refresh(self, turn_context: TurnContext, _verb: str, data: Mapping) -> Outcome:
        """Teams asks for this viewer's own card (refresh.userIds): the list as it is now, their buttons."""
        project = await find(self.store, project_key(turn_context.activity), PROJECT)
        if not project:
            raise Refused(t("dialogs.actions.no_project"))
        return Outcome(await self.card(turn_context, project, str(data.get("scope") or "mine")))

    async def complete(self, turn_context: TurnContext, _verb: str, data: Mapping) -> Outcome:
        project_id = project_key(turn_context.activity)
        project = await find(self.store, project_id, PROJECT)
        roster = await find(self.store, project_id, ROSTER) or {}
        by, now = actor(turn_context.activity), self.clock()
        workshop_id, action_id = data.get("workshopId"), data.get("actionId")
        outcome = await find(self.store, project_id, outcomes.outcome_id(workshop_id)) if (
            project and isinstance(workshop_id, str) and workshop_id in self.catalog) else None
        action = next((a for a in (outcome or {}).get("actions", []) if a["id"] == action_id), None)
        if not action:
            raise Refused(t("dialogs.actions.gone"))
        if action["owner"] != by["aadObjectId"] and not people.is_lead(project, roster, by["aadObjectId"]):
            raise Refused(t("dialogs.actions.owner_or_lead"))

        def complete(doc: dict) -> dict:
            current = next((a for a in doc.get("actions", []) if a["id"] == action_id), None)
            if not current or current.get("done"):
                raise Stale()  # done (or removed) since it was read: marking it again would change who did it
            return outcomes.complete_action(doc, action_id, by, now.isoformat())

        def said(title: str, done_by: str = "", done_on: str = "") -> str:
            if done_by:
                return t("dialogs.actions.already_done", title=title, by=done_by, on=done_on)
            return t("dialogs.actions.done", title=title)

        words = (action["title"],)
        try:
            saved = await update(self.store, PROJECT_DATA, project_id, outcomes.outcome_id(workshop_id), complete,
                                 current=outcome)
        except Stale:
            current = await find(self.store, project_id, outcomes.outcome_id(workshop_id)) or {}
            action = next((a for a in current.get("actions", []) if a["id"] == action_id), None)
            if not action:
                raise Refused(t("dialogs.actions.gone")) from None
            done_by = (action.get("doneBy") or {}).get("name") or t("dialogs.actions.someone")
            words = (action["title"], done_by, (action.get("doneAt") or "")[:10])
        else:
            await append_audit(self.store, project_id, outcomes.outcome_id(workshop_id), by, now,
                               outcomes.changes(outcome, saved))
        card, everyone = await self.cards(turn_context, project, str(data.get("scope") or "mine"), said(*words))
        return Outcome(card, said(*words), changed=True, everyone=everyone)

    async def status(self, project: Mapping) -> dict:
        project_id = project["projectId"]
        plan = await find(self.store, project_id, PLAN)
        sessions = {s["workshopId"]: s for s in await self.store.query(PROJECT_DATA, project_id, doc_type="session")}
        roster = await find(self.store, project_id, ROSTER) or {}
        return project_status(plan, sessions, await self._outcomes(project_id), self.catalog, roster,
                              self.clock().date())
