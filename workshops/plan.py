"""The workshop series of a project: recommended, changed by the team, approved by a solution architect.

A plan is a plain dict (it is stored as one document). Every change returns a new dict with
`version` increased by one; a card carries the version it showed, so an action from an
out-of-date card is recognised and never applied blindly.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping

from texts import t

from .documents import copy_document
from .history import logged
from .recommend import Recommendation

SERIES = "series"  # where a finding of the plan itself (not of a workshop) comes from
GO_LIVE_AT_RISK = "go-live-at-risk"
AWAITING = "awaiting-approval"
APPROVED = "approved"
MAX_REASON = 300


class PlanError(ValueError):
    """A change the plan cannot take; the message is for the user, `field` the change form's input
    it is about (empty when none is)."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def new_plan(project_id: str, recommendations: Iterable[Recommendation], answers: Mapping, by: dict,
             now: datetime, previous: Mapping | None = None, kept: Iterable[str] = (), *, risk: str = "",
             facts: Mapping | None = None) -> dict:
    """A fresh recommendation; re-running the questionnaire keeps the history and needs approval again.
    Workshops in `kept` (held, closed or under way: workshops/lifecycle.py) stay in the series
    whatever the new answers say, as they cannot be removed by hand either. `risk`: the
    schedule's "Go-live date at risk", kept as an open high-priority risk of the plan itself
    (see `findings`) until the questions are answered again; `facts`: the project's go-live,
    products and phase the plan was made for."""
    kept = set(kept)
    items = [{
        "workshopId": r.workshop_id, "recommended": r.recommended, "included": r.recommended or r.workshop_id in kept,
        "reasons": list(r.reasons) + ([t("workshops.plan.kept")] if r.workshop_id in kept and not r.recommended else []),
        "complexity": r.complexity, "durationHours": r.duration_hours,
        "windowStart": r.window_start.isoformat(), "windowEnd": r.window_end.isoformat(), "order": r.order,
        "week": r.week.isoformat() if r.week else None, "triage": r.triage,
    } for r in recommendations]
    changes = logged((previous or {}).get("changes"), now, by, "recommend", workshopId="", reason="")
    return {
        "id": "plan", "projectId": project_id, "type": "plan",
        "version": int((previous or {}).get("version", 0)) + 1,
        "status": AWAITING, "answers": dict(answers), "items": items, "changes": changes,
        "approvedBy": None, "approvedAt": None, "facts": dict(facts or {}),
        "risk": {"id": GO_LIVE_AT_RISK, "kind": "risk", "priority": "high", "text": risk, "open": True} if risk else None,
    }


def findings(plan: Mapping | None) -> list[dict]:
    """The plan's own findings, shaped like a workshop's (workshops/outcomes.py), from SERIES:
    the status reader counts them with the workshops' open risks, so "Go-live date at risk"
    holds go-live readiness back like any open high-priority risk."""
    risk = (plan or {}).get("risk")
    return [{**risk, "workshopId": SERIES}] if isinstance(risk, Mapping) and risk.get("open", True) else []


def included(plan: Mapping) -> list[str]:
    return [i["workshopId"] for i in sorted(plan.get("items", []), key=lambda i: i["order"]) if i["included"]]


def removals(plan: Mapping) -> dict[str, Mapping]:
    """Per workshop taken out of the series by hand, the change that did it (who, when, why):
    the latest removal since the Blueprint Review questions were last answered, unless it was
    added back since."""
    removed: dict[str, Mapping] = {}
    for entry in plan.get("changes", []):
        if entry.get("action") == "recommend":
            removed.clear()
        elif entry.get("action") == "remove":
            removed[entry.get("workshopId", "")] = entry
        elif entry.get("action") == "add":
            removed.pop(entry.get("workshopId", ""), None)
    return removed


def change(plan: Mapping, workshop_id: str, include: bool, reason: str, by: dict, now: datetime) -> dict:
    """Add or remove one workshop, with a reason; an approved plan goes back to awaiting approval."""
    reason = (reason or "").strip()
    if not reason:
        raise PlanError(t("workshops.plan.no_reason"), "reason")
    if len(reason) > MAX_REASON:
        raise PlanError(t("workshops.plan.reason_too_long", length=len(reason), limit=MAX_REASON), "reason")
    result = copy_document(plan)
    item = next((i for i in result["items"] if i["workshopId"] == workshop_id), None)
    if item is None:
        raise PlanError(t("workshops.plan.not_in_catalog"), "workshopId")
    if item["included"] == include:
        raise PlanError(t("workshops.plan.already_in" if include else "workshops.plan.not_in"), "workshopId")
    item["included"] = include
    result["changes"] = logged(result.get("changes"), now, by, "add" if include else "remove",
                               workshopId=workshop_id, reason=reason)
    result.update(status=AWAITING, approvedBy=None, approvedAt=None, version=int(result["version"]) + 1)
    return result


def approve(plan: Mapping, by: dict, now: datetime) -> dict:
    if plan.get("status") == APPROVED:
        raise PlanError(t("workshops.plan.already_approved"))
    if not included(plan):
        raise PlanError(t("workshops.plan.empty"))
    result = copy_document(plan)
    result["changes"] = logged(result.get("changes"), now, by, "approve", workshopId="", reason="")
    result.update(status=APPROVED, approvedBy=by, approvedAt=now.isoformat(), version=int(result["version"]) + 1)
    return result
