"""`outcomes <workshop>`: the capture card (summary, decisions, findings, recommendations, action
items and the workshop's own fields), its save with an audit record, the summary posted in the
workshop's thread, and closing the workshop."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Mapping, Optional

from botbuilder.core import TurnContext

from cards import outcome_cards
from store import PROJECT_DATA, Conflict, DocumentStore, update
from texts import speaking, t
from workshops import agenda, lifecycle, outcomes, people
from workshops.project import team_zone

from .context import (Outcome, Refused, Services, Stale, actor, answer, find, load_session, project_or_offer_setup,
                      session_acted_on, session_named)
from . import digest
from .replies import card_message

VERBS = ("outcome.save", "session.close")
SUMMARY = "outcome-summary"  # outbox work: post the outcomes' summary in the workshop's thread


async def append_audit(store: DocumentStore, project_id: str, record: str, by: dict, now: datetime,
                       changes: list) -> None:
    """One entry of the project's append-only audit trail: who changed which record, when, and how."""
    await store.create(PROJECT_DATA, {
        "id": f"audit:{now.isoformat()}:{uuid.uuid4().hex[:6]}", "projectId": project_id, "type": "audit",
        "record": record, "at": now.isoformat(), "by": by, "changes": changes})


async def write_outcome(store: DocumentStore, project_id: str, workshop_id: str, previous: Optional[Mapping],
                        content: Mapping, by: dict, now: datetime, changes: list) -> dict:
    """Store the outcome's next version over `previous` (ETag-guarded: Conflict if it changed since),
    audit it, copy the covered topics onto the session (its agenda card shows them), and make the
    project's overdue digest due by its first overdue action. The capture card
    and the meeting's side panel both write through here."""
    version = (previous or {}).get("version", 0) + 1
    outcome_id = outcomes.outcome_id(workshop_id)
    doc = {**(previous or {}), **content, "id": outcome_id, "projectId": project_id, "type": "outcome",
           "workshopId": workshop_id, "version": version, "updatedAt": now.isoformat(), "updatedBy": by}
    if previous:
        saved = await store.replace(PROJECT_DATA, doc, previous["_etag"])
    else:
        saved = await store.create(PROJECT_DATA, {**doc, "recordedAt": now.isoformat(), "recordedBy": by})
    await append_audit(store, project_id, outcome_id, by, now, changes)
    if content["covered"] != (previous or {}).get("covered", []):  # the agenda card ticks them off
        await update(store, PROJECT_DATA, project_id, agenda.session_id(workshop_id),
                     lambda doc: {**doc, "covered": content["covered"]})
    await digest.register(store, project_id, content["actions"])  # the daily overdue digest
    return saved


class Outcomes:
    def __init__(self, services: Services):
        self.services = services
        self.store, self.catalog, self.clock = services.store, services.catalog, services.clock
        self.commands = {"outcomes": self.command}
        self.card_actions = dict.fromkeys(VERBS, self.act)
        services.outbox.handle(SUMMARY, self._post_summary)

    async def command(self, turn_context: TurnContext, name: str) -> None:
        project = await project_or_offer_setup(self.services, turn_context, "outcomes")
        if project:
            await answer(turn_context, lambda: self.form(turn_context, project, name))

    async def form(self, turn_context: TurnContext, project: Mapping, name: str) -> dict:
        session, roster, workshop = await session_named(self.services, project, name, "outcomes")
        if not people.is_lead(project, roster, actor(turn_context.activity)["aadObjectId"]):
            raise Refused(t("dialogs.attendance.leads_only"))
        outcome = await find(self.store, project["projectId"], outcomes.outcome_id(workshop.id))
        return outcome_cards.outcome_form_card(project, session, workshop, roster, outcome)

    async def act(self, turn_context: TurnContext, verb: str, data: Mapping) -> Outcome:
        project, session, roster, workshop = await session_acted_on(self.services, turn_context, data)
        project_id = project["projectId"]
        if not people.is_lead(project, roster, actor(turn_context.activity)["aadObjectId"]):
            raise Refused(t("dialogs.attendance.leads_only"))
        if verb == "session.close":
            return await self._close(project, session, roster, workshop, actor(turn_context.activity))
        try:
            return await self._save(turn_context, project, session, roster, workshop, data)
        except (Stale, Conflict):
            current = await find(self.store, project_id, outcomes.outcome_id(workshop.id))
            card = outcome_cards.outcome_form_card(project, session, workshop, roster, current, {
                "form": t("dialogs.outcomes.saved_meanwhile")})
            return Outcome(card, t("dialogs.outcomes.changed_meanwhile"))

    async def _close(self, project, session, roster, workshop, by) -> Outcome:
        """Closing is one-way, so a second press (or a stale card) changes nothing and says who closed it."""
        project_id, now = project["projectId"], self.clock()

        def close(doc: dict) -> dict:
            if doc["status"] == agenda.CLOSED:
                raise Stale()
            verdict = lifecycle.check(doc, now, lifecycle.CLOSE, title=workshop.title, tz=team_zone(project))
            if not verdict.allowed:
                raise Refused(verdict.message)
            return {**doc, "status": agenda.CLOSED, "closedBy": by, "closedAt": now.isoformat()}

        try:
            saved = await update(self.store, PROJECT_DATA, project_id, session["id"], close, current=session)
            changed = True
            message = t("dialogs.outcomes.engagement_closed" if workshop.closes_engagement
                        else "dialogs.outcomes.closed")
        except Stale:
            saved, changed = await find(self.store, project_id, session["id"]), False
            closer = (saved.get("closedBy") or {}).get("name")
            message = (t("dialogs.outcomes.already_closed_by", by=closer, on=saved.get("closedAt", "")[:10]) if closer
                       else t("dialogs.outcomes.already_closed"))
        outcome = await find(self.store, project_id, outcomes.outcome_id(workshop.id))
        card = outcome_cards.outcome_summary_card(project, saved, workshop, self.catalog, roster, outcome,
                                                  message=message)
        return Outcome(card, message, changed=changed)

    async def _save(self, turn_context, project, session, roster, workshop, data) -> Outcome:
        project_id, by, now = project["projectId"], actor(turn_context.activity), self.clock()
        previous = await find(self.store, project_id, outcomes.outcome_id(workshop.id))
        if data.get("version") != (previous or {}).get("version", 0):
            raise Stale()
        topic_ids = [t["id"] for t in session["topics"]]
        try:
            content = outcomes.parse_outcome(data, workshop.id, topic_ids, roster, previous, now.date())
        except outcomes.OutcomeError as error:
            card = outcome_cards.outcome_form_card(project, session, workshop, roster, previous, error.errors, data)
            return Outcome(card, t("dialogs.outcomes.fix_fields"))
        verdict = lifecycle.check(session, now, lifecycle.OUTCOMES, title=workshop.title, tz=team_zone(project),
                                  confirmed=data.get("confirmed") in (True, "true"))
        if verdict.confirm:  # before the start: asked, with everything as typed
            card = outcome_cards.outcome_form_card(project, session, workshop, roster, previous, values=data,
                                                   question=verdict.message)
            return Outcome(card, verdict.message)
        if not verdict.allowed:
            raise Refused(verdict.message)
        changed = outcomes.changes(previous, content)
        if previous and not changed:
            unchanged = t("dialogs.outcomes.unchanged")
            return Outcome(outcome_cards.outcome_form_card(project, session, workshop, roster, previous,
                                                           {"form": unchanged}), unchanged)
        version = (previous or {}).get("version", 0) + 1
        outcome_id = outcomes.outcome_id(workshop.id)
        # Recorded before the save, so a failed post (or a crash) after it is finished later.
        thread = session.get("conversationReference") or TurnContext.get_conversation_reference(
            turn_context.activity).serialize()
        summary_post = await self.services.outbox.add(SUMMARY, project_id, f"{workshop.id}|{version}", {
            "workshopId": workshop.id, "reference": thread}, after=(outcome_id, version))
        saved = await write_outcome(self.store, project_id, workshop.id, previous, content, by, now,
                                    changed if previous else ["recorded the outcomes"])
        if session["status"] not in (agenda.HELD, agenda.CLOSED):
            session = await update(self.store, PROJECT_DATA, project_id, session["id"],
                                   lambda s: {**s, "status": agenda.HELD} if s["status"] != agenda.CLOSED else s)
        message = t("dialogs.outcomes.updated" if previous else "dialogs.outcomes.recorded")
        if not await self.services.outbox.run(summary_post):
            message += " " + t("dialogs.outcomes.summary_later")
        return Outcome(outcome_cards.outcome_summary_card(project, session, workshop, self.catalog, roster, saved,
                                                          message=message), message, changed=False)

    async def _post_summary(self, record: dict) -> None:
        """Outbox work: the summary of the outcomes as they are now, in the workshop's thread."""
        project_id, workshop = record["project"], self.catalog.get(record["args"]["workshopId"])
        project, session, roster = await load_session(self.store, self.catalog, project_id, workshop.id)
        outcome = await find(self.store, project_id, outcomes.outcome_id(workshop.id))
        if not (project and session and outcome):
            return  # the workshop is gone: nothing to post
        with speaking(project.get("locale")):
            card = outcome_cards.outcome_summary_card(project, session, workshop, self.catalog, roster, outcome)
        await self.services.messenger.post(record["args"]["reference"], card_message(card))
