"""`agenda <workshop>`: a workshop's agenda card, and its actions: tailor the topics, schedule,
approve, RSVP, and the refresh Teams asks for when someone views a changed card."""

from __future__ import annotations

import functools
from datetime import date, datetime
from typing import Mapping, Optional
from zoneinfo import ZoneInfo

from botbuilder.core import TurnContext

from cards import agenda_cards
from catalog import Workshop
from store import PROJECT_DATA, Conflict, update
from store.due import due_at
from tabs.links import calendar_url
from texts import t
from workshops import agenda, lifecycle, people
from workshops import plan as plans
from workshops.project import team_zone

from .context import (PLAN, ROSTER, AlreadyApplied, Outcome, Refused, Services, Stale, actor, applied, find,
                      load_session, project_key, project_or_offer_setup, remember, tenant_of, workshop_named)
from .meeting import Meetings
from .pinning import Pinning
from .reminders import reminder_record
from .replies import card_message

VERBS = ("agenda.rsvp", "agenda.approve", "agenda.edit", "agenda.schedule", "agenda.refresh")
ACTIONS = {"agenda.rsvp": lifecycle.RSVP, "agenda.approve": lifecycle.APPROVE, "agenda.edit": lifecycle.EDIT,
           "agenda.schedule": lifecycle.SCHEDULE}


class ScheduleAnyway(Exception):
    """A usable time the team should confirm first: the question, and what the confirm button re-sends."""

    def __init__(self, message: str, when: dict):
        super().__init__(message)
        self.message, self.when = message, when


class Agendas:
    def __init__(self, services: Services, pinning: Pinning, meetings: Meetings):
        self.services, self.pinning, self.meetings = services, pinning, meetings
        self.store, self.catalog, self.settings = services.store, services.catalog, services.settings
        self.clock, self.graph = services.clock, services.graph
        self.commands = {"agenda": self.command}
        self.card_actions = dict.fromkeys(VERBS, self.act)

    async def render(self, project: Mapping, session: Mapping, roster: Mapping, **options) -> dict:
        return self.draw(project, session, roster, **options)

    def draw(self, project: Mapping, session: Mapping, roster: Mapping, *, viewer: Optional[str] = None,
             message: str = "", style: str = "Good", **typed) -> dict:
        """`typed`: a refused form's answers and errors, or a time to confirm (agenda_cards.agenda_card)."""
        catalog = self.catalog
        workshop = catalog.get(session["workshopId"])
        return agenda_cards.agenda_card(project, session, workshop, catalog, roster, viewer=viewer,
                                        message=message, style=style, now=self.clock(),
                                        calendar_url=calendar_url(self.settings, project, workshop.id), **typed)

    async def command(self, turn_context: TurnContext, name: str) -> None:
        """Post the agenda card of a planned workshop, creating its session the first time."""
        project = await project_or_offer_setup(self.services, turn_context, "agenda")
        if not project:
            return
        project_id = project["projectId"]
        workshop = workshop_named(self.catalog, name, "agenda")
        plan = await find(self.store, project_id, PLAN)
        if not plan or workshop.id not in plans.included(plan):
            raise Refused(t("dialogs.agenda.not_in_series", title=workshop.title))
        item = next(i for i in plan["items"] if i["workshopId"] == workshop.id)
        session = await self._session(project_id, workshop, item["durationHours"])
        roster = await find(self.store, project_id, ROSTER) or {}
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
        project, session, roster = await load_session(self.store, self.catalog, project_id, data.get("workshopId"))
        if not session:
            raise Refused(t("dialogs.agenda.gone"))
        workshop_id = session["workshopId"]
        by = actor(turn_context.activity)
        who = by["aadObjectId"]

        async def own_view(doc: Mapping, **options) -> dict:
            """The card as this person sees it (the answer to their press, or their refresh)."""
            return await self.render(project, doc, roster, viewer=who, own_view=True, **options)

        if verb == "agenda.refresh":
            return Outcome(await own_view(session))
        if verb in ("agenda.edit", "agenda.schedule") and not people.is_lead(project, roster, who):
            raise Refused(t("dialogs.agenda.leads_change"))
        if verb == "agenda.approve" and not people.can_approve(roster, who):
            raise Refused(t("dialogs.agenda.architects_approve"))

        workshop = self.catalog.get(workshop_id)
        now = self.clock()
        tz = team_zone(project)
        plan = await find(self.store, project_id, PLAN) if verb == "agenda.schedule" else None
        confirmed = data.get("confirmed") in (True, "true")

        def apply(doc: dict) -> dict:
            if verb != "agenda.rsvp" and data.get("version") != doc.get("version"):
                raise Stale()  # RSVPs are per person and idempotent: taken from any version of the card
            verdict = lifecycle.check(doc, now, ACTIONS[verb], title=workshop.title, tz=tz)
            if not verdict.allowed:
                raise agenda.AgendaError(verdict.message)
            if verb == "agenda.rsvp":  # recorded with its activity id: its own delivery claim
                mine = doc["rsvps"].get(who)
                if applied(mine, turn_context.activity.id):
                    raise AlreadyApplied(doc)
                new = agenda.rsvp(doc, by, str(data.get("response")), now)
                new["rsvps"][who] = remember(new["rsvps"][who], mine, turn_context.activity.id)
                return new
            if verb == "agenda.approve":
                return agenda.approve(doc, by, now)
            if verb == "agenda.edit":
                return agenda.edit_topics(doc, data, roster, by, now)
            return self._schedule(doc, data, project, plan, workshop, by, now, tz, confirmed)

        pin = sync = None
        if verb == "agenda.schedule" and self.graph and isinstance(data.get("version"), int):
            # Recorded before the save, so a Graph failure (or a crash) after it is finished later.
            organizer = (session.get("meeting") or {}).get("organizer") or who
            sync = await self.meetings.sync_soon(project_id, workshop_id, data["version"] + 1, organizer,
                                                 tenant_of(turn_context.activity))
        if verb == "agenda.approve" and self.graph and not session.get("tab") and isinstance(data.get("version"), int):
            pin = await self.pinning.record_pin(turn_context, project_id, session["id"], workshop_id,
                                                data["version"] + 1)
        try:
            saved = await update(self.store, PROJECT_DATA, project_id, session["id"], apply, current=session)
        except AlreadyApplied as repeat:
            saved = repeat.doc
        except Stale:
            current = await find(self.store, project_id, session["id"])
            message = t("dialogs.agenda.out_of_date")
            return Outcome(await own_view(current, message=message, style="Warning"), message)
        except ScheduleAnyway as ask:
            return Outcome(await own_view(session, message=ask.message, style="Warning", schedule_anyway=ask.when),
                           ask.message)
        except agenda.AgendaError as error:
            typed = {"typed": {**data, "verb": verb}, "errors": {error.field or "form": str(error)}} if verb in (
                "agenda.edit", "agenda.schedule") else {}
            return Outcome(await own_view(session, message=str(error), style="Attention", **typed), str(error))
        if pin is not None:
            self.pinning.pin_soon(pin)
        message = t({"agenda.rsvp": "dialogs.agenda.rsvp_saved", "agenda.approve": "dialogs.agenda.approved",
                     "agenda.edit": "dialogs.agenda.saved", "agenda.schedule": "dialogs.agenda.time_saved"}[verb])
        if verb == "agenda.schedule":
            await self._remind(project, saved)
            if sync is not None:
                if await self.services.outbox.run(sync):
                    saved = await find(self.store, project_id, session["id"]) or saved
                else:
                    message += " " + t("dialogs.agenda.meeting_pending")
        if verb in ("agenda.edit", "agenda.schedule") and saved["status"] == agenda.AWAITING:
            message += " " + t("dialogs.agenda.needs_approval")
        return Outcome(await own_view(saved, message=message), message,
                       changed=True, everyone=functools.partial(self.draw, project, saved, roster))

    @staticmethod
    def _schedule(doc: dict, data: Mapping, project: Mapping, plan: Optional[Mapping], workshop: Workshop,
                  by: dict, now: datetime, tz: ZoneInfo, confirmed: bool) -> dict:
        """A time that cannot be used is refused; one outside the plan's recommended window or the
        team's working hours is asked about (ScheduleAnyway) until the user confirms it."""
        item = next((i for i in (plan or {}).get("items", []) if i["workshopId"] == workshop.id), None)
        if not item or not item["included"]:
            raise agenda.AgendaError(t("dialogs.agenda.left_series", title=workshop.title))
        start = agenda.parse_start(data.get("day"), data.get("time"), tz)
        go_live = date.fromisoformat(project["goLive"])
        problem = agenda.schedule_problem(start, doc["durationMinutes"], workshop, go_live, now, tz)
        if problem:
            raise agenda.AgendaError(problem)
        window = (date.fromisoformat(item["windowStart"]), date.fromisoformat(item["windowEnd"]))
        warnings = agenda.schedule_warnings(start, doc["durationMinutes"], window, tz)
        if warnings and not confirmed:
            when = {"day": str(data.get("day")), "time": str(data.get("time")), "version": doc["version"]}
            raise ScheduleAnyway(" ".join(warnings + [agenda.schedule_anyway()]), when)
        return agenda.schedule(doc, start, by, now)

    async def _remind(self, project: Mapping, session: dict) -> None:
        """Record when the reminder is due, in the due-time index (dialogs/reminders.py)."""
        due = agenda.reminder_due(session, self.settings.reminder_lead_hours)
        await self.store.upsert(PROJECT_DATA, reminder_record(project["projectId"], session, due_at(due)))
