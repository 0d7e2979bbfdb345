"""The project at a glance: the series, attendance coverage, open risks and issues, overdue
actions, and go-live readiness."""

from __future__ import annotations

from datetime import date
from typing import Mapping, Optional

from . import agenda, attendance, outcomes
from . import plan as plans

STATES = {None: "Planned", agenda.DRAFT: "Planned", agenda.AWAITING: "Planned", agenda.APPROVED: "Scheduled",
          agenda.HELD: "Held", agenda.CLOSED: "Closed"}


def series_state(session: Optional[Mapping]) -> str:
    if not session:
        return "Planned"
    if session["status"] in (agenda.HELD, agenda.CLOSED):
        return STATES[session["status"]]
    return "Scheduled" if session.get("start") else "Planned"


def project_status(plan: Optional[Mapping], sessions: Mapping[str, Mapping], outcome_docs: list[Mapping],
                   catalog, roster: Mapping, today: date) -> dict:
    series = []
    for workshop_id in (plans.included(plan) if plan else []):
        workshop = catalog.get(workshop_id)
        session = sessions.get(workshop_id)
        row = {"workshopId": workshop_id, "title": workshop.title, "state": series_state(session)}
        if session and session["status"] in (agenda.HELD, agenda.CLOSED):
            row["missing_roles"] = attendance.coverage(session, workshop, roster)["missing"]
        series.append(row)
    items = outcomes.open_items(outcome_docs, today)
    open_risks = [f for f in items["findings"] if f["kind"] in ("risk", "issue")]
    by_priority = {p: sum(1 for f in open_risks if f["priority"] == p) for p in outcomes.PRIORITIES}
    blocking = outcomes.blocking(items["findings"])
    post = sessions.get("post-go-live")
    return {
        "series": series, "open_by_priority": by_priority, "blocking": blocking,
        "overdue": sum(1 for a in items["actions"] if a["overdue"]), "ready": not blocking,
        "engagement_closed": bool(post and post["status"] == agenda.CLOSED),
    }
