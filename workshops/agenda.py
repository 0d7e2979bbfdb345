"""A workshop session: its agenda, schedule, RSVPs and approval. Pure functions on plain dicts.

Like the plan, every change that needs approval bumps `version`; a card action carries the
version it showed, so stale cards and double clicks change nothing. RSVPs are per person and
idempotent, so they are taken from any version of the card.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping, Optional

from catalog import Workshop
from texts import clock, day, t

from . import people
from .documents import copy_document
from .history import logged
from .project import whole_number
from .words import Labels

DRAFT, AWAITING, APPROVED, HELD, CLOSED = "draft", "awaiting-approval", "approved", "held", "closed"
STATUS_LABELS = Labels("workshops.agenda.status", (DRAFT, AWAITING, APPROVED, HELD, CLOSED))
RSVP_LABELS = Labels("workshops.agenda.rsvp", ("accept", "tentative", "decline"))
MAX_TOPICS = 30
MAX_TOPIC_TITLE = 120
MAX_MINUTES = 240
NO_OWNER = "none"  # the owner choice meaning nobody
# Working hours in the team's time zone: a time outside them is asked about before it is saved.
WORKDAY_START, WORKDAY_END = time(8, 0), time(18, 0)
WEEKEND = (5, 6)  # Saturday and Sunday (date.weekday())


def schedule_anyway() -> str:
    """The question after the schedule warnings."""
    return t("workshops.agenda.schedule_anyway")


class AgendaError(ValueError):
    """A change the session cannot take; the message is for the user, `field` the form input it
    is about (empty when none is)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def session_id(workshop_id: str) -> str:
    return f"session:{workshop_id}"


def new_session(project_id: str, workshop: Workshop, duration_hours: int) -> dict:
    minutes = duration_hours * 60
    per_topic = max(5, minutes // max(1, len(workshop.topics)))
    return {
        "id": session_id(workshop.id), "projectId": project_id, "type": "session", "workshopId": workshop.id,
        "version": 1, "status": DRAFT, "durationMinutes": minutes, "start": None,
        "topics": [{"id": f"t{n}", "title": title, "owner": "", "minutes": per_topic, "custom": False,
                    "dropped": False} for n, title in enumerate(workshop.topics, start=1)],
        "rsvps": {}, "approvedBy": None, "approvedAt": None, "meeting": None, "history": [],
    }


def _changed(session: Mapping, by: dict, now: datetime, action: str, detail: str = "") -> dict:
    """A copy with the change logged; an approved agenda that changes needs approval again."""
    result = copy_document(session)
    result["history"] = logged(result.get("history"), now, by, action, detail=detail)
    if result["status"] in (DRAFT, APPROVED):
        result.update(status=AWAITING, approvedBy=None, approvedAt=None)
    result["version"] = int(result["version"]) + 1
    return result


def _minutes(value: object, label: str, field: str) -> int:
    minutes = whole_number(value, 1, MAX_MINUTES)
    if minutes is None:
        raise AgendaError(t("workshops.agenda.minutes", label=label, limit=MAX_MINUTES), field)
    return minutes


def _owner(value: object) -> str:
    owner = str(value or "")
    return "" if owner == NO_OWNER else owner


def edit_topics(session: Mapping, answers: Mapping, roster: Mapping, by: dict, now: datetime) -> dict:
    """Apply the agenda edit form: per topic keep or drop (`keep:<id>`), owner (`owner:<id>`),
    minutes (`minutes:<id>`); and optionally a new topic (`newTitle`, `newOwner`, `newMinutes`).
    Owners must be on the roster; unknown fields are ignored."""
    members = (roster.get("members") or {}) if roster else {}
    result = copy_document(session)
    for topic in result["topics"]:
        tid = topic["id"]
        if f"keep:{tid}" in answers:
            topic["dropped"] = str(answers[f"keep:{tid}"]).lower() != "true"
        if f"owner:{tid}" in answers:
            owner = _owner(answers[f"owner:{tid}"])
            if owner and owner not in members:
                raise AgendaError(t("workshops.agenda.owner_not_on_roster", topic=topic["title"]), f"owner:{tid}")
            topic["owner"] = owner
        if f"minutes:{tid}" in answers:
            topic["minutes"] = _minutes(answers[f"minutes:{tid}"], topic["title"], f"minutes:{tid}")
    title = answers.get("newTitle")
    title = title.strip() if isinstance(title, str) else ""
    if title:
        if len(title) > MAX_TOPIC_TITLE:
            raise AgendaError(t("workshops.agenda.topic_too_long", limit=MAX_TOPIC_TITLE), "newTitle")
        if len(result["topics"]) >= MAX_TOPICS:
            raise AgendaError(t("workshops.agenda.too_many_topics", limit=MAX_TOPICS), "newTitle")
        owner = _owner(answers.get("newOwner"))
        if owner and owner not in members:
            raise AgendaError(t("workshops.agenda.new_owner_not_on_roster"), "newOwner")
        minutes = _minutes(answers.get("newMinutes") or 15, title, "newMinutes")
        result["topics"].append({"id": f"c{uuid.uuid4().hex[:8]}", "title": title, "owner": owner,
                                 "minutes": minutes, "custom": True, "dropped": False})
    if not [t for t in result["topics"] if not t["dropped"]]:
        raise AgendaError(t("workshops.agenda.no_topic"))
    if result["topics"] == session["topics"]:
        raise AgendaError(t("workshops.agenda.nothing_changed"))
    return _changed(result, by, now, "edit")


def parse_start(day: object, time_of_day: object, tz) -> Optional[datetime]:
    """A date (YYYY-MM-DD) and time (HH:MM) in the team's time zone, as an aware UTC datetime."""
    try:
        local = datetime.fromisoformat(f"{str(day).strip()}T{str(time_of_day).strip()[:5]}")
    except ValueError:
        return None
    return local.replace(tzinfo=tz).astimezone(timezone.utc)


def schedule_problem(start: Optional[datetime], minutes: int, workshop: Workshop, go_live: date,
                     now: datetime, tz) -> Optional[str]:
    """Why this start time cannot be used, or None when it can."""
    if start is None:
        return t("workshops.agenda.pick_a_time")
    if start <= now:
        return t("workshops.agenda.time_in_past")
    end_local = (start + timedelta(minutes=minutes)).astimezone(tz)
    start_local = start.astimezone(tz)
    if workshop.timing == "post-go-live" and start_local.date() < go_live:
        return t("workshops.agenda.after_go_live", title=workshop.title, go_live=day(go_live))
    live = go_live <= now.astimezone(tz).date()  # a live project's workshops (performance, BI, ALM) follow go-live
    if workshop.timing != "post-go-live" and not live and end_local.date() >= go_live:
        return t("workshops.agenda.before_go_live", title=workshop.title, go_live=day(go_live))
    return None


def schedule_warnings(start: datetime, minutes: int, window: Optional[tuple[date, date]], tz) -> list[str]:
    """What the team should confirm before this start is used: a day outside the plan's
    recommended window for the workshop, a weekend, or a time outside working hours."""
    start_local, end_local = start.astimezone(tz), (start + timedelta(minutes=minutes)).astimezone(tz)
    warnings = []
    if window and not window[0] <= start_local.date() <= window[1]:
        warnings.append(t("workshops.agenda.outside_window", day=day(start_local.date()), first=day(window[0]),
                          last=day(window[1])))
    if start_local.weekday() in WEEKEND:
        on = start_local.date()  # "Saturday 12 Dec": the full weekday name
        warnings.append(t("workshops.agenda.weekend", weekday=t("workshops.agenda.weekdays").split()[on.weekday()],
                          d=on.day, month=t("texts.months").split()[on.month - 1]))
    elif (start_local.time() < WORKDAY_START or end_local.date() != start_local.date()
          or end_local.time() > WORKDAY_END):
        warnings.append(t("workshops.agenda.outside_hours", start=clock(start_local), end=clock(end_local),
                          day_start=f"{WORKDAY_START:%H:%M}", day_end=f"{WORKDAY_END:%H:%M}", zone=tz))
    return warnings


def schedule(session: Mapping, start: datetime, by: dict, now: datetime) -> dict:
    if session.get("start") == start.isoformat():
        raise AgendaError(t("workshops.agenda.already_at_that_time"))
    result = _changed(session, by, now, "schedule", start.isoformat())
    result["start"] = start.isoformat()
    result.pop("reminderSentAt", None)
    return result


def rsvp(session: Mapping, who: dict, response: str, now: datetime) -> dict:
    if response not in RSVP_LABELS:
        raise AgendaError(t("workshops.agenda.rsvp_answer"))
    answer = {"response": response, "name": who["name"], "at": now.isoformat()}
    return {**session, "rsvps": {**session["rsvps"], who["aadObjectId"]: answer}}  # the rest is shared, unchanged


def approve(session: Mapping, by: dict, now: datetime) -> dict:
    """Approve the agenda; whether it may be approved now is workshops/lifecycle.py's to say."""
    result = copy_document(session)
    result["history"] = logged(result.get("history"), now, by, "approve", detail="")
    result.update(status=APPROVED, approvedBy=by, approvedAt=now.isoformat(), version=int(result["version"]) + 1)
    return result


def invitees(workshop: Workshop, roster: Mapping) -> dict:
    """Who is invited, by role: mandatory people, recommended people, and mandatory roles nobody holds."""
    def people_for(roles) -> list[dict]:
        seen, result = set(), []
        for role in roles:
            for person in people.holders(roster, role):
                if person["aadObjectId"] not in seen:
                    seen.add(person["aadObjectId"])
                    result.append(person)
        return result

    mandatory = people_for(workshop.mandatory)
    mandatory_ids = {p["aadObjectId"] for p in mandatory}
    recommended = [p for p in people_for(workshop.recommended) if p["aadObjectId"] not in mandatory_ids]
    return {"mandatory": mandatory, "recommended": recommended,
            "unfilled": people.unfilled_roles(roster, workshop.mandatory)}


def not_accepted(session: Mapping, mandatory: list[dict]) -> list[dict]:
    """Mandatory attendees who have not accepted (no answer, tentative or declined)."""
    return [p for p in mandatory if (session.get("rsvps", {}).get(p["aadObjectId"]) or {}).get("response") != "accept"]


def agenda_minutes(session: Mapping) -> int:
    return sum(t["minutes"] for t in session["topics"] if not t["dropped"])


def reminder_due(session: Mapping, lead_hours: float) -> datetime:
    """When the reminder for a scheduled session is due: `lead_hours` before it starts."""
    return datetime.fromisoformat(session["start"]) - timedelta(hours=lead_hours)
