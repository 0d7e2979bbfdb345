"""Every card the bot can send parses clean in the Adaptive Cards renderer."""

from cards import catalog_cards
from catalog import default_catalog
from tests.plugins.botapp import nodes, of_type, parse_cards


def all_cards() -> list[tuple[str, dict]]:
    catalog = default_catalog()
    cards = [
        ("help", catalog_cards.help_card()),
        ("welcome", catalog_cards.welcome_card()),
        ("workshops", catalog_cards.workshops_card(catalog)),
        ("not-found", catalog_cards.workshop_not_found_card("cutovr", catalog.closest("cutovr"))),
        ("not-found-hostile", catalog_cards.workshop_not_found_card("<script>alert(1)</script> **x** [a](b)", [])),
        ("which-workshop", catalog_cards.workshop_not_found_card("", [])),
    ]
    cards += [(f"workshop:{w.id}", catalog_cards.workshop_card(catalog, w)) for w in catalog.workshops]
    return cards


def test_every_card_parses_without_warnings():
    cards = all_cards()
    results = parse_cards(cards)
    assert set(results) == {name for name, _ in cards}
    problems = {name: events for name, events in results.items() if events}
    assert problems == {}


def test_the_checker_does_report_a_broken_card():
    broken = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlok", "text": "x"}]}
    assert parse_cards([("broken", broken)])["broken"]


def test_cards_are_version_1_5():
    for name, card in all_cards():
        assert card["version"] == "1.5", name


def planning_cards() -> list[tuple[str, dict]]:
    from datetime import date, datetime, timezone

    from cards import plan_cards, project_cards
    from workshops import plan as plans
    from workshops.recommend import profile_from_answers, recommend

    catalog = default_catalog()
    today = date(2026, 11, 28)
    hostile = "<script>alert(1)</script> **bold** [link](https://evil.example) 1. list"
    project = {"projectId": "p", "name": hostile, "customer": hostile, "partner": "Fabrikam",
               "products": ["finance"], "goLive": "2027-09-01", "phase": "implement", "timeZone": "UTC"}
    roster = {"members": {"a": {"name": hostile, "roles": ["solution-architect"], "organisation": "partner"},
                          "b": {"name": "Bo", "roles": [], "organisation": "", "inTeam": False}}}
    answers = {"products": "finance", "migration_volume": "high", "gap_count": "3", "go_live": "2027-09-01"}
    recommendations = recommend(profile_from_answers(answers, project=project, today=today), catalog, today=today)
    by = {"aadObjectId": "a", "name": hostile}
    now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    plan = plans.new_plan("p", recommendations, answers, by, now)
    changed = plans.change(plan, "alm", False, hostile, by, now)
    approved = plans.approve(changed, by, now)
    return [
        ("setup-form", project_cards.setup_form_card({})),
        ("setup-form-errors", project_cards.setup_form_card({"name": hostile}, {"name": "x", "form": hostile},
                                                            editing=True)),
        ("project-saved", project_cards.project_saved_card(project, created=True)),
        ("needs-setup", project_cards.needs_setup_card("roster")),
        ("roster-editable", plan_cards.roster_card(project, roster, catalog, missing_roles=["cutover-lead"],
                                                   editable=True, message="Roles saved.")),
        ("roster-readonly", plan_cards.roster_card(project, roster, catalog, missing_roles=[], editable=False)),
        ("roster-empty", plan_cards.roster_card(project, {}, catalog, missing_roles=[], editable=True)),
        ("plan-form", plan_cards.plan_form_card(answers, {"gap_count": hostile})),
        ("plan", plan_cards.plan_card(project, plan, catalog)),
        ("plan-changed", plan_cards.plan_card(project, changed, catalog, message=hostile, message_style="Attention")),
        ("plan-approved", plan_cards.plan_card(project, approved, catalog)),
    ]


def test_planning_cards_parse_without_warnings():
    cards = planning_cards()
    results = parse_cards(cards)
    assert {name: events for name, events in results.items() if events} == {}


def rendered_markdown(card: dict) -> list[str]:
    """Text that Teams renders as markdown: TextBlocks and FactSet values (input values are plain)."""
    texts = [node["text"] for node in nodes(card, of_type("TextBlock"))]
    return texts + [fact["value"] for node in nodes(card, of_type("FactSet")) for fact in node["facts"]]


def assert_escaped(named_cards: list[tuple[str, dict]]) -> None:
    for name, card in named_cards:
        for text in rendered_markdown(card):
            assert "<script>" not in text, name
            assert "[link](" not in text, name
            assert "**bold**" not in text, name


def test_hostile_text_is_escaped_on_planning_cards():
    assert_escaped(planning_cards())


def form_and_status_cards() -> list[tuple[str, dict]]:
    """The cards whose forms come back as typed with errors, and whose status lines are styled."""
    from datetime import date, datetime, timezone

    from cards import agenda_cards, outcome_cards, plan_cards, project_cards
    from workshops import agenda, plan as plans
    from workshops.recommend import profile_from_answers, recommend

    catalog = default_catalog()
    hostile = "<script>alert(1)</script> **bold** [link](https://evil.example) 1. list"
    project = {"projectId": "p", "name": hostile, "customer": "Contoso", "partner": "Fabrikam",
               "products": ["finance"], "goLive": "2027-09-01", "phase": "implement", "timeZone": "America/New_York"}
    roster = {"members": {"a": {"name": hostile, "roles": ["solution-architect", "functional-lead"]}}}
    workshop = catalog.get("data-migration")
    session = agenda.new_session("p", workshop, 3)
    today = date(2026, 11, 28)
    now = datetime(2026, 11, 28, 12, tzinfo=timezone.utc)
    answers = {"products": "finance", "migration_volume": "high", "gap_count": "3", "go_live": "2027-09-01"}
    plan = plans.new_plan("p", recommend(profile_from_answers(answers, project=project, today=today), catalog, today=today), answers,
                          {"aadObjectId": "a", "name": "A"}, datetime(2026, 11, 28, tzinfo=timezone.utc))
    edit = {"verb": "agenda.edit", "keep:t1": "false", "owner:t2": "a", "minutes:t2": "500", "newTitle": hostile,
            "newOwner": "a", "newMinutes": "15.5"}
    schedule = {"verb": "agenda.schedule", "day": "2027-12-01", "time": "10:30"}
    status = {"engagement_closed": False, "ready": False, "blocking": [{}], "overdue": 1,
              "series": [{"title": "Cutover strategy", "state": "held", "missing_roles": ["cutover-lead"]}],
              "open_by_priority": {"high": 1}}
    return [
        ("setup-form-zone-alias", project_cards.setup_form_card({"timeZone": "US/Eastern"}, {"timeZone": hostile})),
        *[(f"project-saved-{roles}-{planned}", project_cards.project_saved_card(
            project, created=False, roles_given=roles, planned=planned)) for roles in (False, True)
          for planned in (False, True)],
        ("needs-setup-chat", project_cards.needs_setup_card("roster", "chat")),
        ("roster-before-a-plan", plan_cards.roster_card(project, roster, catalog, missing_roles=["cutover-lead"],
                                                        editable=True, planned=False)),
        ("plan-change-refused", plan_cards.plan_card(project, plan, catalog, message=hostile, message_style="Attention",
                                                     typed={"workshopId": "alm", "include": "add", "reason": hostile},
                                                     errors={"reason": hostile, "form": hostile})),
        ("agenda-edit-refused", agenda_cards.agenda_card(project, session, workshop, catalog, roster, now=now,
                                                         message=hostile,
                                                         style="Attention", typed=edit,
                                                         errors={"minutes:t2": hostile, "form": hostile})),
        ("agenda-schedule-refused", agenda_cards.agenda_card(project, session, workshop, catalog, roster, now=now,
                                                             message=hostile, style="Attention", typed=schedule,
                                                             errors={"form": hostile})),
        ("outcome-form-refused", outcome_cards.outcome_form_card(
            project, session, workshop, roster, None, {"action:new2:owner": hostile, "finding:new1:kind": hostile},
            {"summary": hostile, "action:new2:title": hostile})),
        ("attendance", outcome_cards.attendance_card(project, session, workshop, catalog, roster, editable=True,
                                                     can_check_in=True,
                                                     can_import=True, message=hostile, style="Warning")),
        ("status-not-ready", outcome_cards.status_card(project, status, catalog)),
    ]


def test_form_and_status_cards_parse_without_warnings():
    cards = form_and_status_cards()
    results = parse_cards(cards)
    assert {name: events for name, events in results.items() if events} == {}


def test_no_status_or_message_is_pale_coloured_text():
    """Good, Warning and Accent text is hard to read on a white card: those are styled containers.
    Red (Attention) text is left only for an error right under its input, as Teams shows its own."""
    for name, card in all_cards() + planning_cards() + form_and_status_cards():
        coloured = [n["text"] for n in nodes(card, of_type("TextBlock")) if n.get("color") not in (None, "Attention")]
        assert coloured == [], name
        for container in nodes(card, of_type("Container")):
            if container.get("style"):
                assert all("color" not in block for block in container["items"]), name


def test_hostile_text_is_escaped_on_form_and_status_cards():
    assert_escaped(form_and_status_cards())


def lifecycle_cards() -> list[tuple[str, dict]]:
    """The cards workshops/lifecycle.py shapes: each state's agenda, the questions it asks, the
    series with a removal, status with risks by workshop, and the refreshing actions list."""
    from datetime import datetime, timedelta, timezone

    from cards import agenda_cards, outcome_cards, plan_cards
    from workshops import agenda
    from workshops import plan as plans
    from workshops.recommend import profile_from_answers, recommend

    catalog = default_catalog()
    workshop = catalog.get("data-migration")
    hostile = "<script>alert(1)</script> **bold** [link](https://evil.example)"
    now = datetime(2026, 12, 2, 10, 0, tzinfo=timezone.utc)
    project = {"projectId": "p", "name": hostile, "goLive": "2027-09-01", "timeZone": "Europe/London"}
    roster = {"members": {"a": {"name": hostile, "roles": ["solution-architect"], "userId": "29:a"}}}
    draft = agenda.new_session("p", workshop, 3)
    scheduled = {**draft, "status": agenda.APPROVED, "start": (now - timedelta(minutes=5)).isoformat()}
    states = {"running": scheduled, "held": {**scheduled, "status": agenda.HELD},
              "closed": {**scheduled, "status": agenda.CLOSED}}
    cards = [(f"agenda-{name}", agenda_cards.agenda_card(project, session, workshop, catalog, roster, now=now,
                                                         viewer="a", message=hostile, style="Attention"))
             for name, session in states.items()]
    cards.append(("agenda-schedule-anyway", agenda_cards.agenda_card(
        project, draft, workshop, catalog, roster, now=now, message=hostile, style="Warning",
        schedule_anyway={"day": "2026-12-05", "time": "23:00", "version": 1})))
    cards.append(("outcomes-early", outcome_cards.outcome_form_card(
        project, draft, workshop, roster, None, values={"summary": hostile}, question=hostile)))
    cards.append(("attendance-closed", outcome_cards.attendance_card(
        project, states["closed"], workshop, catalog, roster, editable=False, can_import=False, can_check_in=False)))
    answers = {"products": "finance", "migration_volume": "high", "gap_count": "3", "go_live": "2027-09-01"}
    profile = profile_from_answers(answers, project={**project, "products": ["finance"]}, today=now.date())
    plan = plans.new_plan("p", recommend(profile, catalog, today=now.date()),
                          answers, {"aadObjectId": "a", "name": hostile}, now)
    removed = plans.change(plan, "data-migration", False, hostile, {"aadObjectId": "a", "name": hostile}, now)
    cards.append(("plan-removed", plan_cards.plan_card(project, removed, catalog)))
    status = {"engagement_closed": False, "ready": False, "blocking": [{}], "series": [], "overdue": 0,
              "open_by_priority": {"high": 1, "medium": 0, "low": 2},
              "risks_by_workshop": [{"workshopId": "data-migration", "title": workshop.title, "inSeries": False,
                                     "counts": {"high": 1, "medium": 0, "low": 2}}]}
    cards.append(("status-risks", outcome_cards.status_card(project, status, catalog)))
    item = {"id": "x", "title": hostile, "owner": "a", "due": "2026-12-01", "overdue": True,
            "workshopId": "data-migration"}
    for scope in ("mine", "all"):
        cards.append((f"actions-{scope}", outcome_cards.actions_card(
            project, [item], catalog, roster, scope=scope, viewer="", can_complete_any=False, message=hostile,
            refresh_user_ids=["29:a"] * 70, owner_name=hostile)))
    return cards


def test_lifecycle_cards_parse_without_warnings_and_escape_user_text():
    cards = lifecycle_cards()
    results = parse_cards(cards)
    assert {name: events for name, events in results.items() if events} == {}
    for name, card in cards:
        for text in rendered_markdown(card):
            assert "<script>" not in text and "**bold**" not in text and "[link](" not in text, name
    actions = dict(cards)["actions-all"]
    assert actions["refresh"]["action"]["verb"] == "actions.refresh" and len(actions["refresh"]["userIds"]) == 60
