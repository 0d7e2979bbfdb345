"""The Solution Blueprint Review questionnaire: its option lists, `profile_from_answers`, which
checks the card's raw answers and builds the `Profile` the recommendation rules read, and
`stored_answers`, which reads answers saved by an older form.

Go-live, products and phase are the project's (set with `setup`, one source of truth): the
questionnaire never asks them; `profile_from_answers` takes them from the project record.

Pure domain code (standard library only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Mapping

from texts import t

from .project import LIVE, PHASES, PRODUCTS, parse_date, split_choices, whole_number
from .words import Labels, number

__all__ = [
    "KINDS", "MIGRATION_VOLUMES", "MIGRATED", "PLATFORMS", "SYSTEM_KINDS", "TIMINGS", "REGULATIONS", "REPORTING",
    "ALM_MATURITY", "ALM_OWNERS", "MAX_COUNT", "MAX_SYSTEMS", "MAX_NAME", "MAX_NOTE", "AnswerError", "System",
    "Profile", "profile_from_answers", "stored_answers",
]

# Option labels by id, read from the catalogue when used (workshops.blueprint.<list>.<id>).
KINDS = Labels("workshops.blueprint.kinds", ("greenfield", "upgrade", "phase-two"))
MIGRATION_VOLUMES = Labels("workshops.blueprint.migration_volumes", ("none", "low", "medium", "high"))
MIGRATED = Labels("workshops.blueprint.migrated", ("master", "open", "balances", "history"))
PLATFORMS = Labels("workshops.blueprint.platforms", ("office365", "power-platform", "azure"))
SYSTEM_KINDS = Labels("workshops.blueprint.system_kinds", ("standard", "custom", "edi"))
TIMINGS = Labels("workshops.blueprint.timings", ("batch", "real-time"))
REGULATIONS = Labels("workshops.blueprint.regulations", ("sox", "gdpr", "hipaa", "pci-dss", "gxp", "other"),
                     keys={"other": "workshops.blueprint.regulations.other_regulations"})  # ".other" is for counts
REPORTING = Labels("workshops.blueprint.reporting", ("none", "standard", "advanced"))
ALM_MATURITY = Labels("workshops.blueprint.alm_maturity", ("none", "basic", "mature"))
ALM_OWNERS = Labels("workshops.blueprint.alm_owners", ("partner", "customer", "shared", "undecided"))

MAX_COUNT = 1000            # a sane maximum for every count answer but users
MAX_USERS = 1_000_000
MAX_SYSTEMS = 15            # integrated systems one form takes
MAX_NAME = 60               # a system's name
MAX_NOTE = 200              # migration sources, peak seasons
MAX_ANSWERS_LENGTH = 4000   # characters in all answers together (keys too); a full form comes to under 3,500

SYSTEM_ROW = re.compile(r"system:([0-9]{1,2}):(name|kind|timing)")


class AnswerError(ValueError):
    """Questionnaire answers that cannot make a Profile; `errors` maps EVERY bad field to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class System:
    """An external system the solution integrates with, and how."""
    name: str
    kind: str = "standard"
    timing: str = "batch"


@dataclass(frozen=True, kw_only=True)
class Profile:
    """What a Solution Blueprint Review yields, with the project's go-live, products and phase
    (keyword-only; products and go_live are required)."""
    products: tuple[str, ...]
    go_live: date
    phase: str = "implement"
    kind: str = "greenfield"
    legal_entities: int = 1
    business_units: int = 1
    regulations: tuple[str, ...] = ()
    users: int = 0                      # 0: not said
    countries: int = 1
    peak_seasons: str = ""
    high_volumes: bool = False
    platforms: tuple[str, ...] = ()
    systems: tuple[System, ...] = ()
    migration_volume: str = "none"
    migration_sources: str = ""
    migrated: tuple[str, ...] = ()
    gap_count: int = 0
    critical_gaps: int = 0
    reporting: str = "none"
    legacy_mapping: bool = False
    branding: bool = False
    alm_maturity: str = "basic"
    alm_owner: str = "partner"

    @property
    def data_migration(self) -> bool:
        return self.migration_volume != "none"

    def live(self, today: date) -> bool:
        """Gone live: the project is in Operate, or its go-live date has passed."""
        return self.phase == LIVE or self.go_live <= today


_BOOLS = ("high_volumes", "legacy_mapping", "branding")
_COUNTS = {"legal_entities": (1, MAX_COUNT), "business_units": (1, MAX_COUNT), "users": (0, MAX_USERS),
           "countries": (1, MAX_COUNT), "gap_count": (0, MAX_COUNT), "critical_gaps": (0, MAX_COUNT)}
_CHOICES = {"kind": KINDS, "migration_volume": MIGRATION_VOLUMES, "reporting": REPORTING,
            "alm_maturity": ALM_MATURITY, "alm_owner": ALM_OWNERS}
_MULTI = {"regulations": REGULATIONS, "platforms": PLATFORMS, "migrated": MIGRATED}
_NOTES = ("migration_sources", "peak_seasons")
_LABELS = Labels("workshops.blueprint.labels", (
    "kind", "legal_entities", "business_units", "regulations", "users", "countries", "peak_seasons", "high_volumes",
    "platforms", "migration_volume", "migration_sources", "migrated", "gap_count", "critical_gaps", "reporting",
    "legacy_mapping", "branding", "alm_maturity", "alm_owner"))
DEFAULTS = {"kind": "greenfield", "migration_volume": "none", "reporting": "none", "alm_maturity": "basic",
            "alm_owner": "partner"}


def _raw(answers: Mapping, field: str) -> object:
    """The answer for a field; None when blank."""
    value = answers.get(field)
    if isinstance(value, str):
        value = value.strip()
    return None if value in (None, "") else value


def _systems(answers: Mapping, errors: dict) -> tuple[System, ...]:
    """The integrated systems from the form's rows (`system:<n>:name|kind|timing`); a row without a
    name is left out, so blank rows cost nothing."""
    rows: dict[int, dict[str, str]] = {}
    for key, value in answers.items():
        match = SYSTEM_ROW.fullmatch(key) if isinstance(key, str) else None
        if match and isinstance(value, str):
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value.strip()
    systems = []
    for n, row in sorted(rows.items()):
        name, kind, timing = row.get("name", ""), row.get("kind") or "standard", row.get("timing") or "batch"
        if not name:
            continue
        if len(name) > MAX_NAME:
            errors[f"system:{n}:name"] = t("workshops.blueprint.system_name_too_long", limit=MAX_NAME, length=len(name))
        if kind not in SYSTEM_KINDS:
            errors[f"system:{n}:kind"] = t("workshops.blueprint.system_kind", name=name[:30],
                                           kinds=", ".join(SYSTEM_KINDS.values()))
        if timing not in TIMINGS:
            errors[f"system:{n}:timing"] = t("workshops.blueprint.system_timing", name=name[:30])
        systems.append(System(name, kind, timing))
    if len(systems) > MAX_SYSTEMS:
        errors["form"] = t("workshops.blueprint.too_many_systems", limit=MAX_SYSTEMS, n=len(systems))
    return tuple(systems)


def profile_from_answers(answers: Mapping, *, project: Mapping, today: date) -> Profile:
    """Validate raw questionnaire answers (strings, as the card sends them) and build a Profile
    with the project's go-live, products and phase. Unknown keys are ignored; every bad field is
    reported at once in `AnswerError.errors`. Blank answers take the defaults a small project
    has: one legal entity, business unit and country, no migration, gaps or regulations,
    basic ALM run by the partner. Critical gaps cannot outnumber the gaps, and what is migrated
    (or from where) needs a migration volume."""
    if not isinstance(answers, Mapping):
        raise AnswerError({"form": t("workshops.project.form_empty")})
    errors: dict[str, str] = {}
    length = sum(len(str(k)) + len(str(v)) for k, v in answers.items())
    if length > MAX_ANSWERS_LENGTH:  # they are kept with the plan, so they are bounded too
        errors["form"] = t("workshops.blueprint.too_long", length=number(length), limit=number(MAX_ANSWERS_LENGTH))

    flags = {}
    for field in _BOOLS:
        text = str(_raw(answers, field) or "false").lower()
        flags[field] = text == "true"
        if text not in ("true", "false"):
            errors[field] = t("workshops.blueprint.true_or_false", label=_LABELS[field], value=repr(text[:30]))

    counts = {}
    for field, (low, high) in _COUNTS.items():
        value = _raw(answers, field)
        counts[field] = whole_number(value, low, high) if value is not None else low
        if counts[field] is None:
            errors[field] = t("workshops.blueprint.whole_number", label=_LABELS[field], low=low, high=high)
            counts[field] = low
    if counts["critical_gaps"] > counts["gap_count"] and "gap_count" not in errors:
        errors["critical_gaps"] = t("workshops.blueprint.critical_gaps", most=counts["gap_count"],
                                    given=counts["critical_gaps"])

    picked = {}
    for field, options in _CHOICES.items():
        value = _raw(answers, field)
        picked[field] = str(value).lower() if value is not None else DEFAULTS[field]
        if picked[field] not in options:
            errors[field] = t("workshops.blueprint.not_an_option", label=_LABELS[field], value=repr(str(value)[:30]),
                              options=", ".join(options))

    many = {}
    for field, options in _MULTI.items():
        many[field] = tuple(c.lower() for c in split_choices(_raw(answers, field) or ""))
        unknown = [c for c in many[field] if c not in options]
        if unknown:
            errors[field] = t(f"workshops.blueprint.unknown.{field}", values=", ".join(unknown)[:60])

    notes = {field: str(_raw(answers, field) or "") for field in _NOTES}
    for field, note in notes.items():
        if len(note) > MAX_NOTE:
            errors[field] = t("workshops.blueprint.note_too_long", label=_LABELS[field], limit=MAX_NOTE, length=len(note))
    if picked["migration_volume"] == "none" and (many["migrated"] or notes["migration_sources"]):
        errors["migration_volume"] = t("workshops.blueprint.migration_volume")

    systems = _systems(answers, errors)
    products = tuple(p for p in project.get("products") or () if p in PRODUCTS)
    go_live = parse_date(project.get("goLive"))
    phase = project.get("phase") if project.get("phase") in PHASES else "implement"
    if not products or go_live is None:
        errors["form"] = t("workshops.blueprint.no_project_facts")
    if errors:
        raise AnswerError(errors)
    return Profile(products=products, go_live=go_live, phase=phase, systems=systems,
                   **counts, **picked, **many, **notes, **flags)


def stored_answers(answers: Mapping) -> dict:
    """Answers saved with a plan, as today's form takes them: answers from the form before
    issue 15 (products and go-live asked again, a yes/no for regulations and geographies, a count
    of external systems, every gap treated as critical) are read into the new fields."""
    old = {k: v for k, v in (answers or {}).items() if isinstance(k, str) and isinstance(v, str)}
    new = {k: v for k, v in old.items()
           if k in _LABELS or SYSTEM_ROW.fullmatch(k)}
    if "integrations" in old and "platforms" not in old:
        chosen = split_choices(old["integrations"])
        new["platforms"] = ",".join(c for c in chosen if c in PLATFORMS)
        count = whole_number(old.get("external_systems", "0"), 0, MAX_COUNT) or 0
        if "external" in chosen or count:
            for n in range(1, min(max(count, 1), MAX_SYSTEMS) + 1):
                new.update({f"system:{n}:name": t("workshops.blueprint.external_system", n=n), f"system:{n}:kind": "custom",
                            f"system:{n}:timing": "batch"})
    if old.get("regulated") == "true" and "regulations" not in old:
        new["regulations"] = "other"
    if old.get("geo_distributed") == "true" and "countries" not in old:
        new["countries"] = "2"
    if "gap_count" in old and "critical_gaps" not in old:
        new["critical_gaps"] = old["gap_count"]
    return new
