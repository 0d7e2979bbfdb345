"""Recommend a project's workshop series, the way a solution architect does after the
Solution Blueprint Review.

Pure domain rules (standard library only): `plan_series` turns a `Profile` (the questionnaire's
answers with the project's go-live, products and phase, see `workshops.blueprint`) into one
`Recommendation` per catalog workshop - recommended or not, with reasons that cite the facts
behind them (`workshops.rules`), a complexity, a duration, and the week it is held in
(`workshops.schedule`: from the review date forward at a weekly capacity, prerequisites first,
a short runway triaged) - and, when the runway is too short, the risk "Go-live date at risk".

Complexity is low, medium or high: one, two or three hours (`COMPLEXITY_HOURS`); a triaged
schedule may shorten a workshop, and then its duration says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

# AnswerError, Profile and profile_from_answers are re-exported: the planning dialog imports them from here.
from .blueprint import AnswerError, Profile, profile_from_answers
from .rules import RULES, judge
from .schedule import ORDER, plan_weeks

__all__ = [
    "COMPLEXITY_HOURS", "PREREQUISITES", "RULES", "Recommendation", "Series", "plan_series", "recommend",
    "AnswerError", "Profile", "profile_from_answers",
]

COMPLEXITY_HOURS = {"low": 1, "medium": 2, "high": 3}
PREREQUISITES = ORDER
DEFAULT_PER_WEEK = 2


@dataclass(frozen=True)
class Recommendation:
    workshop_id: str
    recommended: bool
    reasons: tuple[str, ...]
    complexity: str
    duration_hours: int
    window_start: date
    window_end: date
    order: int
    week: Optional[date] = None   # Monday of the week it is held in (None when not in the schedule)
    triage: str = ""              # merged, shortened or over capacity for a short runway, and why


@dataclass(frozen=True)
class Series:
    recommendations: tuple[Recommendation, ...]
    risk: str = ""


def plan_series(profile: Profile, catalog, *, today: date, per_week: int = DEFAULT_PER_WEEK) -> Series:
    """One Recommendation per catalog workshop, in the order they are held (see the module docstring)."""
    unknown = [w.id for w in catalog.workshops if w.id not in RULES]
    if unknown:
        raise ValueError(f"No recommendation rule for workshop(s): {', '.join(unknown)}")
    judged = {w.id: judge(w.id, profile, today) for w in catalog.workshops}
    wanted = {wid: COMPLEXITY_HOURS[complexity] for wid, (recommended, complexity, _) in judged.items() if recommended}
    schedule = plan_weeks(wanted, {w.id: w.title for w in catalog.workshops}, go_live=profile.go_live, today=today,
                          live=profile.live(today), per_week=per_week)
    rank = {wid: n for n, wid in enumerate(ORDER)}
    far = date.max

    def key(wid: str):
        return (schedule.slots[wid].week or far, rank[wid])

    recommendations = []
    for order, wid in enumerate(sorted(judged, key=key), start=1):
        recommended, complexity, reasons = judged[wid]
        slot = schedule.slots[wid]
        dropped = recommended and slot.week is None
        recommendations.append(Recommendation(
            workshop_id=wid, recommended=recommended and not dropped,
            reasons=((slot.note,) + reasons) if dropped else reasons, complexity=complexity,
            duration_hours=slot.hours if recommended else COMPLEXITY_HOURS[complexity],
            window_start=slot.start, window_end=slot.end, order=order, week=slot.week,
            triage="" if dropped else slot.note))
    return Series(tuple(recommendations), schedule.risk)


def recommend(profile: Profile, catalog, *, today: date, per_week: int = DEFAULT_PER_WEEK) -> tuple[Recommendation, ...]:
    """The recommendations of `plan_series`, without the risk."""
    return plan_series(profile, catalog, today=today, per_week=per_week).recommendations
