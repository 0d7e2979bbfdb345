"""One rule per workshop: whether a project's Blueprint Review facts call for it, how complex it
is, and why, in words that cite those facts (the systems by name, the regulations, the counts).

Faithful to the source text (catalog/source/implementation-workshops.md): gap solution design is
for critical requirements the standard product does not support, not a fit/gap review; BI and
analytics is for reporting beyond the standard product; post go-live follows go-live and closes
the engagement. Phase matters: a live project (Operate, or go-live passed) is past every design
workshop but still gets post go-live, solution performance, BI and the ALM run model when its
facts call for them; a project in Prepare is past the early design workshops.

Pure domain code (standard library only). A rule returns (recommended, complexity, reasons).
"""

from __future__ import annotations

from datetime import date
from typing import Callable, Mapping

from texts import t

from .blueprint import ALM_OWNERS, MIGRATED, PLATFORMS, REGULATIONS, Profile, System
from .project import PHASES, PRODUCTS
from .schedule import runway_words
from .words import count, day, listing, number

Rule = tuple[bool, str, tuple[str, ...]]

MANY_UNITS = 5             # business units or legal entities that make a security model complex
MANY_USERS = 1000          # users that make performance a question of its own
AFTER_GO_LIVE = ("post-go-live", "solution-performance", "bi-analytics", "alm")  # what a live project may get
# Why a live project is past a workshop: workshops.rules.past_when_live.<id>.
PAST_WHEN_LIVE = ("data-model", "integration", "gap-solution", "security-model", "user-experience", "data-migration",
                  "test-strategy", "cutover")
# Why a project in Prepare is past an early design workshop: workshops.rules.past_in_prepare.<id>.
PAST_IN_PREPARE = ("data-model", "integration", "gap-solution", "security-model", "user-experience", "alm")


def r(key: str, **values) -> str:
    """A reason's words: workshops.rules.<key>."""
    return t(f"workshops.rules.{key}", **values)


def upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def products(p: Profile) -> str:
    return listing(PRODUCTS.get(x, x) for x in p.products)


def names(systems: tuple[System, ...]) -> str:
    return listing(s.name for s in systems)


def system_words(systems: tuple[System, ...]) -> str:
    """'EDI with Suppliers and a custom real-time integration with Service Bus'."""
    said = []
    for s in systems:
        how = "edi" if s.kind == "edi" else f"{'custom' if s.kind == 'custom' else 'standard'}.{s.timing}"
        said.append(r(f"system.{how}", name=s.name))
    return listing(said)


def regulations(p: Profile) -> str:
    """'SOX and GDPR across 6 legal entities'."""
    named = listing(REGULATIONS[x] for x in p.regulations)
    return r("regulations_across", named=named, n=p.legal_entities) if p.legal_entities > 1 else named


def sources(p: Profile) -> str:
    return p.migration_sources or r("legacy_system")


def volume(p: Profile) -> str:
    return r(f"volume.{p.migration_volume}") if p.migration_volume in ("low", "medium", "high") else ""


def load(p: Profile) -> list[str]:
    """What makes performance a question: volumes, users, countries, peak seasons."""
    found = []
    if p.high_volumes:
        found.append(r("load.volumes"))
    if p.users >= MANY_USERS:
        found.append(r("load.users", n=number(p.users)))
    if p.countries > 1:
        found.append(r("load.countries", n=p.countries))
    if p.peak_seasons:
        found.append(r("load.peaks", seasons=p.peak_seasons))
    return found


def _level(points: int, high: int, medium: int = 1) -> str:
    return "high" if points >= high else "medium" if points >= medium else "low"


def _data_model(p: Profile) -> Rule:
    start = r(f"data_model.{p.kind}", products=products(p), sources=sources(p))
    reasons = []
    if p.gap_count:
        reasons.append(r("data_model.gaps", gaps=count("gap_requirement", p.gap_count)))
    if len(p.products) > 1:
        reasons.append(r("data_model.products", products=count("product", len(p.products))))
    if p.legal_entities > 1:
        reasons.append(r("data_model.entities", n=p.legal_entities))
    if p.systems:
        reasons.append(r("data_model.external", systems=names(p.systems)))
    if p.kind == "phase-two" and not reasons:
        return False, "low", (r("data_model.nothing_new", products=products(p)),)
    complexity = ("high" if len(p.products) >= 3 or p.gap_count >= 5
                  else "medium" if len(p.products) == 2 or p.gap_count else "low")
    return True, complexity, (start,) + tuple(reasons)


def _integration(p: Profile) -> Rule:
    if not p.systems and not p.platforms:
        return False, "low", (r("integration.none", products=products(p)),)
    reasons = [r("integration.systems", systems=system_words(p.systems))] if p.systems else []
    if p.platforms:
        reasons.append(r("integration.platforms", platforms=listing(PLATFORMS[x] for x in p.platforms)))
    points = sum(s.kind in ("custom", "edi") for s in p.systems) + sum(s.timing == "real-time" for s in p.systems)
    points += len(p.systems) >= 4
    return True, _level(points, 3), tuple(reasons)


def _data_migration(p: Profile) -> Rule:
    if not p.data_migration:
        return False, "low", (r("data_migration.none_phase_two" if p.kind == "phase-two" else "data_migration.none",
                                products=products(p)),)
    what = r("data_migration.what", what=listing(MIGRATED[m] for m in p.migrated)) if p.migrated else ""
    verb = "upgraded" if p.kind == "upgrade" else "migrates"
    reasons = [r(f"data_migration.{verb}", volume=upper(volume(p)), sources=sources(p), what=what)]
    levels = ("low", "medium", "high")
    level = levels.index(p.migration_volume)
    if "history" in p.migrated:
        reasons.append(r("data_migration.history"))
        level = min(level + 1, 2)
    return True, levels[level], tuple(reasons)


def _security_model(p: Profile) -> Rule:
    reasons = []
    if p.regulations:
        reasons.append(r("security.regulations", regulations=regulations(p)))
    elif p.legal_entities > 1:
        reasons.append(r("security.entities", n=p.legal_entities))
    if p.business_units > 1:
        reasons.append(r("security.units", n=p.business_units))
    if len(p.products) >= 3:
        reasons.append(r("security.products", products=products(p)))
    if p.users >= MANY_USERS:
        reasons.append(r("security.users", n=number(p.users)))
    if not reasons:
        return False, "low", (r("security.standard", products=products(p)),)
    many = max(p.business_units, p.legal_entities) >= MANY_UNITS
    return True, _level(bool(p.regulations) + many, 2), tuple(reasons)


def _solution_performance(p: Profile) -> Rule:
    found = load(p)
    if not found:
        return False, "low", (r("performance.none_with_users", n=number(p.users)) if p.users
                              else r("performance.none"),)
    return True, _level(len(found), 3, 2), (r("performance.load", load=upper(listing(found))),)


def _test_strategy(p: Profile) -> Rule:
    factors = [
        (bool(p.systems), "integration", dict(systems=names(p.systems))),
        (p.data_migration, "migration", dict(sources=sources(p))),
        (p.gap_count > 0, "gaps", dict(gaps=count("gap_solution", p.gap_count))),
        (bool(load(p)), "performance", dict(load=listing(load(p)))),
        (bool(p.regulations), "compliance", dict(regulations=regulations(p) if p.regulations else "")),
    ]
    reasons = [r(f"tests.{key}", **values) for applies, key, values in factors if applies]
    points = len(reasons)
    if not reasons:
        reasons = [r("tests.basic", products=products(p))]
    return True, _level(points, 3), tuple(reasons)


def _user_experience(p: Profile) -> Rule:
    reasons = []
    if p.legacy_mapping:
        reasons.append(r("ux.legacy", sources=sources(p)))
    if p.branding:
        reasons.append(r("ux.branding"))
    if not reasons:
        return False, "low", (r("ux.none", products=products(p)),)
    return True, "medium" if len(reasons) == 2 else "low", tuple(reasons)


def _alm(p: Profile) -> Rule:
    owner = ALM_OWNERS[p.alm_owner]
    custom = [s.name for s in p.systems if s.kind != "standard"]
    if p.alm_maturity == "mature" and p.alm_owner != "undecided":
        return False, "low", (r("alm.mature_run_by", owner=owner),)
    by = "" if p.alm_owner == "undecided" else r("alm.run_by", owner=owner)
    reasons = [r(f"alm.{p.alm_maturity}", by=by)]
    if p.alm_owner == "undecided":
        reasons.append(r("alm.nobody"))
    if custom:
        reasons.append(r("alm.custom", systems=listing(custom)))
    return True, {"none": "high", "basic": "medium", "mature": "low"}[p.alm_maturity], tuple(reasons)


def _gap_solution(p: Profile) -> Rule:
    if not p.gap_count:
        return False, "low", (r("gap.none", products=products(p)),)
    if not p.critical_gaps:
        return False, "low", (r("gap.none_critical", gaps=count("gap", p.gap_count)),)
    reason = r("gap.critical", critical=p.critical_gaps, gaps=count("gap_requirement", p.gap_count),
               products=products(p))
    return True, _level(p.critical_gaps, 5, 2), (reason,)


def _cutover(p: Profile) -> Rule:
    reasons = [r("cutover.plan", products=products(p), go_live=day(p.go_live))]
    points = {"low": 1, "medium": 2, "high": 3}.get(p.migration_volume, 0)
    if points:
        reasons.append(r("cutover.migration", volume=upper(volume(p)), sources=sources(p)))
    if p.systems:
        points += 1 + (len(p.systems) >= 4)
        reasons.append(r("cutover.systems", systems=names(p.systems)))
    if p.legal_entities > 1:
        reasons.append(r("cutover.entities", n=p.legal_entities))
    return True, _level(points, 3), tuple(reasons)


def _post_go_live(p: Profile) -> Rule:
    return True, "low", (r("post_go_live", go_live=day(p.go_live)),)


def _bi_analytics(p: Profile) -> Rule:
    if p.reporting != "advanced":
        return False, "low", (r(f"bi.{p.reporting}", products=products(p)),)
    reasons = [r("bi.advanced")]
    if p.legal_entities > 1:
        reasons.append(r("bi.entities", n=p.legal_entities))
    if p.systems:
        reasons.append(r("bi.systems", systems=names(p.systems)))
    return True, "high" if p.legal_entities > 1 or len(p.systems) >= 2 else "medium", tuple(reasons)


RULES: Mapping[str, Callable[[Profile], Rule]] = {
    "data-model": _data_model, "integration": _integration, "data-migration": _data_migration,
    "security-model": _security_model, "solution-performance": _solution_performance,
    "test-strategy": _test_strategy, "user-experience": _user_experience, "alm": _alm,
    "gap-solution": _gap_solution, "cutover": _cutover, "post-go-live": _post_go_live,
    "bi-analytics": _bi_analytics,
}


def judge(workshop_id: str, p: Profile, today: date) -> Rule:
    """The workshop's rule, then the phase: what a live project or one in Prepare is past."""
    recommended, complexity, reasons = RULES[workshop_id](p)
    if p.live(today) and workshop_id not in AFTER_GO_LIVE:
        when = "went_live" if p.go_live <= today else "is_live"
        return False, "low", (r(f"phase.{when}", go_live=day(p.go_live), phase=PHASES[p.phase],
                                why=r(f"past_when_live.{workshop_id}")),)
    if p.phase == "prepare" and workshop_id in PAST_IN_PREPARE and not p.live(today):
        return False, "low", (r("phase.prepare", runway=runway_words(p.go_live, today),
                                why=r(f"past_in_prepare.{workshop_id}")),)
    if recommended and p.live(today) and workshop_id != "post-go-live":
        reasons = (r("phase.still_matters", go_live=day(p.go_live)),) + reasons
    return recommended, complexity, reasons
