"""Recommend a project's workshop series, the way a solution architect does after the
Solution Blueprint Review.

Pure domain rules (standard library only): `profile_from_answers` turns the raw answers of
the questionnaire card into a `Profile`; `recommend` gives one `Recommendation` per catalog
workshop - recommended or not, with reasons in plain words, a complexity, a duration and a
target window relative to go-live - ordered so prerequisites come first.

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

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Mapping

from .project import PRODUCTS, parse_date

__all__ = [
    "PRODUCTS", "MIGRATION_VOLUMES", "INTEGRATIONS", "REPORTING", "ALM_MATURITY", "COMPLEXITY_HOURS",
    "WINDOWS", "PREREQUISITES", "RULES", "MAX_COUNT", "AnswerError", "Profile", "Recommendation",
    "profile_from_answers", "recommend",
]

MIGRATION_VOLUMES = {
    "none": "No data migration",
    "low": "Low (under 1 million records)",
    "medium": "Medium (1 to 10 million records)",
    "high": "High (over 10 million records)",
}
INTEGRATIONS = {
    "office365": "Office 365",
    "power-platform": "Microsoft Power Platform",
    "azure": "Azure",
    "external": "External systems",
}
REPORTING = {"none": "No reporting needs", "standard": "Standard reporting", "advanced": "Advanced BI and analytics"}
ALM_MATURITY = {
    "none": "No ALM yet",
    "basic": "Basic (some build, release or environment practice)",
    "mature": "Mature (build, release and environments in place)",
}
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

MAX_COUNT = 1000            # a sane maximum for every count answer
MAX_YEARS_AHEAD = 5         # a go-live further away than this is a typo
MANY_BUSINESS_UNITS = 5
MANY_EXTERNAL_SYSTEMS = 4
MIN_CLAMPED_DAYS = 7        # a clamped window still gets a week, when go-live allows


class AnswerError(ValueError):
    """Questionnaire answers that cannot make a Profile; `errors` maps EVERY bad field to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True, kw_only=True)
class Profile:
    """What a Solution Blueprint Review yields (keyword-only; products and go_live are required)."""
    products: tuple[str, ...]
    data_migration: bool = False
    migration_volume: str = "none"
    integrations: tuple[str, ...] = ()
    external_systems: int = 0
    gap_count: int = 0
    business_units: int = 1
    regulated: bool = False
    high_volumes: bool = False
    geo_distributed: bool = False
    reporting: str = "none"
    legacy_mapping: bool = False
    branding: bool = False
    alm_maturity: str = "basic"
    go_live: date


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


# --- answers -> Profile -----------------------------------------------------------------

_BOOLS = ("data_migration", "regulated", "high_volumes", "geo_distributed", "legacy_mapping", "branding")
_COUNTS = {"external_systems": 0, "gap_count": 0, "business_units": 1}  # field -> minimum
_CHOICES = {"migration_volume": MIGRATION_VOLUMES, "reporting": REPORTING, "alm_maturity": ALM_MATURITY}
_LABELS = {
    "products": "Products", "integrations": "Integrations", "external_systems": "External systems",
    "gap_count": "Gap requirements", "business_units": "Business units", "migration_volume": "Migration volume",
    "reporting": "Reporting", "alm_maturity": "ALM maturity", "go_live": "Go-live",
    "data_migration": "Data migration", "regulated": "Regulations and compliance",
    "high_volumes": "Large transaction volumes", "geo_distributed": "Users in several geographies",
    "legacy_mapping": "Legacy system mapping", "branding": "Branding and user experience",
}


def _raw(answers: Mapping, field: str) -> object:
    """The answer for a field, under its snake_case or camelCase name; None when blank."""
    camel = re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), field)
    value = answers.get(field, answers.get(camel))
    if isinstance(value, str):
        value = value.strip()
    return None if value in (None, "") else value


def _choices(value: object) -> tuple[str, ...]:
    """A multi-select answer: comma-separated string (or a list), lower-cased, duplicates dropped."""
    items = value.split(",") if isinstance(value, str) else value if isinstance(value, (list, tuple)) else ()
    return tuple(dict.fromkeys(str(v).strip().lower() for v in items if str(v).strip()))


def profile_from_answers(answers: Mapping, *, today: date) -> Profile:
    """Validate raw questionnaire answers (all strings) and build a Profile.

    Keys are the Profile field names (camelCase such as "goLive" is accepted too); unknown keys
    are ignored. Every bad field is reported at once in `AnswerError.errors`.

    Defaults for missing answers: booleans false, counts 0 (business units 1), reporting "none",
    ALM maturity "basic". `products` and `go_live` are required. When `data_migration` is not
    answered it is inferred from the volume. Choices made:
    - data migration in scope with volume "none" (or no volume) is an error, and so is a
      volume other than "none" with data migration explicitly out of scope;
    - external_systems > 0 adds "external" to the integrations (inferred, not an error), but
      "external" chosen with external_systems explicitly 0 is an error.
    """
    if not isinstance(answers, Mapping):
        raise AnswerError({"form": "The form was empty."})
    errors: dict[str, str] = {}

    flags: dict[str, bool] = {}
    for field in _BOOLS:
        value = _raw(answers, field)
        text = str(value).lower() if value is not None else "false"
        if isinstance(value, bool):
            flags[field] = value
        elif text in ("true", "false"):
            flags[field] = text == "true"
        else:
            errors[field] = f"{_LABELS[field]}: answer true or false, not {str(value)[:30]!r}."
            flags[field] = False

    counts: dict[str, int] = {}
    for field, minimum in _COUNTS.items():
        value, label = _raw(answers, field), _LABELS[field]
        counts[field] = minimum
        if value is None:
            continue
        text = str(value) if not isinstance(value, bool) else "?"
        if not re.fullmatch(r"[+-]?[0-9]+", text):
            errors[field] = f"{label} must be a whole number, not {text[:30]!r}."
        elif not minimum <= int(text) <= MAX_COUNT:
            errors[field] = f"{label} must be between {minimum} and {MAX_COUNT}."
        else:
            counts[field] = int(text)

    picked: dict[str, str] = {}
    for field, options in _CHOICES.items():
        value = _raw(answers, field)
        picked[field] = str(value).lower() if value is not None else ""
        if value is not None and picked[field] not in options:
            errors[field] = (f"{_LABELS[field]} {str(value)[:30]!r} is not an option; "
                             f"choose one of: {', '.join(options)}.")

    products = _choices(_raw(answers, "products"))
    unknown = [p for p in products if p not in PRODUCTS]
    if not products:
        errors["products"] = "Choose at least one Dynamics 365 product in scope."
    elif unknown:
        errors["products"] = f"Unknown product: {', '.join(unknown)}; choose from: {', '.join(PRODUCTS)}."

    integrations = _choices(_raw(answers, "integrations"))
    unknown = [i for i in integrations if i not in INTEGRATIONS]
    if unknown:
        errors["integrations"] = f"Unknown integration: {', '.join(unknown)}; choose from: {', '.join(INTEGRATIONS)}."
    if counts["external_systems"] > 0 and "external" not in integrations:
        integrations += ("external",)
    elif ("external" in integrations and _raw(answers, "external_systems") is not None
          and "external_systems" not in errors and counts["external_systems"] == 0):
        errors["external_systems"] = "External systems are chosen as an integration: say how many (at least 1)."

    volume = picked["migration_volume"] or "none"
    data_migration = flags["data_migration"]
    if _raw(answers, "data_migration") is None:
        data_migration = volume in MIGRATION_VOLUMES and volume != "none"
    elif "migration_volume" not in errors and data_migration and volume == "none":
        errors["migration_volume"] = "Data migration is in scope: choose its volume (low, medium or high)."
    elif "migration_volume" not in errors and not data_migration and volume != "none":
        errors["migration_volume"] = "Data migration is not in scope, so the migration volume must be 'none'."

    raw_go_live = _raw(answers, "go_live")
    go_live = parse_date(str(raw_go_live)) if raw_go_live is not None else None
    if raw_go_live is None:
        errors["go_live"] = "Give the go-live date (YYYY-MM-DD)."
    elif go_live is None:
        errors["go_live"] = f"{str(raw_go_live)[:30]!r} is not a real date; use YYYY-MM-DD."
    elif go_live <= today:
        errors["go_live"] = "Go-live must be in the future."
    elif go_live > today.replace(year=today.year + MAX_YEARS_AHEAD, day=min(today.day, 28)):
        errors["go_live"] = f"Go-live is more than {MAX_YEARS_AHEAD} years away; check the date."

    if errors:
        raise AnswerError(errors)
    return Profile(
        products=products, go_live=go_live, data_migration=data_migration, migration_volume=volume,
        integrations=integrations, external_systems=counts["external_systems"], gap_count=counts["gap_count"],
        business_units=counts["business_units"], reporting=picked["reporting"] or "none",
        alm_maturity=picked["alm_maturity"] or "basic",
        **{f: flags[f] for f in _BOOLS if f != "data_migration"},
    )


# --- the rules ----------------------------------------------------------------------------

Rule = tuple[bool, str, tuple[str, ...]]  # recommended, complexity, reasons


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


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
