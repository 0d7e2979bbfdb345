"""`checkin [workshop]` and `attendance <workshop>`: who came, marked by themselves (check-in, or
the agenda card's I'm here), by a lead on the attendance card, or imported from the Teams meeting."""

from __future__ import annotations

from typing import Mapping

from botbuilder.core import TurnContext

from cards import outcome_cards
from cards.common import clock_time
from graph.client import GraphUnavailable
from store import PROJECT_DATA, update
from texts import t, t_count
from workshops import attendance, lifecycle, people
from workshops.project import team_zone

from .context import (Outcome, Refused, Services, actor, answer, project_or_offer_setup,
                      session_acted_on, session_named)

VERBS = ("attendance.checkin", "attendance.save", "attendance.import")


class Attendance:
    def __init__(self, services: Services, meetings):
        self.services, self.meetings = services, meetings  # meetings: dialogs.meeting.Meetings
        self.store, self.catalog, self.clock, self.graph = services.store, services.catalog, services.clock, services.graph
        self.commands = {"checkin": self.checkin_command, "attendance": self.attendance_command}
        self.card_actions = dict.fromkeys(VERBS, self.act)

    async def checkin_command(self, turn_context: TurnContext, name: str) -> None:
        project = await project_or_offer_setup(self.services, turn_context, "checkin")
        if project:
            await answer(turn_context, lambda: self.checkin(turn_context, project, name))

    async def attendance_command(self, turn_context: TurnContext, name: str) -> None:
        project = await project_or_offer_setup(self.services, turn_context, "attendance")
        if project:
            await answer(turn_context, lambda: self.attendance_card(turn_context, project, name))

    async def checkin(self, turn_context: TurnContext, project: Mapping, name: str) -> str:
        project_id = project["projectId"]
        now = self.clock()
        if name:
            session, _, workshop = await session_named(self.services, project, name, "checkin")
        else:
            running = [s for s in await self.store.query(PROJECT_DATA, project_id, doc_type="session")
                       if lifecycle.check_in_open(s, now)]
            if not running:
                return t("dialogs.attendance.none_running")
            session, workshop = running[0], self.catalog.get(running[0]["workshopId"])
        who = actor(turn_context.activity)
        saved = await update(self.store, PROJECT_DATA, project_id, session["id"],
                             self._check_in(project, workshop, who, now))
        mark = saved["attendance"][who["aadObjectId"]]
        return t(f"dialogs.attendance.checked_in.{mark['status']}", title=workshop.title,
                 time=clock_time(mark["at"], project.get("timeZone")))

    async def attendance_card(self, turn_context: TurnContext, project: Mapping, name: str) -> dict:
        session, roster, workshop = await session_named(self.services, project, name, "attendance")
        return self.card(project, session, roster, workshop, actor(turn_context.activity)["aadObjectId"])

    def card(self, project, session, roster, workshop, who, message="", style="Good") -> dict:
        """Leads get inputs while workshops/lifecycle.py lets attendance change."""
        now = self.clock()
        can_import = bool(self.graph and (session.get("meeting") or {}).get("joinUrl"))
        editable = people.is_lead(project, roster, who) and lifecycle.check(
            session, now, lifecycle.ATTENDANCE, title=workshop.title, tz=team_zone(project)).allowed
        return outcome_cards.attendance_card(project, session, workshop, self.catalog, roster, editable=editable,
                                             can_import=can_import,
                                             can_check_in=lifecycle.check_in_offered(session, now),
                                             message=message, style=style)

    async def act(self, turn_context: TurnContext, verb: str, data: Mapping) -> Outcome:
        project, session, roster, workshop = await session_acted_on(self.services, turn_context, data)
        project_id = project["projectId"]
        who, now = actor(turn_context.activity), self.clock()
        if verb == "attendance.checkin":
            saved = await update(self.store, PROJECT_DATA, project_id, session["id"],
                                 self._check_in(project, workshop, who, now), current=session)
            checked_in = t("dialogs.attendance.you_checked_in")
            return Outcome(self.card(project, saved, roster, workshop, who["aadObjectId"], checked_in),
                           checked_in, changed=True,
                           everyone=self.card(project, saved, roster, workshop, ""))
        if not people.is_lead(project, roster, who["aadObjectId"]):
            raise Refused(t("dialogs.attendance.leads_only"))
        verdict = lifecycle.check(session, now, lifecycle.ATTENDANCE, title=workshop.title, tz=team_zone(project))
        if not verdict.allowed:
            card = self.card(project, session, roster, workshop, who["aadObjectId"], verdict.message, "Attention")
            return Outcome(card, verdict.message)
        if verb == "attendance.import":
            return await self._import(project, session, roster, workshop, who["aadObjectId"])
        return await self._save(project, session, roster, workshop, who["aadObjectId"], data, now)

    @staticmethod
    def _check_in(project: Mapping, workshop, who: Mapping, now):
        """The check-in as an update: refused, on the session as it is now, unless check-in is open."""
        def apply(doc: dict) -> dict:
            verdict = lifecycle.check(doc, now, lifecycle.CHECKIN, title=workshop.title, tz=team_zone(project))
            if not verdict.allowed:
                raise Refused(verdict.message)
            return attendance.check_in(doc, who, now)
        return apply

    async def _save(self, project, session, roster, workshop, who, data, now) -> Outcome:
        """Apply the marks changed on this card (attendance.mark), saying when others changed meanwhile."""
        shown = attendance.shown_marks(data)
        if shown is None:  # a card from before cards said what they showed: saving it could erase check-ins
            out_of_date = t("dialogs.attendance.out_of_date")
            return Outcome(self.card(project, session, roster, workshop, who, out_of_date, "Warning"), out_of_date)
        meanwhile = []

        def apply(doc: dict) -> dict:
            meanwhile[:] = [attendance.changed_since(doc, shown)]
            return attendance.mark(doc, data, roster, now)

        saved = await update(self.store, PROJECT_DATA, project["projectId"], session["id"], apply, current=session)
        message = t("dialogs.attendance.saved") + (" " + t("dialogs.attendance.changed_meanwhile") if meanwhile[0] else "")
        card = self.card(project, saved, roster, workshop, who, message, "Warning" if meanwhile[0] else "Good")
        return Outcome(card, message, changed=True)

    async def _import(self, project, session, roster, workshop, who) -> Outcome:
        meeting = session.get("meeting") or {}
        if not self.graph or not meeting.get("joinUrl"):
            raise Refused(t("dialogs.attendance.no_meeting"))
        try:
            records, saved = await self.meetings.import_report(project, session, roster)
        except GraphUnavailable as error:
            return Outcome(self.card(project, session, roster, workshop, who, str(error), "Attention"), str(error))
        message = t_count("dialogs.attendance.imported", len(records))
        return Outcome(self.card(project, saved, roster, workshop, who, message), message, changed=True)
