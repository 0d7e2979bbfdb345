"""Recommend a project's workshop series, the way a solution architect does after the
Solution Blueprint Review.

Pure domain rules (standard library only): `recommend` turns a `Profile` (the answers of the
questionnaire, see `workshops.blueprint`) into one `Recommendation` per catalog workshop -
recommended or not, with reasons in plain words, a complexity, a duration and a target window
relative to go-live - ordered so prerequisites come first.

Rules (a workshop not recommended gets complexity "low"):

  workshop              recommended when                  complexity
  data-model            always                            high: >=3 products or >=5 gaps;
                                                          medium: 2 products or 1-4 gaps; else low
  integration           any integration in scope          high: >=4 external systems or >=3 kinds;
                                                          medium: any external system or 2 kinds; else low
  data-migration        data migration in scope           the migration volume (low/medium/high)
  security-model        >1 business unit, regulated,      high: regulated and >=5 business units;
                        or >=3 products                   medium: regulated or >=5 business units; else low
  solution-performance  high volumes or geo-distributed   high: both; else medium
  test-strategy         always                            1 point each: integrations, data migration, gaps,
                                                          high volumes/geographies, regulated;
                                                          >=3 high, 1-2 medium, 0 low
  user-experience       legacy mapping or branding        medium: both; else low
  alm                   ALM maturity is not "mature"      high: "none"; medium: "basic"
  gap-solution          at least one gap                  high: >=10 gaps; medium: 3-9; low: 1-2
  cutover               always                            points: volume (none 0, low 1, medium 2, high 3)
                                                          +1 any integration, +1 for >=4 external systems;
                                                          >=3 high, 1-2 medium, 0 low
  post-go-live          always                            low
  bi-analytics          reporting is not "none"           high: "advanced"; medium: "standard"

Duration is `COMPLEXITY_HOURS[complexity]`.

Target windows, in weeks relative to go-live (negative = before): see `WINDOWS`. A window is
clamped so it never starts before today; a clamped window gets at least a week (when go-live
allows), pre-go-live windows end on or before the day before go-live, and a recommended
workshop whose window was clamped gets the reason "Go-live is close: hold this soon".

Order: by window start, ties broken by `PREREQUISITES`. The window starts follow that order,
so test-strategy always comes before cutover and cutover before post-go-live.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Mapping

# AnswerError and profile_from_answers are re-exported: the planning dialog imports them from here.
from .blueprint import INTEGRATIONS, AnswerError, Profile, profile_from_answers
from .project import PRODUCTS
from .words import plural as _plural

__all__ = [
    "COMPLEXITY_HOURS", "WINDOWS", "PREREQUISITES", "RULES", "Recommendation", "recommend",
    "AnswerError", "Profile", "profile_from_answers",
]

COMPLEXITY_HOURS = {"low": 1, "medium": 2, "high": 3}

# Target window per workshop: (start, end) in weeks relative to go-live, negative = before.
WINDOWS: Mapping[str, tuple[int, int]] = {
    "data-model": (-30, -22),
    "integration": (-30, -22),
    "security-model": (-26, -18),
    "gap-solution": (-26, -18),
    "alm": (-26, -18),
    "data-migration": (-24, -14),
    "user-experience": (-24, -14),
    "test-strategy": (-20, -12),
    "bi-analytics": (-20, -12),
    "solution-performance": (-16, -10),
    "cutover": (-10, -4),
    "post-go-live": (2, 8),
}
PREREQUISITES = (
    "data-model", "integration", "security-model", "gap-solution", "alm", "data-migration",
    "user-experience", "test-strategy", "bi-analytics", "solution-performance", "cutover", "post-go-live",
)

MANY_BUSINESS_UNITS = 5
MANY_EXTERNAL_SYSTEMS = 4
MIN_CLAMPED_DAYS = 7        # a clamped window still gets a week, when go-live allows


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


# --- the rules ----------------------------------------------------------------------------

Rule = tuple[bool, str, tuple[str, ...]]  # recommended, complexity, reasons


def _listed(slugs: tuple[str, ...], labels: Mapping[str, str]) -> str:
    return ", ".join(labels.get(s, s) for s in slugs)


def _volume_words(volume: str) -> str:
    return {"low": "a low volume (under 1 million records)", "medium": "a medium volume (1 to 10 million records)",
            "high": "a high volume (over 10 million records)"}.get(volume, "no volume given")


def _data_model(p: Profile) -> Rule:
    n = len(p.products)
    reasons = ["Every project has a data model to review",
               f"{_plural(n, 'product')} in scope: {_listed(p.products, PRODUCTS)}"]
    if p.gap_count:
        reasons.append(f"{_plural(p.gap_count, 'gap requirement')} may add custom tables and fields")
    complexity = "high" if n >= 3 or p.gap_count >= 5 else "medium" if n == 2 or p.gap_count else "low"
    return True, complexity, tuple(reasons)


def _integration(p: Profile) -> Rule:
    if not p.integrations:
        return False, "low", ("No integrations in scope",)
    reasons = [f"Integrations in scope: {_listed(p.integrations, INTEGRATIONS)}"]
    if p.external_systems:
        reasons.append(f"{_plural(p.external_systems, 'external system')} to connect")
    kinds = len(p.integrations)
    complexity = ("high" if p.external_systems >= MANY_EXTERNAL_SYSTEMS or kinds >= 3
                  else "medium" if p.external_systems or kinds == 2 else "low")
    return True, complexity, tuple(reasons)


def _data_migration(p: Profile) -> Rule:
    if not p.data_migration:
        return False, "low", ("No data migration in scope",)
    complexity = p.migration_volume if p.migration_volume in COMPLEXITY_HOURS else "medium"
    return True, complexity, (f"Data migration is in scope with {_volume_words(p.migration_volume)}",)


def _security_model(p: Profile) -> Rule:
    reasons = []
    if p.business_units > 1:
        reasons.append(f"{_plural(p.business_units, 'business unit')} need their own access rules")
    if p.regulated:
        reasons.append("Regulations and compliance apply")
    if len(p.products) >= 3:
        reasons.append(f"{_plural(len(p.products), 'product')} share one security model")
    if not reasons:
        return False, "low", ("One business unit, no regulations and fewer than three products: "
                              "standard security roles are likely enough",)
    many = p.business_units >= MANY_BUSINESS_UNITS
    complexity = "high" if p.regulated and many else "medium" if p.regulated or many else "low"
    return True, complexity, tuple(reasons)


def _solution_performance(p: Profile) -> Rule:
    reasons = []
    if p.high_volumes:
        reasons.append("Large transaction volumes must perform")
    if p.geo_distributed:
        reasons.append("Users work in several geographies")
    if not reasons:
        return False, "low", ("No large transaction volumes and users in one geography",)
    return True, "high" if len(reasons) == 2 else "medium", tuple(reasons)


def _test_strategy(p: Profile) -> Rule:
    reasons = ["Testing must be planned before cutover"]
    factors = [
        (bool(p.integrations), "System integration tests are needed"),
        (p.data_migration, "Migrated data must be validated"),
        (p.gap_count > 0, "Custom gap solutions need functional and regression tests"),
        (p.high_volumes or p.geo_distributed, "Performance tests are needed"),
        (p.regulated, "Security and compliance tests are needed"),
    ]
    reasons += [text for applies, text in factors if applies]
    points = sum(applies for applies, _ in factors)
    return True, "high" if points >= 3 else "medium" if points else "low", tuple(reasons)


def _user_experience(p: Profile) -> Rule:
    reasons = []
    if p.legacy_mapping:
        reasons.append("Users move from a legacy system whose screens must be mapped")
    if p.branding:
        reasons.append("Corporate branding and user experience matter")
    if not reasons:
        return False, "low", ("No legacy system mapping or branding concerns",)
    return True, "medium" if len(reasons) == 2 else "low", tuple(reasons)


def _alm(p: Profile) -> Rule:
    if p.alm_maturity == "mature":
        return False, "low", ("Build, release and environments are already mature",)
    if p.alm_maturity == "none":
        return True, "high", ("No application lifecycle management yet: "
                              "build, release and environments must be planned",)
    return True, "medium", ("Application lifecycle management is basic: build, release and environments need work",)


def _gap_solution(p: Profile) -> Rule:
    if p.gap_count <= 0:
        return False, "low", ("No gaps: the standard product meets the requirements",)
    complexity = "high" if p.gap_count >= 10 else "medium" if p.gap_count >= 3 else "low"
    return True, complexity, (f"{_plural(p.gap_count, 'gap requirement')} not met by the standard product",)


def _cutover(p: Profile) -> Rule:
    reasons = ["Every go-live needs a cutover plan"]
    points = {"low": 1, "medium": 2, "high": 3}.get(p.migration_volume, 0) if p.data_migration else 0
    if points:
        reasons.append(f"Data is migrated at cutover: {_volume_words(p.migration_volume)}")
    if p.integrations:
        points += 1
        reasons.append("Integrations must be switched over")
    if p.external_systems >= MANY_EXTERNAL_SYSTEMS:
        points += 1
        reasons.append(f"{_plural(p.external_systems, 'external system')} take part in the cutover")
    return True, "high" if points >= 3 else "medium" if points else "low", tuple(reasons)


def _post_go_live(p: Profile) -> Rule:
    return True, "low", ("Every project reviews lessons learned and support after go-live",)


def _bi_analytics(p: Profile) -> Rule:
    if p.reporting == "advanced":
        return True, "high", ("Advanced business intelligence and analytics are in scope",)
    if p.reporting == "standard":
        return True, "medium", ("Standard reporting is in scope",)
    return False, "low", ("No reporting needs beyond the standard product",)


RULES: Mapping[str, Callable[[Profile], Rule]] = {
    "data-model": _data_model, "integration": _integration, "data-migration": _data_migration,
    "security-model": _security_model, "solution-performance": _solution_performance,
    "test-strategy": _test_strategy, "user-experience": _user_experience, "alm": _alm,
    "gap-solution": _gap_solution, "cutover": _cutover, "post-go-live": _post_go_live,
    "bi-analytics": _bi_analytics,
}


def _window(workshop_id: str, go_live: date, today: date) -> tuple[date, date, bool]:
    """The target window, clamped to start no earlier than today; True when it was clamped."""
    start_weeks, end_weeks = WINDOWS[workshop_id]
    start, end = go_live + timedelta(weeks=start_weeks), go_live + timedelta(weeks=end_weeks)
    clamped = start < today
    if clamped:
        start = today
        end = max(end, start + timedelta(days=MIN_CLAMPED_DAYS - 1))
    if end_weeks < 0:
        end = min(end, go_live - timedelta(days=1))
    return start, max(end, start), clamped


def recommend(profile: Profile, catalog, *, today: date) -> tuple[Recommendation, ...]:
    """One Recommendation per catalog workshop, prerequisites first (see the module docstring)."""
    if profile.go_live <= today:
        raise ValueError("Go-live must be after today to plan workshops.")
    unknown = [w.id for w in catalog.workshops if w.id not in RULES]
    if unknown:
        raise ValueError(f"No recommendation rule for workshop(s): {', '.join(unknown)}")
    rank = {wid: i for i, wid in enumerate(PREREQUISITES)}
    drafts = []
    for workshop in catalog.workshops:
        recommended, complexity, reasons = RULES[workshop.id](profile)
        start, end, clamped = _window(workshop.id, profile.go_live, today)
        if recommended and clamped:
            reasons += ("Go-live is close: hold this soon",)
        drafts.append((start, rank[workshop.id], workshop.id, recommended, reasons, complexity, end))
    drafts.sort()
    return tuple(
        Recommendation(workshop_id=wid, recommended=recommended, reasons=reasons, complexity=complexity,
                       duration_hours=COMPLEXITY_HOURS[complexity], window_start=start, window_end=end,
                       order=order)
        for order, (start, _, wid, recommended, reasons, complexity, end) in enumerate(drafts, start=1)
    )
