"""The project: what `setup` asks for, and the rules its answers must meet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Mapping
from zoneinfo import ZoneInfo

from texts import t

from .words import Labels

# Labels by id, in the turn's language when read (workshops.project.phases.<id>, .products.<id>).
PHASES = Labels("workshops.project.phases", ("initiate", "implement", "prepare", "operate"))
PRODUCTS = Labels("workshops.project.products", (
    "finance", "supply-chain", "commerce", "human-resources", "project-operations", "sales", "customer-service",
    "field-service", "marketing", "power-platform"))

MAX_TEXT = 120
LIVE = "operate"        # the phase of a project that has gone live
MAX_YEARS = 5           # a go-live further from today than this is a typo


class FormError(ValueError):
    """Answers that cannot be saved; `errors` maps each bad field to a message for the user."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class ProjectDetails:
    name: str
    customer: str
    partner: str
    products: tuple[str, ...]
    go_live: date
    phase: str
    time_zone: str


def _text(answers: Mapping, field: str, errors: dict, required: bool = True) -> str:
    value = answers.get(field)
    value = value.strip() if isinstance(value, str) else ""
    label = t(f"workshops.project.label.{field}")
    if required and not value:
        errors[field] = t("workshops.project.required", label=label)
    elif len(value) > MAX_TEXT:
        errors[field] = t("workshops.project.too_long", label=label, length=len(value), limit=MAX_TEXT)
    return value


def parse_date(value: object) -> date | None:
    """A YYYY-MM-DD date, or None when it is not a real calendar date."""
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,9}")  # ASCII digits only: "²".isdigit() is true, int("²") fails


def whole_number(value: object, low: int, high: int) -> int | None:
    """A whole number from `low` to `high` written in ASCII digits, or None: never an exception,
    whatever a card sends (superscripts, other scripts' digits, thousands of digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        return None
    return number if low <= number <= high else None


def split_choices(value: object) -> tuple[str, ...]:
    """An Adaptive Card multi-select answers with comma-separated values."""
    if not isinstance(value, str):
        return ()
    return tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))


def go_live_problem(go_live: date | None, phase: str, today: date) -> str:
    """Why this go-live cannot be saved for a project in `phase`, or "": a live project (Operate)
    gives the date it went live, any other the estimated one, still to come."""
    if go_live is None:
        return t("workshops.project.go_live_not_a_date")
    if phase == LIVE and go_live > today:
        return t("workshops.project.go_live_live_in_future")
    if phase != LIVE and go_live <= today:
        return t("workshops.project.go_live_in_past")
    if abs(go_live.year - today.year) > MAX_YEARS:
        return t("workshops.project.go_live_too_far", years=MAX_YEARS)
    return ""


def project_from_answers(answers: Mapping, *, today: date, valid_time_zones: frozenset[str]) -> ProjectDetails:
    """Check every answer at once, so the user sees all problems in one go."""
    if not isinstance(answers, Mapping):
        raise FormError({"form": t("workshops.project.form_empty")})
    errors: dict[str, str] = {}
    name = _text(answers, "name", errors)
    customer = _text(answers, "customer", errors)
    partner = _text(answers, "partner", errors)

    products = split_choices(answers.get("products"))
    unknown = [p for p in products if p not in PRODUCTS]
    if not products:
        errors["products"] = t("workshops.project.no_product")
    elif unknown:
        errors["products"] = t("workshops.project.unknown_product", products=", ".join(unknown))

    phase = answers.get("phase") if isinstance(answers.get("phase"), str) else ""
    if phase not in PHASES:
        errors["phase"] = t("workshops.project.choose_phase", phases=", ".join(PHASES.values()))
    go_live = parse_date(answers.get("goLive"))
    problem = go_live_problem(go_live, phase, today)
    if problem:
        errors["goLive"] = problem

    time_zone = answers.get("timeZone") if isinstance(answers.get("timeZone"), str) else ""
    time_zone = time_zone.strip() or "UTC"
    if time_zone not in valid_time_zones:
        errors["timeZone"] = t("workshops.project.unknown_time_zone", zone=repr(time_zone[:60]))

    if errors:
        raise FormError(errors)
    return ProjectDetails(name, customer, partner, products, go_live, phase, time_zone)


def team_zone(project: Mapping) -> ZoneInfo:
    """The team's time zone, in which cards and messages say times (UTC when unset or unknown)."""
    try:
        return ZoneInfo(project.get("timeZone") or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")
