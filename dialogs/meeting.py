"""The workshop inside its Teams meeting: the calendar event with the meeting (made, moved and
cancelled through Graph, from the outbox), and the meeting's events: start, participants joining
and leaving, and end, which imports the attendance report and posts the coverage card.

A meeting is found from its chat: the join URL of the event the bot created names the meeting's
chat thread, which is the conversation its events arrive in. At scheduling the bot records
`meeting|<thread>` in the MEETINGS partition (a point read, never a cross-partition query), naming
the project and workshop. Redelivered events are claimed like messages (bot/handler.py), and every
effect is idempotent besides: a second check-in keeps the first, the coverage card is posted once
per meeting end."""

from __future__ import annotations

import hashlib
import html
import logging
from datetime import datetime, timedelta
from typing import Awaitable, Callable, Mapping, Optional
from urllib.parse import unquote, urlparse

from botbuilder.core import TurnContext

from cards import meeting_cards
from graph.client import GraphError, GraphUnavailable, event_body
from store import PROJECT_DATA, Conflict, find, update
from tabs.panel import MEETINGS, meeting_index_id
from texts import speaking, t
from workshops import agenda, attendance, capture, lifecycle, outcomes
from workshops import plan as plans
from workshops.project import team_zone

from .context import PLAN, Services, load_session
from .outcomes import write_outcome
from .replies import card_message

log = logging.getLogger(__name__)

EVENT_SYNC = "meeting-event"  # outbox work: create, update or cancel the workshop's calendar event
AFTER_MEETING = "meeting-ended"  # outbox work: import the attendance report, post the coverage card
AGENDA_CARD = "agenda-card"  # outbox work: bring the channel's agenda card up to date after a side panel change
MEETING_APP = "meeting-app"  # outbox work: add the app to a new meeting's chat, so the bot is in the meeting
CHAT_PERMISSIONS = ["OnlineMeeting.ReadBasic.Chat", "OnlineMeetingParticipant.Read.Chat"]  # as in the manifest
START, END = "application/vnd.microsoft.meetingStart", "application/vnd.microsoft.meetingEnd"
JOIN, LEAVE = "application/vnd.microsoft.meetingParticipantJoin", "application/vnd.microsoft.meetingParticipantLeave"
EVENTS = frozenset({START, END, JOIN, LEAVE})
REPORT_TRIES = 3  # an empty report is asked for again this many times: Teams makes it minutes after the end


class ReportNotReady(Exception):
    """The attendance report is not there yet; the outbox asks again later."""


def meeting_thread(join_url: str) -> str:
    """The meeting chat's thread id from a Teams join URL (…/l/meetup-join/19%3ameeting_…%40thread.v2/0?…)."""
    parts = urlparse(join_url or "").path.split("/")
    if "meetup-join" not in parts or parts.index("meetup-join") + 1 >= len(parts):
        return ""
    return unquote(parts[parts.index("meetup-join") + 1])


class Meetings:
    def __init__(self, services: Services):
        self.services = services
        self.store, self.catalog, self.clock = services.store, services.catalog, services.clock
        self.graph = services.graph
        self.commands: dict = {}
        self.agenda_card: Optional[Callable[..., Awaitable[dict]]] = None  # Agendas.render, set by Flows
        services.outbox.handle(EVENT_SYNC, self._sync_event)
        services.outbox.handle(AFTER_MEETING, self._after_meeting)
        services.outbox.handle(AGENDA_CARD, self._update_agenda_card)
        services.outbox.handle(MEETING_APP, self._add_app_to_meeting)

    # ---- the calendar event ----------------------------------------------------------------

    async def sync_soon(self, project_id: str, workshop_id: str, version: int, organizer: str, tenant: str) -> dict:
        """Record that the calendar event must follow the session at `version` (newest wins)."""
        return await self.services.outbox.add(EVENT_SYNC, project_id, workshop_id, {
            "workshopId": workshop_id, "organizer": organizer, "tenant": tenant},
            after=(agenda.session_id(workshop_id), version), replace=True)

    async def _sync_event(self, record: dict) -> None:
        """Outbox work: make the event match the session as it is now (safe to repeat)."""
        project_id, args = record["project"], record["args"]
        project, session, roster = await load_session(self.store, self.catalog, project_id, args["workshopId"])
        if not (project and session and self.graph):
            return
        plan = await find(self.store, project_id, PLAN) or {}
        change = lifecycle.calendar_change(session, session["workshopId"] in plans.included(plan), self.clock())
        meeting = session.get("meeting") or {}
        tenant, organizer = meeting.get("tenant") or args["tenant"], meeting.get("organizer") or args["organizer"]
        if change == lifecycle.CANCEL_EVENT:
            with speaking(project.get("locale")):
                comment = t("dialogs.meeting.cancelled")
            await self.graph.cancel_event(tenant, organizer, meeting["eventId"], comment)
            await self._save_meeting(project_id, session, {**meeting, "cancelledAt": self.clock().isoformat()})
            return
        if not change:
            return
        workshop = self.catalog.get(session["workshopId"])
        start = datetime.fromisoformat(session["start"])
        invited = agenda.invitees(workshop, roster)
        people = [{"email": p["email"], "name": p.get("name", ""), "required": required}
                  for required, group in ((True, invited["mandatory"]), (False, invited["recommended"]))
                  for p in group if p.get("email")]
        with speaking(project.get("locale")):  # the invitation speaks the project's language
            body = event_body(f"{project.get('name', '')}: {workshop.title}", start,
                              start + timedelta(minutes=session["durationMinutes"]), people,
                              f"<p>{html.escape(workshop.purpose)}</p>")
        if change == lifecycle.UPDATE_EVENT:
            try:
                await self.graph.update_event(tenant, organizer, meeting["eventId"], body)
            except GraphError as error:
                if error.status != 404:
                    raise
                meeting = {**meeting, "cancelledAt": self.clock().isoformat()}  # deleted in Outlook: make it anew
            else:
                await self._save_meeting(project_id, session, {**meeting, "start": session["start"]})
                return
        generation = meeting.get("generation", 0) + (1 if meeting.get("cancelledAt") else 0)
        transaction = hashlib.sha256(f"{project_id}|{workshop.id}|{generation}".encode()).hexdigest()[:32]
        event = await self.graph.create_event(tenant, organizer, body, transaction)
        saved = {"eventId": event["id"], "joinUrl": event["joinUrl"], "thread": meeting_thread(event["joinUrl"]),
                 "organizer": organizer, "tenant": tenant, "generation": generation, "start": session["start"],
                 # a new meeting: nothing of the one before carries over
                 "cancelledAt": None, "startedAt": None, "endedAt": None, "agendaPostedAt": None, "coverageFor": None}
        saved["id"] = None  # the onlineMeeting id its attendance reports hang off: looked up when they are read
        if saved["thread"]:
            await self.store.upsert(PROJECT_DATA, {"id": meeting_index_id(saved["thread"]), "projectId": MEETINGS,
                                                   "type": "meeting", "project": project_id,
                                                   "workshopId": workshop.id})
        await self._save_meeting(project_id, session, saved)
        if saved["thread"]:  # left to the outbox loop, so the turn that scheduled waits on Graph no longer
            await self.services.outbox.add(MEETING_APP, project_id, saved["thread"], {
                "thread": saved["thread"], "tenant": tenant})

    async def _add_app_to_meeting(self, record: dict) -> None:
        """Outbox work: install the app in the meeting's chat (Teams then adds the bot there, and `welcome`
        posts the agenda), consenting the chat permissions its meeting events need."""
        args = record["args"]
        catalog_id = await self.graph.published_app_id(args["tenant"], self.services.settings.app_id)
        await self.graph.install_in_chat(args["tenant"], args["thread"], catalog_id, CHAT_PERMISSIONS)

    async def _save_meeting(self, project_id: str, session: Mapping, meeting: dict) -> dict:
        """The meeting record changes only the `meeting` field, so it never bumps the card's version."""
        return await update(self.store, PROJECT_DATA, project_id, session["id"],
                            lambda doc: {**doc, "meeting": {**(doc.get("meeting") or {}), **meeting}})

    # ---- the side panel (tabs/panel.py) ---------------------------------------------------------

    async def capture(self, project_id: str, workshop_id: str, by: dict, change: Mapping, version: int) -> None:
        """A live change from the side panel, through the outcomes' own write path (versioned, audited);
        Conflict when the outcome is no longer at `version`. The channel's agenda card follows."""
        previous = await find(self.store, project_id, outcomes.outcome_id(workshop_id))
        if (previous or {}).get("version", 0) != version:
            raise Conflict("the outcome changed since the panel read it")
        project, session, roster = await load_session(self.store, self.catalog, project_id, workshop_id)
        now = self.clock()
        content, words = capture.apply(previous, change, [t["id"] for t in session["topics"] if not t.get("dropped")],
                                       roster, now.date())
        await write_outcome(self.store, project_id, workshop_id, previous, content, by, now, [words])
        if content["covered"] != (previous or {}).get("covered", []):
            record = await self.services.outbox.add(AGENDA_CARD, project_id, workshop_id, {"workshopId": workshop_id},
                                                    replace=True)
            await self.services.outbox.run(record)  # a refused update is retried by the outbox loop

    async def _update_agenda_card(self, record: dict) -> None:
        """Outbox work: the agenda card in the channel, as the session is now (it shows what is covered)."""
        project, session, roster = await load_session(self.store, self.catalog, record["project"],
                                                      record["args"]["workshopId"])
        reference, message_id = (session or {}).get("conversationReference"), (session or {}).get("cardMessageId")
        if not (project and reference and message_id and self.agenda_card):
            return
        with speaking(project.get("locale")):
            activity = card_message(await self.agenda_card(project, session, roster))
        activity.id = message_id
        await self.services.messenger.update(reference, activity)

    # ---- attendance reports -----------------------------------------------------------------

    async def import_report(self, project: Mapping, session: dict, roster: Mapping) -> tuple[list, dict]:
        """The meeting's attendance report (Graph), imported into the session: (records, session)."""
        meeting = session.get("meeting") or {}
        meeting_id = meeting.get("id") or await self.graph.online_meeting_id(meeting["tenant"], meeting["organizer"],
                                                                             meeting["joinUrl"])
        records = await self.graph.attendance_reports(meeting["tenant"], meeting["organizer"], meeting_id)
        saved = await update(self.store, PROJECT_DATA, project["projectId"], session["id"],
                             lambda doc: attendance.import_report(
                                 {**doc, "meeting": {**(doc.get("meeting") or {}), "id": meeting_id}}, records, roster))
        return records, saved

    # ---- meeting events ----------------------------------------------------------------------

    async def on_event(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        value = activity.value if isinstance(activity.value, dict) else {}
        found = await self._session_of(activity, value)
        if found is None:
            log.info("a %r event from a meeting the bot did not schedule", activity.name)
            return
        project, session, roster = found
        workshop, now = self.catalog.get(session["workshopId"]), self.clock()
        if activity.name == START:
            await self._started(turn_context, project, session, roster, now)
        elif activity.name == END:
            await self._ended(turn_context, project, session, now)
        else:
            members = [m.get("user") for m in value.get("members") or [] if isinstance(m, dict)]
            people = [{"aadObjectId": str(u.get("aadObjectId")), "name": str(u.get("name") or t("dialogs.context.someone"))}
                      for u in members if isinstance(u, dict) and u.get("aadObjectId")]
            if people:
                change = self._joined if activity.name == JOIN else self._left
                await update(self.store, PROJECT_DATA, project["projectId"], session["id"],
                             change(project, workshop, people, now), current=session)

    async def _session_of(self, activity, value: Mapping) -> Optional[tuple[dict, dict, dict]]:
        threads = [meeting_thread(str(value.get("JoinUrl") or ""))]
        threads.append((activity.conversation.id or "").split(";", 1)[0] if activity.conversation else "")
        for thread in filter(None, threads):
            index = await find(self.store, MEETINGS, meeting_index_id(thread))
            if index:
                project, session, roster = await load_session(self.store, self.catalog, index["project"],
                                                              index["workshopId"])
                if project and session:
                    return project, session, roster
        return None

    async def welcome(self, turn_context: TurnContext) -> bool:
        """The bot added to a workshop's meeting chat (before the meeting, when the organiser adds the
        app): it posts the agenda there instead of the general welcome. False for any other chat."""
        found = await self._session_of(turn_context.activity, {})
        if found is None:
            return False
        await self._post_agenda(turn_context, *found)
        return True

    async def _started(self, turn_context, project, session, roster, now) -> None:
        """The session runs from now; the agenda card goes into the meeting chat if it is not there yet."""
        def start(doc: dict) -> dict:
            meeting = doc.get("meeting") or {}
            if meeting.get("startedAt") and not meeting.get("endedAt"):
                return doc
            return {**doc, "meeting": {**meeting, "startedAt": now.isoformat(), "endedAt": None}}

        saved = await update(self.store, PROJECT_DATA, project["projectId"], session["id"], start, current=session)
        await self._post_agenda(turn_context, project, saved, roster)

    async def _post_agenda(self, turn_context, project, session, roster) -> None:
        if self.agenda_card and not (session.get("meeting") or {}).get("agendaPostedAt"):
            with speaking(project.get("locale")):  # posted for the whole meeting, not answering anyone
                card = await self.agenda_card(project, session, roster)
            await turn_context.send_activity(card_message(card))
            await self._save_meeting(project["projectId"], session, {"agendaPostedAt": self.clock().isoformat()})

    @staticmethod
    def _joined(project, workshop, people, now):
        """Joining checks a person in, by the same rule as `checkin` (late after ten minutes)."""
        def apply(doc: dict) -> dict:
            for who in people:
                if lifecycle.check(doc, now, lifecycle.CHECKIN, title=workshop.title, tz=team_zone(project)).allowed:
                    doc = attendance.check_in(doc, who, now, source="meeting")
            return doc
        return apply

    @staticmethod
    def _left(_project, _workshop, people, now):
        def apply(doc: dict) -> dict:
            for who in people:
                doc = attendance.left(doc, who["aadObjectId"], now)
            return doc
        return apply

    async def _ended(self, turn_context, project, session, now) -> None:
        meeting = session.get("meeting") or {}
        ended = meeting.get("endedAt") or now.isoformat()
        await self._save_meeting(project["projectId"], session, {"endedAt": ended})
        reference = TurnContext.get_conversation_reference(turn_context.activity).serialize()
        record = await self.services.outbox.add(AFTER_MEETING, project["projectId"], f"{session['workshopId']}|{ended}",
                                                {"workshopId": session["workshopId"], "ended": ended,
                                                 "reference": reference})
        if not await self.services.outbox.run(record):
            with speaking(project.get("locale")):
                waiting = t("dialogs.meeting.ended_waiting")
            await turn_context.send_activity(waiting)

    async def _after_meeting(self, record: dict) -> None:
        """Outbox work: import the report (asked again while Teams has none yet), then post the coverage card."""
        args = record["args"]
        project, session, roster = await load_session(self.store, self.catalog, record["project"], args["workshopId"])
        if not (project and session) or (session.get("meeting") or {}).get("coverageFor") == args["ended"]:
            return
        note = ""
        if self.graph and (session.get("meeting") or {}).get("joinUrl"):
            try:
                records, session = await self.import_report(project, session, roster)
            except GraphUnavailable:
                if record.get("attempts", 0) + 1 < REPORT_TRIES:
                    raise
                records, note = [], "dialogs.meeting.report_unreadable"
            if not records and not note:
                if record.get("attempts", 0) + 1 < REPORT_TRIES:
                    raise ReportNotReady()
                note = "dialogs.meeting.no_report"
        with speaking(project.get("locale")):
            card = meeting_cards.coverage_card(project, session, self.catalog.get(session["workshopId"]), self.catalog,
                                               roster, t(note) if note else "")
        await self.services.messenger.post(args["reference"], card_message(card))
        await self._save_meeting(project["projectId"], session, {"coverageFor": args["ended"]})

