"""The workshop recommendation rules: which workshops a project gets, why, how long and when."""

from dataclasses import replace
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from catalog import default_catalog
from workshops.blueprint import AnswerError, Profile, profile_from_answers
from workshops.recommend import COMPLEXITY_HOURS, PREREQUISITES, recommend

TODAY = date(2026, 11, 28)
GO_LIVE = TODAY + timedelta(weeks=40)
ALL_IDS = frozenset(PREREQUISITES)

SMALL = Profile(products=("sales",), alm_maturity="mature", go_live=GO_LIVE)
BIG = Profile(
    products=("finance", "supply-chain", "commerce"), data_migration=True, migration_volume="high",
    integrations=("office365", "azure", "external"), external_systems=6, gap_count=12, business_units=8,
    regulated=True, high_volumes=True, geo_distributed=True, reporting="advanced", legacy_mapping=True,
    branding=True, alm_maturity="none", go_live=GO_LIVE,
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
    got = {wid for wid, r in run(profile).items() if r.recommended}
    assert got == expected


def test_small_project_is_all_low_complexity():
    assert {r.complexity for r in run(SMALL).values()} == {"low"}


@pytest.mark.parametrize("workshop_id, complexity", [
    ("data-model", "high"), ("integration", "high"), ("data-migration", "high"), ("security-model", "high"),
    ("solution-performance", "high"), ("test-strategy", "high"), ("user-experience", "medium"),
    ("alm", "high"), ("gap-solution", "high"), ("cutover", "high"), ("post-go-live", "low"),
    ("bi-analytics", "high"),
])
def test_big_programme_complexities(workshop_id, complexity):
    assert run(BIG)[workshop_id].complexity == complexity


@pytest.mark.parametrize("changes, workshop_id, recommended, complexity", [
    # data model: always; products and gaps drive complexity
    ({}, "data-model", True, "low"),
    ({"products": ("sales", "marketing")}, "data-model", True, "medium"),
    ({"products": ("sales", "marketing", "customer-service")}, "data-model", True, "high"),
    ({"gap_count": 1}, "data-model", True, "medium"),
    ({"gap_count": 5}, "data-model", True, "high"),
    # integration
    ({}, "integration", False, "low"),
    ({"integrations": ("office365",)}, "integration", True, "low"),
    ({"integrations": ("office365", "azure")}, "integration", True, "medium"),
    ({"integrations": ("external",), "external_systems": 1}, "integration", True, "medium"),
    ({"integrations": ("external",), "external_systems": 4}, "integration", True, "high"),
    ({"integrations": ("office365", "azure", "power-platform")}, "integration", True, "high"),
    # data migration: complexity is the volume
    ({}, "data-migration", False, "low"),
    ({"data_migration": True, "migration_volume": "low"}, "data-migration", True, "low"),
    ({"data_migration": True, "migration_volume": "medium"}, "data-migration", True, "medium"),
    ({"data_migration": True, "migration_volume": "high"}, "data-migration", True, "high"),
    # security model
    ({}, "security-model", False, "low"),
    ({"business_units": 2}, "security-model", True, "low"),
    ({"products": ("sales", "marketing", "field-service")}, "security-model", True, "low"),
    ({"business_units": 5}, "security-model", True, "medium"),
    ({"regulated": True}, "security-model", True, "medium"),
    ({"regulated": True, "business_units": 5}, "security-model", True, "high"),
    # solution performance
    ({}, "solution-performance", False, "low"),
    ({"high_volumes": True}, "solution-performance", True, "medium"),
    ({"geo_distributed": True}, "solution-performance", True, "medium"),
    ({"high_volumes": True, "geo_distributed": True}, "solution-performance", True, "high"),
    # test strategy: always; one point per thing to test
    ({}, "test-strategy", True, "low"),
    ({"integrations": ("azure",)}, "test-strategy", True, "medium"),
    ({"integrations": ("azure",), "gap_count": 2, "regulated": True}, "test-strategy", True, "high"),
    # user experience
    ({}, "user-experience", False, "low"),
    ({"legacy_mapping": True}, "user-experience", True, "low"),
    ({"branding": True}, "user-experience", True, "low"),
    ({"legacy_mapping": True, "branding": True}, "user-experience", True, "medium"),
    # ALM
    ({"alm_maturity": "mature"}, "alm", False, "low"),
    ({"alm_maturity": "basic"}, "alm", True, "medium"),
    ({"alm_maturity": "none"}, "alm", True, "high"),
    # gap solution
    ({"gap_count": 0}, "gap-solution", False, "low"),
    ({"gap_count": 1}, "gap-solution", True, "low"),
    ({"gap_count": 3}, "gap-solution", True, "medium"),
    ({"gap_count": 9}, "gap-solution", True, "medium"),
    ({"gap_count": 10}, "gap-solution", True, "high"),
    # cutover: always; grows with migration volume and integrations
    ({}, "cutover", True, "low"),
    ({"integrations": ("office365",)}, "cutover", True, "medium"),
    ({"data_migration": True, "migration_volume": "low"}, "cutover", True, "medium"),
    ({"data_migration": True, "migration_volume": "high"}, "cutover", True, "high"),
    ({"data_migration": True, "migration_volume": "medium", "integrations": ("azure",)}, "cutover", True, "high"),
    ({"integrations": ("external",), "external_systems": 4}, "cutover", True, "medium"),
    # post go-live: always low
    ({}, "post-go-live", True, "low"),
    ({"gap_count": 50, "regulated": True}, "post-go-live", True, "low"),
    # BI and analytics
    ({"reporting": "none"}, "bi-analytics", False, "low"),
    ({"reporting": "standard"}, "bi-analytics", True, "medium"),
    ({"reporting": "advanced"}, "bi-analytics", True, "high"),
])
def test_rule(changes, workshop_id, recommended, complexity):
    rec = run(small(**changes))[workshop_id]
    assert (rec.recommended, rec.complexity) == (recommended, complexity)
    assert rec.duration_hours == COMPLEXITY_HOURS[complexity]


# --- reasons ---------------------------------------------------------------------------------

@pytest.mark.parametrize("profile, workshop_id, phrase", [
    (SMALL, "integration", "No integrations in scope"),
    (SMALL, "data-migration", "No data migration in scope"),
    (SMALL, "security-model", "standard security roles are likely enough"),
    (SMALL, "solution-performance", "No large transaction volumes"),
    (SMALL, "user-experience", "No legacy system mapping or branding"),
    (SMALL, "alm", "already mature"),
    (SMALL, "gap-solution", "No gaps"),
    (SMALL, "bi-analytics", "No reporting needs"),
    (SMALL, "data-model", "Every project has a data model"),
    (SMALL, "test-strategy", "Testing must be planned before cutover"),
    (BIG, "data-migration", "Data migration is in scope with a high volume (over 10 million records)"),
    (BIG, "integration", "6 external systems to connect"),
    (BIG, "gap-solution", "12 gap requirements not met by the standard product"),
    (BIG, "security-model", "Regulations and compliance apply"),
    (BIG, "solution-performance", "Users work in several geographies"),
    (BIG, "alm", "No application lifecycle management yet"),
    (BIG, "bi-analytics", "Advanced business intelligence"),
    (BIG, "data-model", "3 products in scope: Finance, Supply Chain Management, Commerce"),
])
def test_reason_explains_the_decision(profile, workshop_id, phrase):
    assert any(phrase in reason for reason in run(profile)[workshop_id].reasons)


@pytest.mark.parametrize("profile", [SMALL, BIG], ids=["small", "big"])
def test_every_recommendation_has_readable_reasons(profile):
    for rec in run(profile).values():
        assert rec.reasons, rec.workshop_id
        for reason in rec.reasons:
            assert isinstance(reason, str) and len(reason) > 10
            assert reason[0].isupper() or reason[0].isdigit(), reason
            assert "_" not in reason and "None" not in reason, reason


# --- catalog coverage, durations, order ---------------------------------------------------

@pytest.mark.parametrize("profile", [SMALL, BIG], ids=["small", "big"])
def test_every_catalog_workshop_appears_exactly_once(profile):
    recs = recommend(profile, default_catalog(), today=TODAY)
    ids = [r.workshop_id for r in recs]
    assert sorted(ids) == sorted(w.id for w in default_catalog().workshops)
    assert len(ids) == len(set(ids)) == 12
    assert [r.order for r in recs] == list(range(1, 13))


@pytest.mark.parametrize("profile", [SMALL, BIG], ids=["small", "big"])
def test_duration_matches_complexity(profile):
    for rec in run(profile).values():
        assert rec.duration_hours == COMPLEXITY_HOURS[rec.complexity]


def test_prerequisites_come_first_when_go_live_is_far():
    recs = recommend(BIG, default_catalog(), today=TODAY)
    assert tuple(r.workshop_id for r in recs) == PREREQUISITES


def test_windows_relative_to_go_live():
    recs = run(BIG)
    assert (recs["data-model"].window_start, recs["data-model"].window_end) == (
        GO_LIVE - timedelta(weeks=30), GO_LIVE - timedelta(weeks=22))
    assert (recs["cutover"].window_start, recs["cutover"].window_end) == (
        GO_LIVE - timedelta(weeks=10), GO_LIVE - timedelta(weeks=4))
    assert (recs["post-go-live"].window_start, recs["post-go-live"].window_end) == (
        GO_LIVE + timedelta(weeks=2), GO_LIVE + timedelta(weeks=8))
    assert not any("Go-live is close" in r for rec in recs.values() for r in rec.reasons)


@pytest.mark.parametrize("days_to_go_live", [1, 2, 21, 50, 84, 140, 280, 400])
@pytest.mark.parametrize("profile", [SMALL, BIG], ids=["small", "big"])
def test_window_invariants(profile, days_to_go_live):
    go_live = TODAY + timedelta(days=days_to_go_live)
    recs = recommend(replace(profile, go_live=go_live), default_catalog(), today=TODAY)
    by_id = {r.workshop_id: r for r in recs}
    for rec in recs:
        assert TODAY <= rec.window_start <= rec.window_end, rec
        if rec.workshop_id == "post-go-live":
            assert rec.window_start > go_live
        else:
            assert rec.window_end < go_live, rec
    order = {r.workshop_id: r.order for r in recs}
    assert order["test-strategy"] < order["cutover"] < order["post-go-live"]
    assert max(order.values()) == order["post-go-live"]
    assert [r.window_start for r in recs] == sorted(r.window_start for r in recs)
    assert by_id["test-strategy"].window_start <= by_id["cutover"].window_start
    # prerequisites first: the relative order always follows PREREQUISITES
    assert [r.workshop_id for r in recs] == list(PREREQUISITES)


def test_go_live_three_weeks_away_clamps_to_today():
    go_live = TODAY + timedelta(weeks=3)
    recs = run(replace(BIG, go_live=go_live))
    for wid, rec in recs.items():
        if wid == "post-go-live":
            assert rec.window_start == go_live + timedelta(weeks=2)
            assert not any("Go-live is close" in r for r in rec.reasons)
        else:
            assert rec.window_start == TODAY
            assert rec.window_end == TODAY + timedelta(days=6)
            assert "Go-live is close: hold this soon" in rec.reasons


def test_close_reason_only_on_recommended_workshops():
    recs = run(replace(SMALL, go_live=TODAY + timedelta(weeks=3)))
    assert not any("Go-live is close" in r for r in recs["integration"].reasons)
    assert "Go-live is close: hold this soon" in recs["cutover"].reasons


def test_go_live_tomorrow_windows_are_today():
    recs = run(replace(SMALL, go_live=TODAY + timedelta(days=1)))
    assert all((r.window_start, r.window_end) == (TODAY, TODAY)
               for wid, r in recs.items() if wid != "post-go-live")


@pytest.mark.parametrize("go_live", [TODAY, TODAY - timedelta(days=1)])
def test_recommend_refuses_a_go_live_that_is_not_in_the_future(go_live):
    with pytest.raises(ValueError):
        recommend(replace(SMALL, go_live=go_live), default_catalog(), today=TODAY)


def test_recommend_refuses_a_workshop_without_a_rule():
    catalog = SimpleNamespace(workshops=(SimpleNamespace(id="mystery"),))
    with pytest.raises(ValueError, match="mystery"):
        recommend(SMALL, catalog, today=TODAY)


# --- questionnaire answers -------------------------------------------------------------------

GOOD = {
    "products": "finance, supply-chain,commerce",
    "data_migration": "true",
    "migration_volume": "high",
    "integrations": "office365,azure,external",
    "external_systems": "6",
    "gap_count": "12",
    "business_units": "8",
    "regulated": "true",
    "high_volumes": "true",
    "geo_distributed": "true",
    "reporting": "advanced",
    "legacy_mapping": "true",
    "branding": "true",
    "alm_maturity": "none",
    "go_live": GO_LIVE.isoformat(),
}


def test_good_answers_make_a_profile():
    assert profile_from_answers(GOOD, today=TODAY) == BIG


def test_missing_optional_answers_get_defaults():
    profile = profile_from_answers({"products": "sales", "go_live": "2027-06-01"}, today=TODAY)
    assert profile == Profile(products=("sales",), go_live=date(2027, 6, 1), data_migration=False,
                              migration_volume="none", integrations=(), external_systems=0, gap_count=0,
                              business_units=1, regulated=False, high_volumes=False, geo_distributed=False,
                              reporting="none", legacy_mapping=False, branding=False, alm_maturity="basic")


@pytest.mark.parametrize("answers, field, expected", [
    ({"goLive": "2027-06-01"}, "go_live", date(2027, 6, 1)),
    ({"products": "Sales, sales ,marketing"}, "products", ("sales", "marketing")),
    ({"external_systems": "2", "integrations": "azure"}, "integrations", ("azure", "external")),
    ({"migration_volume": "medium"}, "data_migration", True),
    ({"regulated": "TRUE"}, "regulated", True),
    ({"gap_count": " 7 "}, "gap_count", 7),
    ({"reporting": ""}, "reporting", "none"),
])
def test_answers_are_normalised_and_inferred(answers, field, expected):
    base = {"products": "sales", "go_live": "2027-06-01"}
    if "goLive" in answers:
        base.pop("go_live")
    profile = profile_from_answers({**base, **answers}, today=TODAY)
    assert getattr(profile, field) == expected


@pytest.mark.parametrize("changes, field, phrase", [
    ({"go_live": "2026-01-15"}, "go_live", "in the future"),
    ({"go_live": TODAY.isoformat()}, "go_live", "in the future"),
    ({"go_live": "2026-02-30"}, "go_live", "not a real date"),
    ({"go_live": "soon"}, "go_live", "not a real date"),
    ({"go_live": ""}, "go_live", "Give the go-live date"),
    ({"go_live": "2040-01-01"}, "go_live", "more than 5 years"),
    ({"gap_count": "abc"}, "gap_count", "whole number"),
    ({"gap_count": "1.5"}, "gap_count", "whole number"),
    ({"gap_count": "-3"}, "gap_count", "between 0 and 1000"),
    ({"gap_count": "1001"}, "gap_count", "between 0 and 1000"),
    ({"business_units": "0"}, "business_units", "between 1 and 1000"),
    ({"external_systems": "many"}, "external_systems", "whole number"),
    ({"external_systems": "0"}, "external_systems", "say how many"),
    ({"products": "sales,navision"}, "products", "Unknown product: navision"),
    ({"products": ""}, "products", "at least one"),
    ({"products": " , "}, "products", "at least one"),
    ({"integrations": "office365,sap"}, "integrations", "Unknown integration: sap"),
    ({"regulated": "maybe"}, "regulated", "true or false"),
    ({"migration_volume": "huge"}, "migration_volume", "Migration volume 'huge' is not an option"),
    ({"migration_volume": "none"}, "migration_volume", "choose its volume"),
    ({"data_migration": "false"}, "migration_volume", "must be 'none'"),
    ({"reporting": "fancy"}, "reporting", "is not an option"),
    ({"alm_maturity": "great"}, "alm_maturity", "ALM maturity 'great' is not an option"),
])
def test_each_bad_answer_is_reported(changes, field, phrase):
    with pytest.raises(AnswerError) as caught:
        profile_from_answers({**GOOD, **changes}, today=TODAY)
    assert set(caught.value.errors) == {field}
    assert phrase in caught.value.errors[field]


def test_every_bad_field_is_reported_at_once():
    bad = {**GOOD, "products": "", "go_live": "2026-02-30", "gap_count": "abc", "business_units": "-2",
           "regulated": "maybe", "reporting": "fancy", "integrations": "office365,sap"}
    with pytest.raises(AnswerError) as caught:
        profile_from_answers(bad, today=TODAY)
    assert set(caught.value.errors) == {"products", "go_live", "gap_count", "business_units", "regulated",
                                        "reporting", "integrations"}
    assert isinstance(caught.value, ValueError)
    assert all(message.endswith(".") for message in caught.value.errors.values())


def test_past_go_live_and_unknown_product_together():
    with pytest.raises(AnswerError) as caught:
        profile_from_answers({**GOOD, "go_live": "2025-01-01", "products": "dynamics-gp"}, today=TODAY)
    assert set(caught.value.errors) == {"go_live", "products"}


def test_answers_must_be_a_mapping():
    with pytest.raises(AnswerError):
        profile_from_answers(None, today=TODAY)
