"""Who attended a workshop session, and whether every mandatory role was in the room."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping, Optional

from catalog import Workshop
from texts import t

from . import people
from .documents import copy_document
from .lifecycle import LATE_AFTER
from .words import Labels

STATUSES = Labels("workshops.attendance.status", ("present", "late", "absent"))
ATTENDED = ("present", "late")


def _someone(record: Mapping) -> str:
    """The stored name; "Someone" when the record has none."""
    return record["name"] if "name" in record else t("workshops.attendance.someone")


def check_in(session: Mapping, who: Mapping, now: datetime, source: str = "checkin") -> dict:
    """Mark a person present (late when they arrive more than LATE_AFTER after the start); a second
    check-in keeps the first time. Whether check-in is open is workshops/lifecycle.py's to say.
    `source`: "checkin" (typed or I'm here) or "meeting" (they joined the Teams meeting)."""
    marks = session.get("attendance", {})
    if (marks.get(who["aadObjectId"]) or {}).get("status") in ATTENDED:
        return dict(session)
    late = session.get("start") and now > datetime.fromisoformat(session["start"]) + LATE_AFTER
    entry = {"name": who["name"], "status": "late" if late else "present", "at": now.isoformat(), "source": source}
    return {**session, "attendance": {**marks, who["aadObjectId"]: entry}}  # the rest is shared, unchanged


def left(session: Mapping, aad: str, now: datetime) -> dict:
    """Someone left the meeting: the time is kept on their mark (the latest leave wins)."""
    marks = session.get("attendance", {})
    mark = marks.get(aad)
    if not mark or mark.get("status") not in ATTENDED or mark.get("leftAt") == now.isoformat():
        return dict(session)
    return {**session, "attendance": {**marks, aad: {**mark, "leftAt": now.isoformat()}}}


def _shown_status(value: object) -> str:
    return value if isinstance(value, str) and value in STATUSES else "unknown"


def shown_marks(answers: Mapping) -> Optional[dict]:
    """What the attendance card showed per person (aadObjectId -> status or "unknown"), or None
    for a card that does not say (one rendered before cards carried it)."""
    shown = answers.get("shown")
    if not isinstance(shown, Mapping):
        return None
    return {aad: _shown_status(value) for aad, value in shown.items() if isinstance(aad, str)}


def changed_since(session: Mapping, shown: Mapping[str, str]) -> bool:
    """Whether anyone's mark differs from what the card showed."""
    marks = session.get("attendance") or {}
    return any(aad not in shown for aad in marks) or any(
        (status_of(session, aad) or "unknown") != status for aad, status in shown.items())


def mark(session: Mapping, answers: Mapping, roster: Mapping, now: datetime) -> dict:
    """The lead's attendance card: `status:<aad>` for the people it showed (`shown_marks`).

    Only the marks the lead changed on that card are applied: someone the card showed as not
    recorded and left so keeps a check-in made since; for a mark both changed, this newer save
    wins. People the card did not show, and unknown people, are untouched."""
    members = roster.get("members") or {}
    shown = shown_marks(answers) or {}
    result = copy_document(session)
    marks = result.setdefault("attendance", {})
    for aad, was in shown.items():
        value = answers.get(f"status:{aad}")
        if not isinstance(value, str) or (aad not in members and aad not in marks):
            continue
        value = value or "unknown"
        if value == was or (value != "unknown" and value not in STATUSES):
            continue
        if value == "unknown":
            marks.pop(aad, None)
            continue
        name = members.get(aad, {}).get("name") or _someone(marks.get(aad) or {})
        if (marks.get(aad) or {}).get("status") != value:
            marks[aad] = {"name": name, "status": value, "at": now.isoformat(), "source": "manual"}
    guest = answers.get("guest")
    if isinstance(guest, str) and guest in members and guest not in marks:
        marks[guest] = {"name": _someone(members[guest]), "status": "present", "at": now.isoformat(),
                        "source": "manual"}
    return result


def import_report(session: Mapping, records: Iterable[Mapping], roster: Mapping) -> dict:
    """A Teams meeting's attendance report: everyone who joined is present (late if they joined
    more than LATE_AFTER after the start); manual marks made by a lead are kept."""
    result = copy_document(session)
    marks = result.setdefault("attendance", {})
    start = datetime.fromisoformat(session["start"]) if session.get("start") else None
    for record in records:
        aad = record.get("aadObjectId")
        if not aad or (marks.get(aad) or {}).get("source") == "manual":
            continue
        joined = record.get("joined")
        late = bool(start and joined and datetime.fromisoformat(joined.replace("Z", "+00:00")) > start + LATE_AFTER)
        marks[aad] = {"name": record.get("name") or t("workshops.attendance.someone"), "status": "late" if late else "present",
                      "at": joined or "", "source": "meeting", "seconds": record.get("totalSeconds")}
    return result


def coverage(session: Mapping, workshop: Workshop, roster: Mapping) -> dict:
    """Which mandatory roles were present, and which were not (each needs a warning)."""
    attended = {aad for aad, m in (session.get("attendance") or {}).items() if m.get("status") in ATTENDED}
    covered, missing = [], []
    for role in workshop.mandatory:
        holders = {p["aadObjectId"] for p in people.holders(roster, role)}
        (covered if holders & attended else missing).append(role)
    return {"covered": covered, "missing": missing, "attended": len(attended)}


def present_names(session: Mapping) -> list[str]:
    return [m["name"] for m in (session.get("attendance") or {}).values() if m.get("status") in ATTENDED]


def status_of(session: Mapping, aad: str) -> Optional[str]:
    return ((session.get("attendance") or {}).get(aad) or {}).get("status")
