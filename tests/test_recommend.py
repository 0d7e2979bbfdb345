"""The workshop recommendation rules, the schedule and the questionnaire's answers: which
workshops a project gets, how complex, when, and what the form accepts (the acceptance table of
realistic projects is tests/test_profiles.py)."""

from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from catalog import default_catalog
from workshops.blueprint import AnswerError, Profile, System, profile_from_answers, stored_answers
from workshops.recommend import COMPLEXITY_HOURS, PREREQUISITES, plan_series, recommend

TODAY = date(2026, 11, 28)
GO_LIVE = TODAY + timedelta(weeks=40)
ALL_IDS = frozenset(PREREQUISITES)
PROJECT = {"products": ["finance", "supply-chain", "commerce"], "goLive": GO_LIVE.isoformat(), "phase": "implement"}

SMALL = Profile(products=("sales",), alm_maturity="mature", go_live=GO_LIVE)
BIG = Profile(
    products=("finance", "supply-chain", "commerce"), migration_volume="high", migration_sources="AX 2012",
    platforms=("office365", "azure"), systems=tuple(System(f"System {n}", "custom") for n in range(1, 7)),
    gap_count=12, critical_gaps=6, business_units=8, legal_entities=3, regulations=("sox",), high_volumes=True,
    countries=4, reporting="advanced", legacy_mapping=True, branding=True, alm_maturity="none", go_live=GO_LIVE,
)


def run(profile: Profile, today: date = TODAY) -> dict:
    return {r.workshop_id: r for r in recommend(profile, default_catalog(), today=today)}


def small(**changes) -> Profile:
    return replace(SMALL, **changes)


# --- which workshops, and how complex ---------------------------------------------------

@pytest.mark.parametrize("profile, expected", [
    pytest.param(SMALL, {"data-model", "test-strategy", "cutover", "post-go-live"}, id="small-sales-only"),
    pytest.param(BIG, ALL_IDS, id="big-programme"),
    pytest.param(small(alm_maturity="basic"), {"data-model", "test-strategy", "cutover", "post-go-live", "alm"},
                 id="small-basic-alm"),
])
def test_which_workshops_are_recommended(profile, expected):
    assert {wid for wid, r in run(profile).items() if r.recommended} == expected


def test_small_project_is_all_low_complexity():
    assert {r.complexity for r in run(SMALL).values()} == {"low"}


@pytest.mark.parametrize("workshop_id, complexity", [
    ("data-model", "high"), ("integration", "high"), ("data-migration", "high"), ("security-model", "high"),
    ("solution-performance", "medium"), ("test-strategy", "high"), ("user-experience", "medium"),
    ("alm", "high"), ("gap-solution", "high"), ("cutover", "high"), ("post-go-live", "low"),
    ("bi-analytics", "high"),
])
def test_big_programme_complexities(workshop_id, complexity):
    assert run(BIG)[workshop_id].complexity == complexity


EDI, CUSTOM_LIVE = System("Suppliers", "edi"), System("Service Bus", "custom", "real-time")


@pytest.mark.parametrize("changes, workshop_id, recommended, complexity", [
    ({}, "data-model", True, "low"),
    ({"products": ("sales", "marketing")}, "data-model", True, "medium"),
    ({"products": ("sales", "marketing", "customer-service")}, "data-model", True, "high"),
    ({"gap_count": 5}, "data-model", True, "high"),
    ({"kind": "phase-two"}, "data-model", False, "low"),
    ({"kind": "phase-two", "gap_count": 1}, "data-model", True, "medium"),
    ({}, "integration", False, "low"),
    ({"platforms": ("office365",)}, "integration", True, "low"),
    ({"systems": (EDI,)}, "integration", True, "medium"),
    ({"systems": (EDI, CUSTOM_LIVE)}, "integration", True, "high"),
    ({}, "data-migration", False, "low"),
    ({"migration_volume": "low"}, "data-migration", True, "low"),
    ({"migration_volume": "low", "migrated": ("history",)}, "data-migration", True, "medium"),
    ({"migration_volume": "high"}, "data-migration", True, "high"),
    ({}, "security-model", False, "low"),
    ({"business_units": 2}, "security-model", True, "low"),
    ({"legal_entities": 5}, "security-model", True, "medium"),
    ({"regulations": ("gdpr",)}, "security-model", True, "medium"),
    ({"regulations": ("sox",), "legal_entities": 6}, "security-model", True, "high"),
    ({}, "solution-performance", False, "low"),
    ({"users": 999}, "solution-performance", False, "low"),
    ({"users": 1000}, "solution-performance", True, "low"),
    ({"high_volumes": True, "countries": 3}, "solution-performance", True, "medium"),
    ({"high_volumes": True, "countries": 3, "peak_seasons": "Black Friday"}, "solution-performance", True, "high"),
    ({}, "test-strategy", True, "low"),
    ({"systems": (EDI,)}, "test-strategy", True, "medium"),
    ({"systems": (EDI,), "gap_count": 2, "regulations": ("sox",)}, "test-strategy", True, "high"),
    ({}, "user-experience", False, "low"),
    ({"legacy_mapping": True}, "user-experience", True, "low"),
    ({"legacy_mapping": True, "branding": True}, "user-experience", True, "medium"),
    ({"alm_maturity": "mature"}, "alm", False, "low"),
    ({"alm_maturity": "mature", "alm_owner": "undecided"}, "alm", True, "low"),
    ({"alm_maturity": "basic"}, "alm", True, "medium"),
    ({"alm_maturity": "none"}, "alm", True, "high"),
    ({"gap_count": 0}, "gap-solution", False, "low"),
    ({"gap_count": 9}, "gap-solution", False, "low"),
    ({"gap_count": 9, "critical_gaps": 1}, "gap-solution", True, "low"),
    ({"gap_count": 9, "critical_gaps": 2}, "gap-solution", True, "medium"),
    ({"gap_count": 9, "critical_gaps": 5}, "gap-solution", True, "high"),
    ({}, "cutover", True, "low"),
    ({"systems": (EDI,)}, "cutover", True, "medium"),
    ({"migration_volume": "high"}, "cutover", True, "high"),
    ({}, "post-go-live", True, "low"),
    ({"reporting": "none"}, "bi-analytics", False, "low"),
    ({"reporting": "standard"}, "bi-analytics", False, "low"),
    ({"reporting": "advanced"}, "bi-analytics", True, "medium"),
    ({"reporting": "advanced", "legal_entities": 2}, "bi-analytics", True, "high"),
])
def test_rule(changes, workshop_id, recommended, complexity):
    rec = run(small(**changes))[workshop_id]
    assert (rec.recommended, rec.complexity) == (recommended, complexity)
    assert rec.duration_hours == COMPLEXITY_HOURS[complexity]


@pytest.mark.parametrize("profile", [SMALL, BIG], ids=["small", "big"])
def test_every_recommendation_has_readable_reasons(profile):
    for rec in run(profile).values():
        assert rec.reasons, rec.workshop_id
        for reason in rec.reasons:
            assert isinstance(reason, str) and len(reason) > 10
            assert reason[0].isupper() or reason[0].isdigit(), reason
            assert "_" not in reason and "None" not in reason, reason


# --- the schedule ----------------------------------------------------------------------------

@pytest.mark.parametrize("profile", [SMALL, BIG], ids=["small", "big"])
def test_every_catalog_workshop_appears_exactly_once(profile):
    recs = recommend(profile, default_catalog(), today=TODAY)
    assert sorted(r.workshop_id for r in recs) == sorted(w.id for w in default_catalog().workshops)
    assert [r.order for r in recs] == list(range(1, 13))


def test_a_long_runway_holds_the_early_workshops_first_and_the_late_ones_near_go_live():
    recs = run(BIG)
    monday = TODAY - timedelta(days=TODAY.weekday())
    assert recs["alm"].week == recs["data-model"].week == monday, "ALM and the data model in the review week"
    assert recs["gap-solution"].week <= monday + timedelta(weeks=2), "gap design before build"
    ten_weeks_before = GO_LIVE - timedelta(weeks=10)
    assert recs["cutover"].week == ten_weeks_before - timedelta(days=ten_weeks_before.weekday()), "cutover in Prepare"
    assert recs["test-strategy"].week < recs["cutover"].week < GO_LIVE < recs["post-go-live"].week
    assert [r.workshop_id for r in recommend(BIG, default_catalog(), today=TODAY)] == list(PREREQUISITES)


@pytest.mark.parametrize("per_week, weeks", [(1, 8), (2, 4), (4, 2)])
def test_the_weekly_capacity_spreads_the_early_workshops(per_week, weeks):
    recs = recommend(BIG, default_catalog(), today=TODAY, per_week=per_week)
    early = [r.week for r in recs if r.workshop_id in PREREQUISITES[:8]]
    assert len(set(early)) == weeks
    assert all(early.count(w) <= per_week for w in early)


@pytest.mark.parametrize("days_to_go_live", [1, 2, 10, 21, 50, 84, 140, 280, 400])
@pytest.mark.parametrize("profile", [SMALL, BIG], ids=["small", "big"])
def test_window_invariants(profile, days_to_go_live):
    go_live = TODAY + timedelta(days=days_to_go_live)
    series = plan_series(replace(profile, go_live=go_live), default_catalog(), today=TODAY)
    for rec in series.recommendations:
        assert TODAY <= rec.window_start <= rec.window_end, rec
        if rec.workshop_id == "post-go-live":
            assert rec.window_start > go_live
        else:
            assert rec.window_end < go_live, rec
    held = [r for r in series.recommendations if r.recommended]
    assert {"test-strategy", "cutover", "post-go-live"} <= {r.workshop_id for r in held}, "never dropped"
    assert held[-1].workshop_id == "post-go-live"
    assert [r.week for r in held] == sorted(r.week for r in held)


def test_a_short_runway_is_triaged_and_at_risk():
    series = plan_series(replace(BIG, go_live=TODAY + timedelta(days=10)), default_catalog(), today=TODAY)
    recs = {r.workshop_id: r for r in series.recommendations}
    assert series.risk.startswith("Go-live date at risk: 11 workshops are due before go-live on 8 Dec 2026 "
                                  "(10 days away)")
    assert "Merged into Data model design, one session" in recs["integration"].triage
    assert not recs["user-experience"].recommended
    assert recs["user-experience"].reasons[0].startswith("Dropped for the short runway (10 days to go-live)")
    assert recs["cutover"].duration_hours == 2 and "Shortened to 2 hours" in recs["cutover"].triage
    assert not plan_series(BIG, default_catalog(), today=TODAY).risk


def test_a_live_project_gets_post_go_live_last_and_soon():
    live = replace(BIG, go_live=TODAY - timedelta(days=90), phase="operate")
    held = [r for r in recommend(live, default_catalog(), today=TODAY) if r.recommended]
    assert [r.workshop_id for r in held] == ["alm", "bi-analytics", "solution-performance", "post-go-live"]
    assert held[-1].window_start <= TODAY + timedelta(weeks=2)


def test_a_go_live_that_passed_without_operate_is_treated_as_live():
    recs = run(replace(BIG, go_live=TODAY - timedelta(days=1)))
    assert recs["post-go-live"].recommended and not recs["cutover"].recommended
    assert recs["cutover"].reasons[0].startswith("The project went live on 27 Nov 2026 (Implement)")


def test_recommend_refuses_a_workshop_without_a_rule():
    catalog = SimpleNamespace(workshops=(SimpleNamespace(id="mystery"),))
    with pytest.raises(ValueError, match="mystery"):
        recommend(SMALL, catalog, today=TODAY)


# --- questionnaire answers -------------------------------------------------------------------

GOOD = {
    "kind": "greenfield", "legal_entities": "3", "business_units": "8", "regulations": "sox", "users": "0",
    "countries": "4", "high_volumes": "true", "platforms": "office365,azure",
    **{f"system:{n}:{k}": v for n in range(1, 7) for k, v in (("name", f"System {n}"), ("kind", "custom"))},
    "migration_volume": "high", "migration_sources": "AX 2012", "gap_count": "12", "critical_gaps": "6",
    "reporting": "advanced", "legacy_mapping": "true", "branding": "true", "alm_maturity": "none",
}


def test_good_answers_make_a_profile_with_the_projects_facts():
    assert profile_from_answers(GOOD, project=PROJECT, today=TODAY) == BIG


def test_missing_answers_get_the_defaults_of_a_small_project():
    project = {"products": ["sales"], "goLive": "2027-06-01", "phase": "initiate"}
    assert profile_from_answers({}, project=project, today=TODAY) == Profile(
        products=("sales",), go_live=date(2027, 6, 1), phase="initiate")


def test_a_system_row_without_a_name_is_left_out():
    answers = {"system:1:name": "", "system:1:kind": "edi", "system:2:name": " Bank ", "system:3:kind": "custom"}
    assert profile_from_answers(answers, project=PROJECT, today=TODAY).systems == (System("Bank"),)


@pytest.mark.parametrize("changes, field, phrase", [
    ({"gap_count": "abc"}, "gap_count", "whole number"),
    ({"gap_count": "-3"}, "gap_count", "between 0 and 1000"),
    ({"critical_gaps": "13"}, "critical_gaps", "at most 12, not 13"),
    ({"legal_entities": "0"}, "legal_entities", "between 1 and 1000"),
    ({"users": "²"}, "users", "whole number"),
    ({"regulations": "sox,magna-carta"}, "regulations", "Unknown regulations: magna-carta"),
    ({"platforms": "sap"}, "platforms", "Unknown platforms: sap"),
    ({"high_volumes": "maybe"}, "high_volumes", "true or false"),
    ({"migration_volume": "huge"}, "migration_volume", "Migration volume 'huge' is not an option"),
    ({"migration_volume": "none"}, "migration_volume", "choose its volume"),
    ({"kind": "rewrite"}, "kind", "is not an option"),
    ({"alm_owner": "elves"}, "alm_owner", "is not an option"),
    ({"system:2:kind": "carrier-pigeon"}, "system:2:kind", "Say how System 2 integrates"),
    ({"system:2:timing": "weekly"}, "system:2:timing", "batch or in real time"),
    ({"system:2:name": "x" * 61}, "system:2:name", "at most 60 characters"),
    ({"peak_seasons": "p" * 201}, "peak_seasons", "at most 200 characters"),
])
def test_each_bad_answer_is_reported(changes, field, phrase):
    with pytest.raises(AnswerError) as caught:
        profile_from_answers({**GOOD, **changes}, project=PROJECT, today=TODAY)
    assert set(caught.value.errors) == {field}
    assert phrase in caught.value.errors[field]


def test_every_bad_field_is_reported_at_once():
    bad = {**GOOD, "gap_count": "abc", "business_units": "-2", "high_volumes": "maybe", "reporting": "fancy"}
    with pytest.raises(AnswerError) as caught:
        profile_from_answers(bad, project=PROJECT, today=TODAY)
    assert set(caught.value.errors) == {"gap_count", "business_units", "high_volumes", "reporting"}
    assert all(message.endswith(".") for message in caught.value.errors.values())


def test_a_project_without_products_or_go_live_sends_the_user_to_setup():
    with pytest.raises(AnswerError) as caught:
        profile_from_answers(GOOD, project={}, today=TODAY)
    assert "setup" in caught.value.errors["form"]


def test_answers_must_be_a_mapping():
    with pytest.raises(AnswerError):
        profile_from_answers(None, project=PROJECT, today=TODAY)


def test_answers_of_the_old_form_are_read_into_the_new_one():
    old = {"products": "finance", "go_live": "2027-06-01", "data_migration": "true", "migration_volume": "high",
           "integrations": "office365,external", "external_systems": "2", "gap_count": "4", "regulated": "true",
           "geo_distributed": "true", "reporting": "standard", "alm_maturity": "basic"}
    assert stored_answers(old) == {
        "migration_volume": "high", "gap_count": "4", "critical_gaps": "4", "reporting": "standard",
        "alm_maturity": "basic", "platforms": "office365", "regulations": "other", "countries": "2",
        "system:1:name": "External system 1", "system:1:kind": "custom", "system:1:timing": "batch",
        "system:2:name": "External system 2", "system:2:kind": "custom", "system:2:timing": "batch"}
    assert profile_from_answers(stored_answers(old), project=PROJECT, today=TODAY).systems[1].name == (
        "External system 2")
    assert stored_answers(GOOD) == GOOD, "today's answers are taken as they are"
