"""Workshop agendas: the `agenda <workshop>` command, its card actions, and the calendar link."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta
from typing import Callable, Mapping, Optional
from urllib.parse import quote
from zoneinfo import ZoneInfo

from botbuilder.core import TurnContext

from cards import agenda_cards
from catalog import Catalog, Workshop
from workshops import agenda, people
from workshops.calendar import invitation
from workshops import plan as plans

from graph.client import GraphUnavailable
from .replies import card_message
from .pinning import pin_or_explain
from .planning import Outcome, Refused, Stale, utc_now
from .context import PLAN, actor, find, project_key, tenant_of
from tabs.signing import sign, verify
from store import PROJECT_DATA, Conflict, DocumentStore, update

log = logging.getLogger(__name__)

CALENDAR_LINK_SECONDS = 7 * 24 * 3600
REMINDERS = "reminders"  # the partition holding one due-reminder record per scheduled session


def calendar_scope(project_id: str, workshop_id: str) -> str:
    return f"calendar|{project_id}|{workshop_id}"


class Agendas:
    def __init__(self, store: DocumentStore, catalog: Catalog, settings, clock: Callable = utc_now, graph=None):
        self.store, self.catalog, self.settings, self.clock, self.graph = store, catalog, settings, clock, graph
        self._background: set[asyncio.Task] = set()  # pins running after their invoke was answered

    def calendar_url(self, project_id: str, workshop_id: str) -> str:
        token = sign(self.settings.signing_secret, calendar_scope(project_id, workshop_id), CALENDAR_LINK_SECONDS)
        return (f"{self.settings.base_url}/calendar/{quote(project_id, safe='')}/{quote(workshop_id)}.ics"
                f"?token={quote(token)}")

    async def invitation(self, project_id: str, workshop_id: str, token: object) -> tuple[int, str]:
        """The .ics for a signed calendar link: (200, text), or (403 or 404, reason)."""
        if not verify(self.settings.signing_secret, calendar_scope(project_id, workshop_id), token):
            return 403, "This calendar link is not valid or has expired. Open the agenda card for a new one."
        project = await find(self.store, project_id, "project")
        session = await find(self.store, project_id, agenda.session_id(workshop_id)) if project else None
        if not session or not session.get("start") or workshop_id not in self.catalog:
            return 404, "This workshop has no scheduled time yet."
        roster = await find(self.store, project_id, "roster") or {}
        return 200, invitation(project, session, self.catalog.get(workshop_id), roster, self.clock())

    async def render(self, project: Mapping, session: Mapping, roster: Mapping, *, viewer: Optional[str] = None,
                     message: str = "", style: str = "Good") -> dict:
        workshop = self.catalog.get(session["workshopId"])
        return agenda_cards.agenda_card(project, session, workshop, self.catalog, roster, viewer=viewer,
                                        message=message, style=style,
                                        calendar_url=self.calendar_url(project["projectId"], workshop.id))

    async def open(self, turn_context: TurnContext, project: Mapping, name: str) -> None:
        """Post the agenda card of a planned workshop, creating its session the first time."""
        project_id = project["projectId"]
        workshop = self.catalog.find(name) if name else None
        if workshop is None:
            raise Refused(f"I don't know a workshop called “{name}”. Type **workshops** to see them all."
                          if name else "Which workshop? For example: **agenda cutover**.")
        plan = await find(self.store, project_id, PLAN)
        if not plan or workshop.id not in plans.included(plan):
            raise Refused(f"{workshop.title} is not in the project's series. Add it with **plan** first.")
        item = next(i for i in plan["items"] if i["workshopId"] == workshop.id)
        session = await self._session(project_id, workshop, item["durationHours"])
        roster = await find(self.store, project_id, "roster") or {}
        who = actor(turn_context.activity)["aadObjectId"]
        card = await self.render(project, session, roster, viewer=who)
        sent = await turn_context.send_activity(card_message(card))
        # Where the card lives: the bot updates it there and posts reminders in its thread.
        reference = TurnContext.get_conversation_reference(turn_context.activity).serialize()
        message_id = sent.id if sent else None
        await update(self.store, PROJECT_DATA, project_id, session["id"],
                     lambda doc: {**doc, "conversationReference": reference, "cardMessageId": message_id})

    async def _session(self, project_id: str, workshop: Workshop, duration_hours: int) -> dict:
        existing = await find(self.store, project_id, agenda.session_id(workshop.id))
        if existing:
            return existing
        try:
            return await self.store.create(PROJECT_DATA, agenda.new_session(project_id, workshop, duration_hours))
        except Conflict:  # someone opened it at the same moment
            return await self.store.get(PROJECT_DATA, project_id, agenda.session_id(workshop.id))

    async def act(self, turn_context: TurnContext, verb: str, data: Mapping) -> Outcome:
        project_id = project_key(turn_context.activity)
        project = await find(self.store, project_id, "project")
        workshop_id = data.get("workshopId")
        session = await find(self.store, project_id, agenda.session_id(workshop_id)) if (
            project and workshop_id in self.catalog) else None
        if not session:
            raise Refused("That agenda no longer exists. Type **agenda <workshop>** to open it again.")
        roster = await find(self.store, project_id, "roster") or {}
        by = actor(turn_context.activity)
        who = by["aadObjectId"]
        if verb == "agenda.refresh":
            return Outcome(await self.render(project, session, roster, viewer=who))
        if verb in ("agenda.edit", "agenda.schedule") and not people.is_lead(project, roster, who):
            raise Refused("Only leads, solution architects and project managers can change the agenda.")
        if verb == "agenda.approve" and not people.can_approve(roster, who):
            raise Refused("Only a solution architect can approve the agenda.")

        workshop = self.catalog.get(workshop_id)
        now = self.clock()
        tz = ZoneInfo(project.get("timeZone") or "UTC")

        def apply(doc: dict) -> dict:
            if verb == "agenda.rsvp":
                return agenda.rsvp(doc, by, str(data.get("response")), now)
            if data.get("version") != doc.get("version"):
                raise Stale()
            if verb == "agenda.approve":
                return agenda.approve(doc, by, now)
            if verb == "agenda.edit":
                return agenda.edit_topics(doc, data, roster, by, now)
            start = agenda.parse_start(data.get("day"), data.get("time"), tz)
            go_live = date.fromisoformat(project["goLive"])
            problem = agenda.schedule_problem(start, doc["durationMinutes"], workshop, go_live, now, tz)
            if problem:
                raise agenda.AgendaError(problem)
            return agenda.schedule(doc, start, by, now)

        try:
            saved = await update(self.store, PROJECT_DATA, project_id, session["id"], apply, current=session)
        except Stale:
            current = await find(self.store, project_id, session["id"])
            message = "This card was out of date, so nothing changed. Here is the agenda as it is now."
            return Outcome(await self.render(project, current, roster, viewer=who, message=message,
                                             style="Warning"), message)
        except agenda.AgendaError as error:
            return Outcome(await self.render(project, session, roster, viewer=who, message=str(error),
                                             style="Attention"), str(error))
        if verb == "agenda.approve" and self.graph and not saved.get("tab"):
            self._pin_in_background(turn_context, project, workshop, saved)
        message = {"agenda.rsvp": "Thanks, your answer is saved.", "agenda.approve": "Agenda approved.",
                   "agenda.edit": "Agenda saved.", "agenda.schedule": "Time saved."}[verb]
        if verb == "agenda.schedule":
            saved, meeting_problem = await self._after_schedule(project, saved, workshop, by,
                                                                tenant_of(turn_context.activity))
            if meeting_problem:
                message += f" The Teams meeting was not created: {meeting_problem} Save the time again to retry."
        if verb in ("agenda.edit", "agenda.schedule") and saved["status"] == agenda.AWAITING:
            message += " It needs a solution architect's approval."
        return Outcome(await self.render(project, saved, roster, viewer=who, message=message), message,
                       changed=True, everyone=await self.render(project, saved, roster))

    def _pin_in_background(self, turn_context: TurnContext, project: Mapping, workshop: Workshop,
                           session: Mapping) -> None:
        """Pin the approved workshop's page as a channel tab, once. Graph can take seconds, so this
        runs after the invoke is answered and posts its card into the conversation when done."""
        activity = turn_context.activity
        reference = TurnContext.get_conversation_reference(activity)
        adapter, project_id = turn_context.adapter, project["projectId"]

        async def record(tab: dict) -> None:
            await update(self.store, PROJECT_DATA, project_id, session["id"], lambda doc: {**doc, "tab": tab})

        async def pin() -> None:
            try:
                card = await pin_or_explain(self.graph, self.settings, project, workshop, activity, record=record)

                async def post(proactive: TurnContext) -> None:
                    await proactive.send_activity(card_message(card))

                await adapter.continue_conversation(reference, post, self.settings.app_id or None)
            except Exception:
                log.warning("pinning the tab of %s after approval failed", workshop.id, exc_info=True)

        task = asyncio.get_running_loop().create_task(pin())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _after_schedule(self, project: Mapping, session: dict, workshop: Workshop, organizer: dict,
                              tenant: str) -> tuple[dict, str]:
        """Record when the reminder is due (reminders are read from one partition, never across
        partitions) and, with Graph configured, create the Teams meeting. A Graph failure keeps the
        time and is reported, so the user can retry."""
        problem = ""
        if self.graph:
            start = datetime.fromisoformat(session["start"])
            try:
                meeting = await self.graph.create_online_meeting(
                    tenant, organizer["aadObjectId"], f"{project.get('name', '')}: {workshop.title}", start,
                    start + timedelta(minutes=session["durationMinutes"]))
            except GraphUnavailable as error:
                problem = str(error)
            else:
                record = {**meeting, "organizer": organizer["aadObjectId"], "tenant": tenant}
                session = await update(self.store, PROJECT_DATA, project["projectId"], session["id"],
                                       lambda doc: {**doc, "meeting": record})
        due = agenda.reminder_due(session, self.settings.reminder_lead_hours)
        await self.store.upsert(PROJECT_DATA, {
            "id": f"reminder|{project['projectId']}|{session['workshopId']}".replace("/", "_"),
            "projectId": REMINDERS, "type": "reminder", "sessionProjectId": project["projectId"],
            "sessionId": session["id"], "dueAt": due.isoformat(), "start": session["start"], "sentAt": None,
        })
        return session, problem
