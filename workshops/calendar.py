"""An iCalendar (RFC 5545) invitation for a workshop session, with its agenda in the description."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Mapping

from catalog import Workshop
from texts import t


def _escape(text: str) -> str:
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _fold(line: str) -> list[str]:
    """Lines longer than 75 octets continue on the next line after a space (RFC 5545 3.1)."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode("utf-8")) > (75 if not out else 74):
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0]] + [" " + part for part in out[1:]]


def _utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def invitation(project: Mapping, session: Mapping, workshop: Workshop, roster: Mapping, now: datetime) -> str:
    start = datetime.fromisoformat(session["start"])
    end = start + timedelta(minutes=session["durationMinutes"])
    members = roster.get("members", {}) if roster else {}
    lines = [f"{workshop.title}: {workshop.purpose}", "", t("workshops.calendar.agenda")]
    for topic in (topic for topic in session["topics"] if not topic["dropped"]):
        owner = members.get(topic["owner"], {}).get("name", "") if topic["owner"] else ""
        lines.append("- " + t("workshops.calendar.topic_with_owner" if owner else "workshops.calendar.topic",
                              title=topic["title"], minutes=topic["minutes"], owner=owner))
    if workshop.learn_more:
        lines += ["", t("workshops.calendar.pre_reading", url=workshop.learn_more)]
    meeting = session.get("meeting") or {}
    if meeting.get("joinUrl"):
        lines += ["", t("workshops.calendar.join", url=meeting["joinUrl"])]
    props = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Implementation Workshops//Teams bot//EN", "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{session['id'].replace(':', '-')}@{project['projectId'].replace(':', '-').replace('@', '.')}",
        f"DTSTAMP:{_utc(now)}", f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}",
        f"SUMMARY:{_escape(project.get('name', '') + ': ' + workshop.title)}",
        f"DESCRIPTION:{_escape(chr(10).join(lines))}",
        f"SEQUENCE:{int(session.get('version', 1))}",
    ]
    if meeting.get("joinUrl"):
        props += [f"URL:{meeting['joinUrl']}", f"LOCATION:{_escape(t('workshops.calendar.location'))}"]
    props += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(folded for prop in props for folded in _fold(prop)) + "\r\n"
