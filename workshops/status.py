"""The project at a glance: the series, attendance coverage, open risks and issues, overdue
actions, and go-live readiness."""

from __future__ import annotations

from datetime import date
from typing import Mapping, Optional

from texts import t

from . import agenda, attendance, lifecycle, outcomes
from . import plan as plans


def series_state(session: Optional[Mapping]) -> str:
    """"Planned", "Scheduled", "Held" or "Closed", in the turn's language."""
    if not session:
        return t("workshops.status.planned")
    if session["status"] in (agenda.HELD, agenda.CLOSED):
        return t(f"workshops.status.{session['status']}")
    return t("workshops.status.scheduled") if session.get("start") else t("workshops.status.planned")


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
    items["findings"] += plans.findings(plan)  # "Go-live date at risk", when the runway was triaged
    open_risks = [f for f in items["findings"] if f["kind"] in ("risk", "issue")]
    by_priority = {p: sum(1 for f in open_risks if f["priority"] == p) for p in outcomes.PRIORITIES}
    blocking = outcomes.blocking(items["findings"])
    post = sessions.get(lifecycle.CLOSES_ENGAGEMENT)
    return {
        "series": series, "open_by_priority": by_priority, "blocking": blocking,
        "risks_by_workshop": risks_by_workshop(open_risks, [row["workshopId"] for row in series], catalog),
        "overdue": sum(1 for a in items["actions"] if a["overdue"]), "ready": not blocking,
        "engagement_closed": lifecycle.series_state(post) == lifecycle.SERIES_CLOSED,
    }


def risks_by_workshop(open_risks: list[Mapping], in_series: list[str], catalog) -> list[dict]:
    """Where every open risk and issue comes from: one row per workshop that has any, in the
    series' order, then workshops no longer in the series (their findings still count)."""
    counts: dict[str, dict[str, int]] = {}
    for finding in open_risks:
        row = counts.setdefault(finding["workshopId"], dict.fromkeys(outcomes.PRIORITIES, 0))
        row[finding["priority"]] += 1
    in_series = [plans.SERIES] + list(in_series)
    order = [w for w in in_series if w in counts] + [w for w in counts if w not in in_series]
    return [{"workshopId": w, "title": source_title(w, catalog), "inSeries": w in in_series, "counts": counts[w]}
            for w in order]


def source_title(where: str, catalog) -> str:
    """What a finding came from: a workshop, or the series plan itself."""
    if where == plans.SERIES:
        return t("workshops.status.series_plan")
    return catalog.get(where).title if where in catalog else where
