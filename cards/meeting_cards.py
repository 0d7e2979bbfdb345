"""Cards posted in a workshop's Teams meeting: who came, and which mandatory roles were missing."""

from __future__ import annotations

from typing import Mapping

from catalog import Catalog, Workshop
from texts import t, t_count
from workshops import attendance

from .common import card, command_button, escape, heading, notice, text
from .outcome_cards import _coverage_blocks


def coverage_card(project: Mapping, session: Mapping, workshop: Workshop, catalog: Catalog, roster: Mapping,
                  note: str = "") -> dict:
    """After the meeting: how many came, who was late, and a warning for every mandatory role missing."""
    covered = attendance.coverage(session, workshop, roster)
    marks = (session.get("attendance") or {}).values()
    late = sorted(escape(m["name"]) for m in marks if m.get("status") == "late")
    body = heading(t("cards.meeting.ended", title=workshop.title), escape(project.get("name", "")))
    body.append(text(t_count("cards.meeting.attended", covered["attended"])))
    if late:
        body.append(text(t("cards.meeting.late", names=", ".join(late)), spacing="None"))
    body += _coverage_blocks(catalog, covered)
    if not covered["missing"]:
        body.append(text(t("cards.meeting.all_roles"), color="Good"))
    if note:
        body.append(notice(note, "Warning"))
    return card(body, [command_button(t("cards.meeting.attendance"), f"attendance {workshop.id}"),
                       command_button(t("cards.meeting.record_outcomes"), f"outcomes {workshop.id}")])
