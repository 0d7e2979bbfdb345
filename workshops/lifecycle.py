"""The life of a workshop session, and of the series: one state machine that every action consults.

A session is draft, awaiting approval or approved (stored as its status while the team shapes
it), running (derived, never stored: an awaiting or approved session whose scheduled time has
started and not ended, so it cannot go stale), held (its outcomes are recorded) or closed (a lead
closed it). The series is open until post go-live is closed, which closes the engagement.

`check` says whether an action is allowed on a session now; when it is not, the verdict's message
says why and what to do instead, in words for the user (plain text: it is shown on cards and in
chat alike). A verdict with `confirm` is a question: the action goes ahead once the user confirms.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Callable, Mapping, Optional

from texts import clock, t, weekday_day

from .agenda import APPROVED, AWAITING, CLOSED, DRAFT, HELD, STATUS_LABELS
from .words import Labels, count

RUNNING = "running"
LABELS = Labels(STATUS_LABELS.prefix, STATUS_LABELS.ids + (RUNNING,), keys={RUNNING: "workshops.lifecycle.running"})
CHECKIN_OPENS = timedelta(minutes=15)  # check-in opens this long before the start
LATE_AFTER = timedelta(minutes=10)  # a check-in more than this long after the start is late

# What can be done to a session.
RSVP, CHECKIN, EDIT, SCHEDULE, APPROVE = "rsvp", "check-in", "edit", "schedule", "approve"
ATTENDANCE, OUTCOMES, CLOSE, REMOVE = "attendance", "record outcomes", "close", "remove from the series"

# The series.
SERIES_OPEN, SERIES_CLOSED = "open", "closed"
CLOSES_ENGAGEMENT = "post-go-live"  # the workshop whose closing closes the engagement


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    message: str = ""  # why not, and what to do instead; for a confirmation, the question
    confirm: bool = False  # refused only until the user confirms


ALLOWED = Verdict(True)


def start_of(session: Mapping) -> Optional[datetime]:
    return datetime.fromisoformat(session["start"]) if session.get("start") else None


def end_of(session: Mapping) -> Optional[datetime]:
    start = start_of(session)
    return start + timedelta(minutes=session["durationMinutes"]) if start else None


def meeting_live(session: Mapping) -> bool:
    """The Teams meeting has started (its start event came) and not ended."""
    meeting = session.get("meeting") or {}
    return bool(meeting.get("startedAt")) and not meeting.get("endedAt")


def state(session: Mapping, now: datetime) -> str:
    """Running: an awaiting or approved session between its start and end, or whose meeting is on."""
    status, start = session["status"], start_of(session)
    if status in (AWAITING, APPROVED) and ((start and start <= now < end_of(session)) or meeting_live(session)):
        return RUNNING
    return status


def started(session: Mapping, now: datetime) -> bool:
    start = start_of(session)
    return bool(start and start <= now)


def check_in_open(session: Mapping, now: datetime) -> bool:
    """From CHECKIN_OPENS before the start until the end, while the workshop is not held or closed."""
    start = start_of(session)
    return (session["status"] in (DRAFT, AWAITING, APPROVED) and start is not None
            and (start - CHECKIN_OPENS <= now < end_of(session) or meeting_live(session)))


def check_in_offered(session: Mapping, now: datetime) -> bool:
    """Whether a card shows I'm here: while check-in is open, and before it opens (a card stays in
    the chat until then; pressed early, it says when the workshop starts)."""
    return check_in_open(session, now) or (
        session["status"] in (DRAFT, AWAITING, APPROVED) and bool(session.get("start")) and not started(session, now))


def local_time(moment: datetime, tz: tzinfo) -> str:
    """e.g. "on Mon 14 Dec 2026 at 10:00 (Europe/London)", in the team's time zone."""
    local = moment.astimezone(tz)
    return t("workshops.lifecycle.at", day=weekday_day(local.date()), time=clock(local), zone=tz)


@dataclass(frozen=True)
class _Moment:
    """A session as an action finds it: its state now, and the words the messages need."""

    session: Mapping
    now: datetime
    title: str
    tz: tzinfo

    @property
    def state(self) -> str:
        return state(self.session, self.now)

    @property
    def workshop_id(self) -> str:  # as commands name it
        return self.session["workshopId"]

    def starts(self) -> str:
        return local_time(start_of(self.session), self.tz)

    def before_start(self) -> bool:
        start = start_of(self.session)
        return start is None or self.now < start

    def ended(self) -> bool:
        end = end_of(self.session)
        return bool(end and end <= self.now)

    def kept(self) -> Optional[str]:
        """Why a held or closed workshop refuses a change, or None."""
        if self.session["status"] == CLOSED:
            return t("workshops.lifecycle.is_closed", title=self.title)
        if self.session["status"] == HELD:
            return t("workshops.lifecycle.has_been_held", title=self.title)
        return None


def no(key: str, **values) -> Verdict:
    """A refusal: the text of `workshops.lifecycle.<key>`."""
    return Verdict(False, t(f"workshops.lifecycle.{key}", **values))


def _rsvp(m: _Moment, _confirmed: bool) -> Verdict:
    if m.kept():
        return no("rsvp_kept", kept=m.kept())
    if m.state == RUNNING:
        return no("rsvp_running", title=m.title)
    if m.ended():
        return no("rsvp_ended", title=m.title, ended=local_time(end_of(m.session), m.tz))
    return ALLOWED


def _check_in(m: _Moment, _confirmed: bool) -> Verdict:
    ask_a_lead = t("workshops.lifecycle.ask_a_lead", workshop=m.workshop_id)
    if m.session["status"] == CLOSED:
        return no("checkin_closed", title=m.title)
    if m.session["status"] == HELD:
        return no("checkin_held", title=m.title, ask_a_lead=ask_a_lead)
    if not m.session.get("start"):
        return no("checkin_not_scheduled", title=m.title)
    if m.ended() and not meeting_live(m.session):  # a meeting that runs over still takes check-ins
        return no("checkin_ended", title=m.title, ended=local_time(end_of(m.session), m.tz), ask_a_lead=ask_a_lead)
    if not check_in_open(m.session, m.now):
        return no("checkin_not_open", title=m.title, starts=m.starts(), opens=_minutes(CHECKIN_OPENS))
    return ALLOWED


def _edit(m: _Moment, _confirmed: bool) -> Verdict:
    if m.kept():
        return no("edit_kept", kept=m.kept())
    if not m.before_start():
        return no("edit_started", title=m.title, started=m.starts(), workshop=m.workshop_id)
    return ALLOWED


def _schedule(m: _Moment, _confirmed: bool) -> Verdict:
    # A running or past workshop may be moved: the meeting may not have taken place. Once its
    # outcomes are recorded it has, and its time is part of the record.
    if m.kept():
        return no("schedule_kept", kept=m.kept())
    return ALLOWED


def _approve(m: _Moment, _confirmed: bool) -> Verdict:
    if m.kept():
        return no("approve_kept", kept=m.kept())
    if m.session["status"] == APPROVED:
        return no("already_approved")
    return ALLOWED


def _attendance(m: _Moment, _confirmed: bool) -> Verdict:
    """A lead's marks and the meeting's report: from when check-in opens, until the workshop is closed."""
    if m.session["status"] == CLOSED:
        return no("attendance_closed", title=m.title)
    if m.session["status"] == HELD or started(m.session, m.now) or check_in_open(m.session, m.now):
        return ALLOWED
    opens = t("workshops.lifecycle.attendance_opens", opens=_minutes(CHECKIN_OPENS))
    if not m.session.get("start"):
        return no("attendance_not_scheduled", title=m.title, opens=opens)
    return no("attendance_not_open", title=m.title, starts=m.starts(), opens=opens)


def _outcomes(m: _Moment, confirmed: bool) -> Verdict:
    # Outcomes stay editable once held and after closing: findings and actions are tracked until
    # resolved (go-live readiness depends on it), and every edit is audited.
    if m.kept() or not m.before_start() or confirmed:
        return ALLOWED
    return Verdict(False, t("workshops.lifecycle.early_outcomes"), confirm=True)


def _close(m: _Moment, _confirmed: bool) -> Verdict:
    if m.session["status"] == CLOSED:
        return no("already_closed", title=m.title)
    if m.session["status"] != HELD:
        return no("close_no_outcomes", title=m.title, workshop=m.workshop_id)
    if m.session.get("start") and m.before_start():
        return no("close_not_started", title=m.title, starts=m.starts())
    # Held and never scheduled: the lead confirmed, when recording its outcomes, that it took place.
    return ALLOWED


def _remove(m: _Moment, _confirmed: bool) -> Verdict:
    # Refused rather than confirmed: a held workshop is part of the engagement's record (its
    # outcomes, attendance and open risks, and the audit trail that names it), and the approved
    # series is what the solution architect signs off. Taking it out would make the series and
    # the status disagree with that record, and nothing is gained: a finding that no longer
    # matters is closed in the outcomes instead.
    if m.kept():
        return no("remove_kept", kept=m.kept(), workshop=m.workshop_id)
    if m.state == RUNNING:
        return no("remove_running", title=m.title)
    return ALLOWED


RULES: dict[str, Callable[[_Moment, bool], Verdict]] = {
    RSVP: _rsvp, CHECKIN: _check_in, EDIT: _edit, SCHEDULE: _schedule, APPROVE: _approve,
    ATTENDANCE: _attendance, OUTCOMES: _outcomes, CLOSE: _close, REMOVE: _remove,
}


def check(session: Optional[Mapping], now: datetime, action: str, *, title: str = "",
          tz: tzinfo = timezone.utc, confirmed: bool = False) -> Verdict:
    """Whether `action` may be done to `session` at `now`; `title` and `tz` (the team's time zone)
    are for the message. A workshop with no session has not been opened yet: nothing to refuse."""
    if session is None:
        return ALLOWED
    return RULES[action](_Moment(session, now, title or t("workshops.lifecycle.this_workshop"), tz), confirmed)


CREATE_EVENT, UPDATE_EVENT, CANCEL_EVENT = "create", "update", "cancel"


def calendar_change(session: Mapping, in_series: bool, now: datetime) -> str:
    """What the workshop's calendar event needs now: CREATE_EVENT, UPDATE_EVENT, CANCEL_EVENT or ""
    (nothing). A workshop closed or out of the series has its event cancelled while it is still to
    come; one that has taken place keeps it, as the record of the meeting."""
    meeting = session.get("meeting") or {}
    has_event = bool(meeting.get("eventId")) and not meeting.get("cancelledAt")
    if not in_series or session["status"] == CLOSED or not session.get("start"):
        return CANCEL_EVENT if has_event and not started(session, now) else ""
    if session["status"] == HELD:
        return ""
    return UPDATE_EVENT if has_event else CREATE_EVENT


def series_state(post_go_live: Optional[Mapping]) -> str:
    """Closed once post go-live (its session given, or None) is closed: that closes the engagement."""
    return SERIES_CLOSED if post_go_live and post_go_live["status"] == CLOSED else SERIES_OPEN


def check_series(post_go_live: Optional[Mapping]) -> Verdict:
    """Whether the series may change: a workshop added or removed, the questions answered again."""
    return no("engagement_closed") if series_state(post_go_live) == SERIES_CLOSED else ALLOWED


def _minutes(span: timedelta) -> str:
    return count("minute", int(span.total_seconds() // 60))
