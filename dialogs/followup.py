"""After a workshop: check-in and attendance, outcomes with their audit trail, open actions,
the project status, and exports. Domain rules live in workshops/; this module reads, applies
one rule, writes once."""

from __future__ import annotations

import logging
import uuid
from typing import Callable, Mapping
from urllib.parse import quote

from botbuilder.core import TurnContext
from botbuilder.schema import ConversationReference

from cards import outcome_cards
from catalog import Catalog
from workshops import agenda, attendance, outcomes, people
from workshops.status import project_status

from graph.client import GraphUnavailable
from .replies import card_message
from .planning import Outcome, Refused, Stale, utc_now
from .context import PLAN, actor, find, project_key
from tabs.signing import sign, verify
from store import PROJECT_DATA, Conflict, DocumentStore, update

log = logging.getLogger(__name__)

EXPORT_SECONDS = 24 * 3600
DIGESTS = "digests"  # the partition with one record per project that has action items
EXPORTS = {"findings.csv": "Findings (CSV)", "actions.csv": "Actions (CSV)", "outcomes.md": "Outcomes (Markdown)"}
LEADS_ONLY = "Only leads, solution architects and project managers can record attendance and outcomes."


class FollowUp:
    def __init__(self, store: DocumentStore, catalog: Catalog, settings, clock: Callable = utc_now, graph=None):
        self.store, self.catalog, self.settings, self.clock, self.graph = store, catalog, settings, clock, graph

    async def _load(self, project_id: str, workshop_id: object):
        """The project, a known workshop's session (None when not opened yet) and the roster."""
        project = await find(self.store, project_id, "project")
        known = workshop_id in self.catalog
        session = await find(self.store, project_id, agenda.session_id(workshop_id)) if project and known else None
        roster = await find(self.store, project_id, "roster") or {}
        return project, session, roster

    def _workshop_or_refuse(self, name: str, command: str):
        workshop = self.catalog.find(name) if name else None
        if workshop is None:
            raise Refused(f"Which workshop? For example: **{command} cutover**." if not name else
                          f"I don't know a workshop called “{name[:60]}”. Type **workshops** to see them all.")
        return workshop

    async def _session_or_refuse(self, turn_context: TurnContext, name: str, command: str):
        workshop = self._workshop_or_refuse(name, command)
        project, session, roster = await self._load(project_key(turn_context.activity), workshop.id)
        if not session:
            raise Refused(f"{workshop.title} has no agenda yet. Open it with **agenda {workshop.id}** first.")
        return project, session, roster, workshop

    # Check-in and attendance -------------------------------------------------

    async def checkin(self, turn_context: TurnContext, name: str) -> str:
        project_id = project_key(turn_context.activity)
        now = self.clock()
        if name:
            _, session, _, workshop = await self._session_or_refuse(turn_context, name, "checkin")
        else:
            running = [s for s in await self.store.query(PROJECT_DATA, project_id, doc_type="session")
                       if attendance.running(s, now)]
            if not running:
                return "No workshop is running right now. To check in to one, say **checkin <workshop>**."
            session, workshop = running[0], self.catalog.get(running[0]["workshopId"])
        who = actor(turn_context.activity)
        saved = await update(self.store, PROJECT_DATA, project_id, session["id"],
                             lambda doc: attendance.check_in(doc, who, now))
        mark = saved["attendance"][who["aadObjectId"]]
        return f"Checked in to {workshop.title}: {attendance.STATUSES[mark['status']].lower()} since {mark['at'][11:16]} UTC."

    async def attendance_card(self, turn_context: TurnContext, name: str, message: str = "") -> dict:
        project, session, roster, workshop = await self._session_or_refuse(turn_context, name, "attendance")
        who = actor(turn_context.activity)["aadObjectId"]
        return self._attendance(project, session, roster, workshop, who, message)

    def _attendance(self, project, session, roster, workshop, who, message="", style="Good") -> dict:
        can_import = bool(self.graph and (session.get("meeting") or {}).get("id"))
        return outcome_cards.attendance_card(project, session, workshop, self.catalog, roster,
                                             editable=people.is_lead(project, roster, who), can_import=can_import,
                                             message=message, style=style)

    # Outcomes -----------------------------------------------------------------

    async def outcome_form(self, turn_context: TurnContext, name: str) -> dict:
        project, session, roster, workshop = await self._session_or_refuse(turn_context, name, "outcomes")
        if not people.is_lead(project, roster, actor(turn_context.activity)["aadObjectId"]):
            raise Refused(LEADS_ONLY)
        outcome = await find(self.store, project["projectId"], outcomes.outcome_id(workshop.id))
        return outcome_cards.outcome_form_card(project, session, workshop, roster, outcome)

    async def _save_outcome(self, turn_context, project, session, roster, workshop, data) -> Outcome:
        project_id, by, now = project["projectId"], actor(turn_context.activity), self.clock()
        previous = await find(self.store, project_id, outcomes.outcome_id(workshop.id))
        if data.get("version") != (previous or {}).get("version", 0):
            raise Stale()
        topic_ids = [t["id"] for t in session["topics"]]
        try:
            content = outcomes.parse_outcome(data, workshop.id, topic_ids, roster, previous, now.date())
        except outcomes.OutcomeError as error:
            card = outcome_cards.outcome_form_card(project, session, workshop, roster, previous, error.errors)
            return Outcome(card, "Please fix the fields marked on the form.")
        changed = outcomes.changes(previous, content)
        if previous and not changed:
            return Outcome(outcome_cards.outcome_form_card(project, session, workshop, roster, previous,
                                                           {"form": "Nothing changed."}), "Nothing changed.")
        doc = {**(previous or {}), **content, "id": outcomes.outcome_id(workshop.id), "projectId": project_id,
               "type": "outcome", "workshopId": workshop.id, "version": (previous or {}).get("version", 0) + 1,
               "updatedAt": now.isoformat(), "updatedBy": by}
        if previous:
            saved = await self.store.replace(PROJECT_DATA, doc, previous["_etag"])
        else:
            saved = await self.store.create(PROJECT_DATA, {**doc, "recordedAt": now.isoformat(), "recordedBy": by})
        await self.store.create(PROJECT_DATA, {
            "id": f"audit:{now.isoformat()}:{uuid.uuid4().hex[:6]}", "projectId": project_id, "type": "audit",
            "record": outcomes.outcome_id(workshop.id), "at": now.isoformat(), "by": by,
            "changes": changed if previous else ["recorded the outcomes"]})
        if content["actions"] and not (previous or {}).get("actions"):
            # Registers the project for the daily overdue digest (read from one partition).
            try:
                await self.store.create(PROJECT_DATA, {"id": f"digest|{project_id}", "projectId": DIGESTS,
                                                       "type": "digest", "project": project_id, "lastSentOn": None})
            except Conflict:
                pass  # already registered by another workshop's actions
        if session["status"] not in (agenda.HELD, agenda.CLOSED):
            session = await update(self.store, PROJECT_DATA, project_id, session["id"],
                                   lambda s: {**s, "status": agenda.HELD} if s["status"] != agenda.CLOSED else s)
        summary = outcome_cards.outcome_summary_card(project, session, workshop, self.catalog, roster, saved)
        await self._post_in_thread(turn_context, session, summary)
        message = "Outcomes recorded." if not previous else "Outcomes updated."
        return Outcome(outcome_cards.outcome_summary_card(project, session, workshop, self.catalog, roster, saved,
                                                          message=message), message, changed=False)

    async def _post_in_thread(self, turn_context: TurnContext, session: Mapping, card: dict) -> None:
        """The summary goes to the workshop's thread (where its agenda was posted), else here."""
        reference = session.get("conversationReference")
        if not reference or reference.get("conversation", {}).get("id") == turn_context.activity.conversation.id:
            await turn_context.send_activity(card_message(card))
            return

        async def post(proactive: TurnContext) -> None:
            await proactive.send_activity(card_message(card))

        await turn_context.adapter.continue_conversation(ConversationReference().deserialize(reference), post,
                                                         self.settings.app_id or None)

    # Card actions ---------------------------------------------------------------

    async def act(self, turn_context: TurnContext, verb: str, data: Mapping) -> Outcome:
        project_id = project_key(turn_context.activity)
        project, session, roster = await self._load(project_id, data.get("workshopId"))
        if not session:
            raise Refused("That workshop has no agenda any more. Open it with **agenda <workshop>**.")
        workshop = self.catalog.get(session["workshopId"])
        who = actor(turn_context.activity)
        now = self.clock()
        if verb == "attendance.checkin":
            saved = await update(self.store, PROJECT_DATA, project_id, session["id"],
                                 lambda doc: attendance.check_in(doc, who, now), current=session)
            return Outcome(self._attendance(project, saved, roster, workshop, who["aadObjectId"], "You're checked in."),
                           "You're checked in.", changed=True,
                           everyone=self._attendance(project, saved, roster, workshop, ""))
        if verb == "action.done":
            return await self._complete_action(turn_context, project, roster, data)
        if not people.is_lead(project, roster, who["aadObjectId"]):
            raise Refused(LEADS_ONLY)
        if verb == "attendance.save":
            saved = await update(self.store, PROJECT_DATA, project_id, session["id"],
                                 lambda doc: attendance.mark(doc, data, roster, now), current=session)
            card = self._attendance(project, saved, roster, workshop, who["aadObjectId"], "Attendance saved.")
            return Outcome(card, "Attendance saved.", changed=True)
        if verb == "attendance.import":
            return await self._import(project, session, roster, workshop, who["aadObjectId"])
        if verb == "session.close":
            if session["status"] != agenda.HELD:
                raise Refused("Only a held workshop (with its outcomes recorded) can be closed.")
            saved = await update(self.store, PROJECT_DATA, project_id, session["id"],
                                 lambda doc: {**doc, "status": agenda.CLOSED})
            outcome = await find(self.store, project_id, outcomes.outcome_id(workshop.id))
            message = ("Post go-live is closed: the engagement is complete." if workshop.closes_engagement
                       else "Workshop closed.")
            card = outcome_cards.outcome_summary_card(project, saved, workshop, self.catalog, roster, outcome,
                                                      message=message)
            return Outcome(card, message, changed=True)
        try:
            return await self._save_outcome(turn_context, project, session, roster, workshop, data)
        except (Stale, Conflict):
            current = await find(self.store, project_id, outcomes.outcome_id(workshop.id))
            card = outcome_cards.outcome_form_card(project, session, workshop, roster, current, {
                "form": "Someone saved these outcomes since this form was opened. Here they are now; "
                        "make your change again."})
            return Outcome(card, "The outcomes changed meanwhile.")

    async def _import(self, project, session, roster, workshop, who) -> Outcome:
        meeting = session.get("meeting") or {}
        if not self.graph or not meeting.get("id"):
            raise Refused("This workshop has no Teams meeting the bot created, so there is no attendance report to "
                          "import. Mark attendance on the card instead.")
        try:
            records = await self.graph.attendance_reports(meeting["tenant"], meeting["organizer"], meeting["id"])
        except GraphUnavailable as error:
            return Outcome(self._attendance(project, session, roster, workshop, who, str(error), "Attention"),
                           str(error))
        saved = await update(self.store, PROJECT_DATA, project["projectId"], session["id"],
                             lambda doc: attendance.import_report(doc, records, roster))
        message = f"Imported {len(records)} attendance records from the Teams meeting."
        return Outcome(self._attendance(project, saved, roster, workshop, who, message), message, changed=True)

    # Actions, status and export ----------------------------------------------------

    async def _outcomes(self, project_id: str) -> list[dict]:
        return await self.store.query(PROJECT_DATA, project_id, doc_type="outcome")

    async def actions_card(self, turn_context: TurnContext, project: Mapping, scope: str, message: str = "") -> dict:
        scope = scope if scope in ("mine", "all", "overdue") else "mine"
        roster = await find(self.store, project["projectId"], "roster") or {}
        who = actor(turn_context.activity)["aadObjectId"]
        items = outcomes.open_items(await self._outcomes(project["projectId"]), self.clock().date())["actions"]
        if scope == "mine":
            items = [a for a in items if a["owner"] == who]
        elif scope == "overdue":
            items = [a for a in items if a["overdue"]]
        items.sort(key=lambda a: a["due"])
        return outcome_cards.actions_card(project, items, self.catalog, roster, scope=scope, viewer=who,
                                          can_complete_any=people.is_lead(project, roster, who), message=message)

    async def _complete_action(self, turn_context, project, roster, data) -> Outcome:
        by, now = actor(turn_context.activity), self.clock()
        workshop_id, action_id = data.get("workshopId"), data.get("actionId")
        outcome = await find(self.store, project["projectId"], outcomes.outcome_id(workshop_id))
        action = next((a for a in (outcome or {}).get("actions", []) if a["id"] == action_id), None)
        if not action:
            raise Refused("That action no longer exists.")
        if action["owner"] != by["aadObjectId"] and not people.is_lead(project, roster, by["aadObjectId"]):
            raise Refused("Only the action's owner or a lead can mark it done.")
        if not action.get("done"):
            before = outcome
            saved = await update(self.store, PROJECT_DATA, project["projectId"], outcomes.outcome_id(workshop_id),
                                 lambda doc: outcomes.complete_action(doc, action_id, by, now.isoformat()))
            await self.store.create(PROJECT_DATA, {
                "id": f"audit:{now.isoformat()}:{uuid.uuid4().hex[:6]}", "projectId": project["projectId"],
                "type": "audit", "record": outcomes.outcome_id(workshop_id), "at": now.isoformat(), "by": by,
                "changes": outcomes.changes(before, saved)})
        card = await self.actions_card(turn_context, project, str(data.get("scope") or "mine"),
                                       f"Done: {action['title']}")
        return Outcome(card, f"Done: {action['title']}", changed=True)

    async def status(self, project: Mapping) -> dict:
        project_id = project["projectId"]
        plan = await find(self.store, project_id, PLAN)
        sessions = {s["workshopId"]: s for s in await self.store.query(PROJECT_DATA, project_id, doc_type="session")}
        roster = await find(self.store, project_id, "roster") or {}
        return project_status(plan, sessions, await self._outcomes(project_id), self.catalog, roster,
                              self.clock().date())

    def export_links(self, project_id: str) -> dict[str, str]:
        token = sign(self.settings.signing_secret, f"export|{project_id}", EXPORT_SECONDS)
        return {title: f"{self.settings.base_url}/export/{quote(project_id, safe='')}/{name}?token={quote(token)}"
                for name, title in EXPORTS.items()}

    async def export(self, project_id: str, name: str, token: object) -> tuple[int, str, str]:
        """(status, content type, body) for a signed export link."""
        if name not in EXPORTS or not verify(self.settings.signing_secret, f"export|{project_id}", token):
            return 403, "", "This export link is not valid or has expired. Type export for a new one."
        project = await find(self.store, project_id, "project")
        if not project:
            return 404, "", "There is no such project."
        roster = await find(self.store, project_id, "roster") or {}
        names = {aad: m.get("name", "") for aad, m in (roster.get("members") or {}).items()}
        docs = sorted(await self._outcomes(project_id), key=lambda o: o["workshopId"])
        title = lambda o: self.catalog.get(o["workshopId"]).title  # noqa: E731
        if name == "findings.csv":
            rows = [{"workshop": title(o), **f, "open": "yes" if f.get("open", True) else "no"}
                    for o in docs for f in o.get("findings", [])]
            return 200, "text/csv", outcomes.export_csv(rows, ["workshop", "kind", "priority", "open", "text"])
        if name == "actions.csv":
            rows = [{"workshop": title(o), **a, "owner": names.get(a["owner"], a["owner"]),
                     "done": "yes" if a.get("done") else "no"} for o in docs for a in o.get("actions", [])]
            return 200, "text/csv", outcomes.export_csv(rows, ["workshop", "title", "owner", "due", "done"])
        audit = sorted(await self.store.query(PROJECT_DATA, project_id, doc_type="audit"), key=lambda a: a["at"])
        return 200, "text/markdown", outcomes.export_markdown(project, docs, self.catalog, names, audit)
