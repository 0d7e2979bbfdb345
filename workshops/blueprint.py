"""The Solution Blueprint Review questionnaire: its option lists, and `profile_from_answers`,
which checks the card's raw answers and builds the `Profile` the recommendation rules read.

Pure domain code (standard library only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Mapping

from .project import PRODUCTS, parse_date, whole_number

__all__ = [
    "MIGRATION_VOLUMES", "INTEGRATIONS", "REPORTING", "ALM_MATURITY", "MAX_COUNT", "AnswerError", "Profile",
    "profile_from_answers",
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

MAX_COUNT = 1000            # a sane maximum for every count answer
MAX_ANSWERS_LENGTH = 2000   # characters in all answers together (keys too); the card's come to under 500
MAX_YEARS_AHEAD = 5         # a go-live further away than this is a typo


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
    length = sum(len(str(k)) + len(str(v)) for k, v in answers.items())
    if length > MAX_ANSWERS_LENGTH:  # they are kept with the plan, so they are bounded too
        errors["form"] = f"The answers are too long ({length:,} characters; at most {MAX_ANSWERS_LENGTH:,})."

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
        number = whole_number(value, minimum, MAX_COUNT)
        if number is None:
            errors[field] = f"{label} must be a whole number between {minimum} and {MAX_COUNT}."
        else:
            counts[field] = number

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
