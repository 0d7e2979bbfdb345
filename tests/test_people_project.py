"""Pure rules: project set-up answers, roles and who may do what."""

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from tests.test_hostile import json_values
from workshops.people import (can_approve, is_admin, is_lead, merge_members, parse_role_answers,
                              unfilled_roles)
from workshops.project import FormError, project_from_answers

TODAY = date(2026, 11, 28)
ZONES = frozenset({"UTC", "Europe/London", "America/New_York"})
GOOD = {"name": "Contoso ERP", "customer": "Contoso", "partner": "Fabrikam", "products": "finance,supply-chain",
        "goLive": "2027-09-01", "phase": "implement", "timeZone": "Europe/London"}


def test_good_answers_make_a_project():
    details = project_from_answers(GOOD, today=TODAY, valid_time_zones=ZONES)
    assert details.products == ("finance", "supply-chain")
    assert details.go_live == date(2027, 9, 1)
    assert details.time_zone == "Europe/London"


def test_every_bad_answer_is_reported_at_once():
    bad = {"name": " ", "customer": "x" * 500, "products": "finance,crm", "goLive": "2027-02-30",
           "phase": "build", "timeZone": "Mars/Olympus"}
    with pytest.raises(FormError) as caught:
        project_from_answers(bad, today=TODAY, valid_time_zones=ZONES)
    errors = caught.value.errors
    assert set(errors) == {"name", "customer", "partner", "products", "goLive", "phase", "timeZone"}
    assert "real date" in errors["goLive"]
    assert "crm" in errors["products"]


@pytest.mark.parametrize("go_live", ["2026-11-28", "2025-01-01"])
def test_go_live_must_be_in_the_future(go_live):
    with pytest.raises(FormError) as caught:
        project_from_answers({**GOOD, "goLive": go_live}, today=TODAY, valid_time_zones=ZONES)
    assert caught.value.errors == {"goLive": "The estimated go-live must be in the future."}


def test_missing_time_zone_defaults_to_utc():
    details = project_from_answers({**GOOD, "timeZone": ""}, today=TODAY, valid_time_zones=ZONES)
    assert details.time_zone == "UTC"


PROJECT = {"createdBy": {"aadObjectId": "creator"}}
ROSTER = {"members": {
    "sa": {"name": "Sam", "roles": ["solution-architect"]},
    "pm": {"name": "Pat", "roles": ["project-manager"]},
    "fl": {"name": "Flo", "roles": ["functional-lead"]},
    "cs": {"name": "Cy", "roles": ["customer-stakeholder"]},
}}


@pytest.mark.parametrize("who, admin, lead, approver", [
    ("creator", True, True, False),
    ("sa", True, True, True),
    ("pm", True, True, False),
    ("fl", False, True, False),
    ("cs", False, False, False),
    ("stranger", False, False, False),
    ("", False, False, False),
])
def test_who_may_do_what(who, admin, lead, approver):
    assert is_admin(PROJECT, ROSTER, who) is admin
    assert is_lead(PROJECT, ROSTER, who) is lead
    assert can_approve(ROSTER, who) is approver


def test_unfilled_roles_in_catalog_order():
    assert unfilled_roles(ROSTER, ["cutover-lead", "solution-architect", "data-migration-lead"]) == [
        "cutover-lead", "data-migration-lead"]


def test_merge_keeps_roles_adds_newcomers_and_marks_leavers():
    merged = merge_members(ROSTER["members"], [
        {"aadObjectId": "sa", "name": "Sam Smith", "id": "29:sa"},
        {"aadObjectId": "new", "name": "Nia", "id": "29:new"},
        {"name": "no aad id"},
    ])
    assert merged["sa"]["roles"] == ["solution-architect"] and merged["sa"]["name"] == "Sam Smith"
    assert merged["new"]["roles"] == [] and merged["new"]["inTeam"] is True
    assert merged["pm"]["inTeam"] is False
    assert len(merged) == 5


def test_role_answers_ignore_unknown_people_roles_and_organisations():
    answers = {"roles:sa": "solution-architect,emperor", "org:sa": "partner",
               "roles:intruder": "solution-architect", "org:fl": "martians"}
    parsed = parse_role_answers(answers, ["sa", "fl"])
    assert parsed == {"sa": {"roles": ["solution-architect"], "organisation": "partner"},
                      "fl": {"roles": [], "organisation": ""}}


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_a_copied_document_is_equal_and_shares_nothing_with_the_original(doc):
    from workshops.documents import copy_document

    copy = copy_document(doc)
    assert copy == doc

    def containers(value):
        if isinstance(value, dict):
            yield value
            for item in value.values():
                yield from containers(item)
        elif isinstance(value, list):
            yield value
            for item in value:
                yield from containers(item)

    shared = {id(c) for c in containers(doc)} & {id(c) for c in containers(copy)}
    assert not shared, "changing the copy can never change the original"
