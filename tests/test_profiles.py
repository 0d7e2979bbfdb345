"""Issue 15's acceptance table: realistic projects, each with the workshops a solution architect
must and must not recommend for it, and the facts each reason must cite. Every product family;
small and large; greenfield, upgrade and phase two; in Prepare; already live; three weeks out."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest

from catalog import default_catalog
from workshops.blueprint import profile_from_answers
from workshops.recommend import PREREQUISITES, plan_series
from workshops.schedule import NOT_BEFORE

TODAY = date(2026, 12, 2)  # a Wednesday
FAR = TODAY + timedelta(weeks=40)
ALL = frozenset(PREREQUISITES)
DESIGN = {"data-model", "integration", "gap-solution", "security-model", "user-experience"}


@dataclass(frozen=True)
class Case:
    products: str
    answers: dict
    must: set
    must_not: set
    because: dict = field(default_factory=dict)  # workshop -> phrases its reasons must contain
    go_live: date = FAR
    phase: str = "implement"
    at_risk: bool = False


ERP = {"legal_entities": "6", "regulations": "sox", "users": "2000", "countries": "5",
       "system:1:name": "Suppliers", "system:1:kind": "edi", "system:2:name": "Service Bus",
       "system:2:kind": "custom", "system:2:timing": "real-time", "migration_volume": "high",
       "migration_sources": "AX 2012", "migrated": "master,open", "gap_count": "12", "critical_gaps": "4",
       "reporting": "advanced", "alm_maturity": "none", "business_units": "3"}

CASES = {
    "small-sales-greenfield": Case("sales", {}, must={"data-model", "test-strategy", "cutover", "post-go-live", "alm"},
                                   must_not=ALL - {"data-model", "test-strategy", "cutover", "post-go-live", "alm"},
                                   because={"data-model": ["A new Sales implementation"],
                                            "bi-analytics": ["No reporting needs beyond Sales"],
                                            "alm": ["ALM is basic, run by the partner"]}),
    "large-finance-and-supply-chain": Case(
        "finance,supply-chain", ERP, must=ALL - {"user-experience"}, must_not={"user-experience"},
        because={"integration": ["EDI with Suppliers and a custom real-time integration with Service Bus"],
                 "security-model": ["SOX across 6 legal entities"],
                 "data-migration": ["A high volume (over 10 million records) migrates from AX 2012: master data and "
                                    "open transactions"],
                 "gap-solution": ["4 of 12 gap requirements are critical"],
                 "bi-analytics": ["Consolidated across 6 legal entities", "Data from Suppliers and Service Bus"],
                 "solution-performance": ["2,000 users and users in 5 countries must perform"],
                 "test-strategy": ["System integration tests with Suppliers and Service Bus",
                                   "Security and compliance tests for SOX across 6 legal entities"],
                 "cutover": ["Suppliers and Service Bus switch over at cutover", "6 legal entities go live"]}),
    "crm-with-standard-reporting": Case(
        "sales,customer-service", {"reporting": "standard", "alm_maturity": "mature", "alm_owner": "customer"},
        must={"data-model", "test-strategy", "cutover", "post-go-live"}, must_not={"bi-analytics", "alm"},
        because={"bi-analytics": ["The standard reports and workspaces of Sales and Customer Service",
                                  "reporting beyond the standard product"],
                 "alm": ["mature and run by the customer's IT"],
                 "data-model": ["2 products share it"]}),
    "commerce-with-peak-season": Case(
        "commerce,finance", {"peak_seasons": "Black Friday, Christmas", "countries": "12", "high_volumes": "true",
                             "system:1:name": "Payment gateway", "system:1:timing": "real-time"},
        must={"solution-performance", "integration"}, must_not={"gap-solution", "data-migration"},
        because={"solution-performance": ["peak seasons (Black Friday, Christmas)", "users in 12 countries"],
                 "integration": ["a standard real-time connector to Payment gateway"],
                 "test-strategy": ["Performance tests for large transaction volumes"]}),
    "human-resources-under-gdpr": Case(
        "human-resources", {"regulations": "gdpr", "users": "400"}, must={"security-model"},
        must_not={"solution-performance", "integration"},
        because={"security-model": ["GDPR: access, audit and segregation of duties"],
                 "solution-performance": ["users in one country (400 users)"]}),
    "project-operations-upgrade": Case(
        "project-operations", {"kind": "upgrade", "migration_volume": "medium",
                               "migration_sources": "Dynamics AX 2012", "migrated": "master,history",
                               "legacy_mapping": "true"},
        must={"data-migration", "data-model", "user-experience"}, must_not={"gap-solution", "bi-analytics"},
        because={"data-migration": ["is upgraded from Dynamics AX 2012", "Historical transactions"],
                 "data-model": ["The upgrade from Dynamics AX 2012 maps the old data model onto Project Operations"],
                 "user-experience": ["Users move from Dynamics AX 2012"]}),
    "field-service-phase-two": Case(
        "field-service", {"kind": "phase-two", "alm_maturity": "mature"},
        must={"test-strategy", "cutover", "post-go-live"}, must_not={"data-model", "integration", "alm"},
        because={"data-model": ["Phase two adds no gaps, products or integrations"],
                 "data-migration": ["Nothing is migrated into the Field Service phase two"]}),
    "marketing-on-power-platform": Case(
        "marketing,power-platform", {"platforms": "power-platform,azure", "branding": "true"},
        must={"integration", "user-experience"}, must_not={"data-migration", "security-model"},
        because={"integration": ["Connects Microsoft Power Platform and Azure"],
                 "user-experience": ["Corporate branding"]}),
    "gaps-but-none-critical": Case(
        "finance", {"gap_count": "6", "critical_gaps": "0"}, must={"data-model"}, must_not={"gap-solution"},
        because={"gap-solution": ["6 gaps, none critical: the fit-gap review settles them"],
                 "data-model": ["6 gap requirements may add custom tables"]}),
    "alm-mature-but-nobody-runs-it": Case(
        "supply-chain", {"alm_maturity": "mature", "alm_owner": "undecided", "system:1:name": "WMS",
                         "system:1:kind": "custom"},
        must={"alm", "integration"}, must_not={"bi-analytics"},
        because={"alm": ["Nobody is named to run ALM after go-live", "Custom builds for WMS"]}),
    "in-prepare": Case(
        "supply-chain", {**ERP, "legacy_mapping": "true"}, go_live=TODAY + timedelta(weeks=8), phase="prepare",
        must={"data-migration", "test-strategy", "cutover", "post-go-live", "solution-performance"},
        must_not=DESIGN | {"alm"},
        because={"data-model": ["In Prepare, 8 weeks before go-live: the data model is built"],
                 "gap-solution": ["In Prepare, 8 weeks before go-live"]}),
    "already-live": Case(
        "finance", {**ERP}, go_live=TODAY - timedelta(days=60), phase="operate",
        must={"post-go-live", "bi-analytics", "solution-performance", "alm"},
        must_not=DESIGN | {"data-migration", "test-strategy", "cutover"},
        because={"post-go-live": ["After go-live on 3 Oct 2026", "closes the engagement"],
                 "cutover": ["The project went live on 3 Oct 2026 (Operate): cutover is done"],
                 "bi-analytics": ["Still matters after go-live on 3 Oct 2026"]}),
    "go-live-three-weeks-out": Case(
        "finance,supply-chain", {**ERP, "legacy_mapping": "true", "peak_seasons": "Year-end"},
        go_live=TODAY + timedelta(weeks=3), at_risk=True,
        must={"data-migration", "test-strategy", "cutover", "post-go-live"}, must_not=set(),
        because={"cutover": ["Go-live of Finance and Supply Chain Management on 23 Dec 2026"]}),
    "go-live-ten-days-out": Case(
        "sales", {"legacy_mapping": "true", "branding": "true", "system:1:name": "ERP", "regulations": "pci-dss",
                  "reporting": "advanced", "migration_volume": "low"},
        go_live=TODAY + timedelta(days=10), at_risk=True,
        must={"test-strategy", "cutover", "data-migration", "post-go-live"}, must_not={"user-experience"},
        because={"user-experience": ["Dropped for the short runway (10 days to go-live): the screens are built"],
                 "bi-analytics": ["Dropped for the short runway"]}),
}


def planned(case: Case):
    project = {"products": case.products.split(","), "goLive": case.go_live.isoformat(), "phase": case.phase}
    return plan_series(profile_from_answers(case.answers, project=project, today=TODAY), default_catalog(), today=TODAY)


def test_the_table_covers_every_product_family_and_kind_of_project():
    assert len(CASES) >= 12
    products = {p for case in CASES.values() for p in case.products.split(",")}
    assert products >= {"finance", "supply-chain", "commerce", "human-resources", "project-operations", "sales",
                        "customer-service", "field-service", "marketing", "power-platform"}
    assert {case.answers.get("kind", "greenfield") for case in CASES.values()} == {"greenfield", "upgrade", "phase-two"}
    assert {case.phase for case in CASES.values()} >= {"implement", "prepare", "operate"}


@pytest.mark.parametrize("name", CASES)
def test_what_must_and_must_not_be_recommended_and_why(name):
    case = CASES[name]
    series = planned(case)
    by_id = {r.workshop_id: r for r in series.recommendations}
    chosen = {wid for wid, r in by_id.items() if r.recommended}
    assert case.must <= chosen, sorted(case.must - chosen)
    assert not case.must_not & chosen, sorted(case.must_not & chosen)
    for wid, phrases in case.because.items():
        said = " | ".join(by_id[wid].reasons) + " | " + by_id[wid].triage
        for phrase in phrases:
            assert phrase in said, (wid, phrase, said)
    assert bool(series.risk) == case.at_risk, series.risk


def test_no_reason_is_the_same_for_every_project():
    said = [Counter(reason for r in planned(case).recommendations for reason in r.reasons) for case in CASES.values()]
    everywhere = set(said[0]).intersection(*said[1:])
    assert not everywhere, everywhere


@pytest.mark.parametrize("name", CASES)
def test_the_schedule_holds_prerequisites_first_and_go_live_in_its_place(name):
    case = CASES[name]
    series = planned(case)
    held = [r for r in series.recommendations if r.recommended]
    weeks = {r.workshop_id: r.week for r in held}
    assert all(weeks.values()), "every recommended workshop is in a week"
    assert [r.order for r in series.recommendations] == list(range(1, 13))
    ranks = [PREREQUISITES.index(r.workshop_id) for r in held if not r.triage.startswith("Merged into")]
    assert ranks == sorted(ranks), "prerequisites first (a merged workshop is held in its host's session)"
    assert held[-1].workshop_id == "post-go-live", "post go-live closes the series"
    for r in held:
        assert TODAY <= r.window_start <= r.window_end, r
        if case.phase != "operate" and r.workshop_id != "post-go-live":
            assert r.window_end < case.go_live, r
    if case.phase != "operate":
        assert weeks["post-go-live"] > case.go_live
    if not case.at_risk:
        assert max(Counter(weeks.values()).values()) <= 2, "two a week at most"
        assert not any(r.triage for r in held)
    early = [w for w in weeks if w not in NOT_BEFORE and w != "post-go-live"]
    if early:  # nothing waits: the early workshops start in the review week, not months before go-live
        assert min(weeks[w] for w in early) <= TODAY
