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

from .blueprint import ALM_OWNERS, MIGRATED, PLATFORMS, REGULATIONS, Profile, System
from .project import PHASES, PRODUCTS
from .schedule import runway_words
from .words import plural

Rule = tuple[bool, str, tuple[str, ...]]

MANY_UNITS = 5             # business units or legal entities that make a security model complex
MANY_USERS = 1000          # users that make performance a question of its own
AFTER_GO_LIVE = ("post-go-live", "solution-performance", "bi-analytics", "alm")  # what a live project may get
PAST_WHEN_LIVE = {
    "data-model": "its data model is in production; changes to it go through ALM",
    "integration": "its integrations run in production",
    "gap-solution": "its gap solutions are built and live",
    "security-model": "its security model is in production; monitor it rather than design it",
    "user-experience": "users work in it already; their feedback belongs in post go-live",
    "data-migration": "its data was migrated at go-live",
    "test-strategy": "testing before go-live is over",
    "cutover": "cutover is done",
}
PAST_IN_PREPARE = {  # the early design workshops
    "data-model": "the data model is built",
    "integration": "integrations are built and in testing",
    "gap-solution": "gap solutions are built, so there is no design left to guide",
    "security-model": "security roles are built; security tests belong in the test strategy",
    "user-experience": "screens are built; user feedback belongs in post go-live",
    "alm": "build and release are in use; the run model is reviewed after go-live",
}


def words(items) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def products(p: Profile) -> str:
    return words(PRODUCTS.get(x, x) for x in p.products)


def day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def system_words(systems: tuple[System, ...]) -> str:
    """'EDI with Suppliers and a custom real-time integration with Service Bus'."""
    said = []
    for s in systems:
        if s.kind == "edi":
            said.append(f"EDI with {s.name}")
        elif s.kind == "custom":
            said.append(f"a custom {s.timing} integration with {s.name}")
        else:
            said.append(f"a standard {s.timing} connector to {s.name}")
    return words(said)


def regulations(p: Profile) -> str:
    """'SOX and GDPR across 6 legal entities'."""
    named = words(REGULATIONS[r] for r in p.regulations)
    return named + (f" across {p.legal_entities} legal entities" if p.legal_entities > 1 else "")


def sources(p: Profile) -> str:
    return p.migration_sources or "the legacy system"


def volume(p: Profile) -> str:
    return {"low": "a low volume (under 1 million records)", "medium": "a medium volume (1 to 10 million records)",
            "high": "a high volume (over 10 million records)"}.get(p.migration_volume, "")


def load(p: Profile) -> list[str]:
    """What makes performance a question: volumes, users, countries, peak seasons."""
    found = []
    if p.high_volumes:
        found.append("large transaction volumes")
    if p.users >= MANY_USERS:
        found.append(f"{p.users:,} users")
    if p.countries > 1:
        found.append(f"users in {p.countries} countries")
    if p.peak_seasons:
        found.append(f"peak seasons ({p.peak_seasons})")
    return found


def _level(points: int, high: int, medium: int = 1) -> str:
    return "high" if points >= high else "medium" if points >= medium else "low"


def _data_model(p: Profile) -> Rule:
    start = {"greenfield": f"A new {products(p)} implementation designs its tables, keys and custom fields now",
             "upgrade": f"The upgrade from {sources(p)} maps the old data model onto {products(p)}",
             "phase-two": f"Phase two extends the live {products(p)} data model"}[p.kind]
    reasons = []
    if p.gap_count:
        reasons.append(f"{plural(p.gap_count, 'gap requirement')} may add custom tables and fields")
    if len(p.products) > 1:
        reasons.append(f"{plural(len(p.products), 'product')} share it")
    if p.legal_entities > 1:
        reasons.append(f"{p.legal_entities} legal entities share it")
    if p.systems:
        reasons.append(f"External data from {words(s.name for s in p.systems)}")
    if p.kind == "phase-two" and not reasons:
        return False, "low", (f"Phase two adds no gaps, products or integrations to the live {products(p)} "
                              "data model",)
    complexity = ("high" if len(p.products) >= 3 or p.gap_count >= 5
                  else "medium" if len(p.products) == 2 or p.gap_count else "low")
    return True, complexity, (start,) + tuple(reasons)


def _integration(p: Profile) -> Rule:
    if not p.systems and not p.platforms:
        return False, "low", (f"No other systems or platforms integrate with {products(p)}",)
    reasons = [f"Integrates {system_words(p.systems)}"] if p.systems else []
    if p.platforms:
        reasons.append(f"Connects {words(PLATFORMS[x] for x in p.platforms)}")
    points = sum(s.kind in ("custom", "edi") for s in p.systems) + sum(s.timing == "real-time" for s in p.systems)
    points += len(p.systems) >= 4
    return True, _level(points, 3), tuple(reasons)


def _data_migration(p: Profile) -> Rule:
    if not p.data_migration:
        return False, "low", ("Nothing is migrated" + (f" into the {products(p)} phase two" if p.kind == "phase-two"
                                                       else f" into {products(p)}"),)
    what = f": {words(MIGRATED[m] for m in p.migrated)}" if p.migrated else ""
    verb = "is upgraded" if p.kind == "upgrade" else "migrates"
    reasons = [f"{upper(volume(p))} {verb} from {sources(p)}{what}"]
    levels = ("low", "medium", "high")
    level = levels.index(p.migration_volume)
    if "history" in p.migrated:
        reasons.append("Historical transactions make the load longer and its validation harder")
        level = min(level + 1, 2)
    return True, levels[level], tuple(reasons)


def _security_model(p: Profile) -> Rule:
    reasons = []
    if p.regulations:
        reasons.append(f"{regulations(p)}: access, audit and segregation of duties must satisfy them")
    elif p.legal_entities > 1:
        reasons.append(f"{p.legal_entities} legal entities keep their data apart")
    if p.business_units > 1:
        reasons.append(f"{p.business_units} business units need their own access rules")
    if len(p.products) >= 3:
        reasons.append(f"{products(p)} share one security model")
    if p.users >= MANY_USERS:
        reasons.append(f"{p.users:,} users need roles that stay manageable")
    if not reasons:
        return False, "low", (f"One legal entity and business unit and no regulations: the standard {products(p)} "
                              "security roles are likely enough",)
    many = max(p.business_units, p.legal_entities) >= MANY_UNITS
    return True, _level(bool(p.regulations) + many, 2), tuple(reasons)


def _solution_performance(p: Profile) -> Rule:
    found = load(p)
    if not found:
        return False, "low", ("No large volumes or peak seasons, and users in one country" +
                              (f" ({p.users:,} users)" if p.users else ""),)
    return True, _level(len(found), 3, 2), (f"{upper(words(found))} must perform",)


def _test_strategy(p: Profile) -> Rule:
    factors = [
        (bool(p.systems), f"System integration tests with {words(s.name for s in p.systems)}"),
        (p.data_migration, f"Validation of the data migrated from {sources(p)}"),
        (p.gap_count > 0, f"Functional and regression tests of {plural(p.gap_count, 'gap solution')}"),
        (bool(load(p)), f"Performance tests for {words(load(p))}"),
        (bool(p.regulations), f"Security and compliance tests for {regulations(p)}"),
    ]
    reasons = [text for applies, text in factors if applies]
    points = len(reasons)
    if not reasons:
        reasons = [f"Unit, functional and user acceptance tests of {products(p)} before cutover"]
    return True, _level(points, 3), tuple(reasons)


def _user_experience(p: Profile) -> Rule:
    reasons = []
    if p.legacy_mapping:
        reasons.append(f"Users move from {sources(p)}, whose screens must be mapped")
    if p.branding:
        reasons.append("Corporate branding or an ISV's look and feel matters")
    if not reasons:
        return False, "low", (f"No legacy screens to map and no branding concerns in {products(p)}",)
    return True, "medium" if len(reasons) == 2 else "low", tuple(reasons)


def _alm(p: Profile) -> Rule:
    owner = ALM_OWNERS[p.alm_owner]
    custom = [s.name for s in p.systems if s.kind != "standard"]
    if p.alm_maturity == "mature" and p.alm_owner != "undecided":
        return False, "low", (f"Build, release and environments are mature and run by {owner}",)
    by = "" if p.alm_owner == "undecided" else f", run by {owner}"
    reasons = [{"none": f"No ALM yet{by}: build, release and environments must be planned",
                "basic": f"ALM is basic{by}: build, release and environments need work",
                "mature": "Build, release and environments are mature"}[p.alm_maturity]]
    if p.alm_owner == "undecided":
        reasons.append("Nobody is named to run ALM after go-live")
    if custom:
        reasons.append(f"Custom builds for {words(custom)} add to build and release")
    return True, {"none": "high", "basic": "medium", "mature": "low"}[p.alm_maturity], tuple(reasons)


def _gap_solution(p: Profile) -> Rule:
    if not p.gap_count:
        return False, "low", (f"No gaps: the standard {products(p)} meets the requirements",)
    if not p.critical_gaps:
        return False, "low", (f"{plural(p.gap_count, 'gap')}, none critical: the fit-gap review settles them "
                              "with standard features",)
    reason = (f"{p.critical_gaps} of {plural(p.gap_count, 'gap requirement')} are critical and not supported by "
              f"the standard {products(p)}")
    return True, _level(p.critical_gaps, 5, 2), (reason,)


def _cutover(p: Profile) -> Rule:
    reasons = [f"Go-live of {products(p)} on {day(p.go_live)} needs a cutover plan"]
    points = {"low": 1, "medium": 2, "high": 3}.get(p.migration_volume, 0)
    if points:
        reasons.append(f"{upper(volume(p))} moves from {sources(p)} at cutover")
    if p.systems:
        points += 1 + (len(p.systems) >= 4)
        reasons.append(f"{words(s.name for s in p.systems)} switch over at cutover")
    if p.legal_entities > 1:
        reasons.append(f"{p.legal_entities} legal entities go live")
    return True, _level(points, 3), tuple(reasons)


def _post_go_live(p: Profile) -> Rule:
    return True, "low", (f"After go-live on {day(p.go_live)}: accomplishments, lessons learned and support, "
                         "and it closes the engagement",)


def _bi_analytics(p: Profile) -> Rule:
    if p.reporting != "advanced":
        which = "The standard reports and workspaces of" if p.reporting == "standard" else "No reporting needs beyond"
        return False, "low", (f"{which} {products(p)}: BI and analytics design is for reporting beyond the "
                              "standard product",)
    reasons = ["Reporting beyond the standard product is in scope"]
    if p.legal_entities > 1:
        reasons.append(f"Consolidated across {p.legal_entities} legal entities")
    if p.systems:
        reasons.append(f"Data from {words(s.name for s in p.systems)} is aggregated")
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
        when = "went live" if p.go_live <= today else "is live"
        return False, "low", (f"The project {when} on {day(p.go_live)} ({PHASES[p.phase]}): "
                              f"{PAST_WHEN_LIVE[workshop_id]}",)
    if p.phase == "prepare" and workshop_id in PAST_IN_PREPARE and not p.live(today):
        return False, "low", (f"In Prepare, {runway_words(p.go_live, today)} before go-live: "
                              f"{PAST_IN_PREPARE[workshop_id]}",)
    if recommended and p.live(today) and workshop_id != "post-go-live":
        reasons = (f"Still matters after go-live on {day(p.go_live)}",) + reasons
    return recommended, complexity, reasons
