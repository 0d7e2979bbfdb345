"""Choosing the series through the real adapter: set-up, roster, the Blueprint Review questions,
recommendation, changes and approval by the solution architect."""

import asyncio
from datetime import date, timedelta

import pytest

from tests.plugins.botapp import Harness, aad, card_of, card_text, nodes, of_type, teams_member, user

GO_LIVE = (date.today() + timedelta(days=300)).isoformat()
SETUP = {"form": "setup", "name": "Contoso ERP", "customer": "Contoso", "partner": "Fabrikam",
         "products": "finance,supply-chain", "goLive": GO_LIVE, "phase": "implement", "timeZone": "Europe/London"}
ANSWERS = {"form": "plan", "kind": "greenfield", "business_units": "2", "users": "300", "high_volumes": "true",
           "platforms": "office365", "system:1:name": "Legacy WMS", "system:1:kind": "custom",
           "system:1:timing": "batch", "system:2:name": "Bank", "system:2:kind": "standard",
           "system:3:name": "Carriers", "system:3:kind": "edi", "migration_volume": "high",
           "migration_sources": "AX 2012", "migrated": "master,open", "gap_count": "4", "critical_gaps": "2",
           "reporting": "standard", "legacy_mapping": "false", "branding": "false", "alm_maturity": "basic",
           "alm_owner": "partner"}
ADA, GRACE, ALAN, KATHERINE = (user(n) for n in range(1, 5))


def inputs(card: dict) -> dict:
    return {node["id"]: node for node in nodes(card, of_type("Input."))}


def execute_actions(card: dict) -> dict:
    return {node["verb"]: node for node in nodes(card, of_type("Action.Execute"))}


def execute_invoke(bot: Harness, card: dict, verb: str, who: dict, **inputs_) -> dict:
    """The invoke Teams sends when `who` presses an Action.Execute button on `card`, input values merged in."""
    action = execute_actions(card)[verb]
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": {**action["data"], **inputs_}}}
    return bot.activity("invoke", name="adaptiveCard/action", value=value, replyToId="card-message-1",
                        **{"from": who})


async def press(bot: Harness, card: dict, verb: str, who: dict, **inputs_) -> tuple[int, dict]:
    """Press the button and wait until the card message is updated for everyone too."""
    response = await bot.post(execute_invoke(bot, card, verb, who, **inputs_))
    status, body = response.status, await response.json()
    await bot.card_updates_sent()
    return status, body


async def view(bot: Harness, card: dict, who: dict) -> dict:
    """The card as `who` sees it: what Teams fetches for them with the card's refresh action. A card
    answered to someone else offers only that person's actions (an architect's Approve is not on a lead's)."""
    status, body = await press(bot, card, "agenda.refresh", who)
    assert status == 200
    return body["value"]


async def set_up(bot: Harness, who=ADA) -> dict:
    await bot.say("setup", **{"from": who})
    return card_of((await bot.send_value(SETUP, **{"from": who}))[-1])


async def roster_card(bot: Harness, who=ADA) -> dict:
    return card_of((await bot.say("roster", **{"from": who}))[-1])


async def give_roles(bot: Harness) -> None:
    """Ada (who ran setup) makes Grace the solution architect and Alan a functional lead."""
    card = await roster_card(bot)
    status, body = await press(bot, card, "roster.save", ADA, **{
        f"roles:{aad(2)}": "solution-architect", f"org:{aad(2)}": "partner",
        f"roles:{aad(3)}": "functional-lead", f"org:{aad(3)}": "customer"})
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"


async def planned(bot: Harness, who=ADA) -> dict:
    await bot.say("plan", **{"from": who})
    return card_of((await bot.send_value(ANSWERS, **{"from": who}))[-1])


# Set-up ---------------------------------------------------------------------

async def test_commands_needing_a_project_offer_setup(bot: Harness):
    for command in ("roster", "plan"):
        card = card_of((await bot.say(command))[0])
        assert "needs a project" in card_text(card)
        assert {"command": "setup"} in [a.get("data") for a in card["actions"]]


async def test_setup_form_reports_every_bad_answer_and_keeps_waiting(bot: Harness):
    form = card_of((await bot.say("setup"))[0])
    assert {"name", "customer", "partner", "products", "goLive", "phase", "timeZone"} <= set(inputs(form))
    bad = {**SETUP, "name": "", "goLive": "2020-01-01", "products": ""}
    again = card_of((await bot.send_value(bad))[0])
    shown = card_text(again)
    assert "Set up the project" in shown, "a new project's form keeps its heading"
    assert "Project name is required." in shown
    assert "go-live must be in the future" in shown
    assert "at least one product" in shown
    saved = card_of((await bot.send_value(SETUP))[0])
    assert "Project set up" in card_text(saved)
    assert "Contoso ERP" in card_text(saved)


async def test_the_time_zone_defaults_to_the_users_teams_time_zone(bot: Harness):
    form = card_of((await bot.say("setup", localTimezone="America/New_York"))[0])
    assert inputs(form)["timeZone"]["value"] == "America/New_York"
    form = card_of((await bot.say("setup", localTimezone="Not/AZone"))[0])
    assert inputs(form)["timeZone"]["value"] == "UTC"


async def test_running_setup_again_edits_the_same_project(bot: Harness):
    await set_up(bot)
    form = card_of((await bot.say("setup"))[0])
    assert inputs(form)["name"]["value"] == "Contoso ERP"
    assert "Edit the project" in card_text(form)
    saved = card_of((await bot.send_value({**SETUP, "name": "Contoso ERP wave 2"}))[0])
    assert "Project updated" in card_text(saved)
    assert "Contoso ERP wave 2" in card_text(saved)


async def test_only_admins_may_edit_the_project(bot: Harness):
    await set_up(bot, ADA)
    reply = (await bot.say("setup", **{"from": KATHERINE}))[0]
    assert "Only project admins" in reply["text"]
    # The form Ada opens, submitted by someone else, is checked on the server too: the answer is a
    # message, and Ada's form is left as it is.
    await bot.say("setup", **{"from": ADA})
    reply = (await bot.send_value({**SETUP, "name": "Hijacked"}, **{"from": KATHERINE}))[0]
    assert reply["text"].startswith("Only project admins")


async def test_a_form_with_no_open_dialog_gets_a_clear_answer(bot: Harness):
    reply = (await bot.send_value(SETUP))[0]
    assert reply["text"] == "That form is no longer open. Type **setup** to start again."


# Roster -----------------------------------------------------------------------

async def test_roster_reads_every_member_through_the_paged_api(bot: Harness, connector):
    connector.members = [teams_member(n, f"Person {n:03d}") for n in range(1, 231)]
    await set_up(bot)
    card = await roster_card(bot)
    assert len(connector.member_requests) == 3  # 100 + 100 + 30
    assert connector.member_requests[1][1] == "100"
    shown = card_text(card)
    assert "Person 001" in shown and "Person 230" in shown
    if bot.scope == "channel":
        assert connector.member_requests[0][0] == bot.place["channelData"]["team"]["id"]


async def test_roster_shows_unheld_mandatory_roles_and_saves_roles(bot: Harness):
    await set_up(bot)
    card = await roster_card(bot)
    assert "Mandatory roles nobody holds yet" in card_text(card)
    assert "Solution architect" in card_text(card)
    await give_roles(bot)
    card = await roster_card(bot, KATHERINE)
    shown = card_text(card)
    assert "Grace Hopper**: Solution architect (Partner)" in shown
    assert "Alan Turing**: Functional lead (Customer)" in shown
    assert "roster.save" not in execute_actions(card), "a non-admin sees the roster read-only"


async def test_a_non_admin_cannot_change_roles(bot: Harness):
    await set_up(bot)
    card = await roster_card(bot)
    status, body = await press(bot, card, "roster.save", KATHERINE, **{f"roles:{aad(4)}": "solution-architect"})
    assert status == 200
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert "Only project admins" in body["value"]
    assert "Katherine Johnson**: No role" in card_text(await roster_card(bot, KATHERINE))


# The series ---------------------------------------------------------------------

async def test_questionnaire_reports_bad_answers_then_recommends(bot: Harness):
    await set_up(bot)
    form = card_of((await bot.say("plan"))[0])
    shown = card_text(form)
    go_live = date.fromisoformat(GO_LIVE)
    assert (f"Finance, Supply Chain Management; go-live {go_live.day} {go_live:%b %Y}; phase Implement. "
            "Change these with **setup**.") in shown, "the project's facts, shown and not asked again"
    assert not {"products", "go_live", "goLive", "phase"} & set(inputs(form))
    shown_by_the_button = form["actions"][0]["data"]  # what Teams sends along with the answers
    shown = card_text(card_of((await bot.send_value({**shown_by_the_button, **ANSWERS, "gap_count": "lots",
                                                     "system:2:timing": "hourly"}))[0]))
    assert "Gap requirements must be a whole number" in shown
    assert "Say whether Bank integrates in batch or in real time." in shown
    assert "Change these with **setup**" in shown, "the project's facts come back with the errors"
    plan = card_of((await bot.send_value(ANSWERS))[0])
    shown = card_text(plan)
    assert "Awaiting approval by a solution architect" in shown
    for title in ("Data model design", "Integration design", "Data migration strategy", "Gap solution design",
                  "Test strategy", "Cutover strategy", "Post go-live"):
        assert title in shown
    assert shown.index("Data model design") < shown.index("Test strategy") < shown.index("Cutover strategy")
    assert "Not in the series" in shown and "User experience design" in shown
    assert "a custom batch integration with Legacy WMS" in shown and "EDI with Carriers" in shown


async def test_plan_shows_the_existing_series(bot: Harness):
    await set_up(bot)
    await planned(bot)
    card = card_of((await bot.say("plan"))[0])
    assert "Workshop series" in card_text(card)
    assert "plan.approve" in execute_actions(card)


async def test_only_a_solution_architect_can_approve(bot: Harness, connector):
    await set_up(bot)
    await give_roles(bot)
    card = await planned(bot)
    updates_before = len(connector.updates)
    status, body = await press(bot, card, "plan.approve", ALAN)
    assert body["type"] == "application/vnd.microsoft.activity.message"
    assert body["value"] == "Only a solution architect can approve the series."
    assert len(connector.updates) == updates_before, "the card stays as it was"

    status, body = await press(bot, card, "plan.approve", GRACE)
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    shown = card_text(body["value"])
    assert "Approved by Grace Hopper" in shown
    assert "plan.approve" not in execute_actions(body["value"])
    # The message itself is updated, so everyone in the conversation sees the approved series.
    assert connector.updates[-1]["id"] == "card-message-1"
    assert "Approved by Grace Hopper" in card_text(card_of(connector.updates[-1]))


async def test_a_double_click_approves_once(bot: Harness):
    await set_up(bot)
    await give_roles(bot)
    card = await planned(bot)
    first = await press(bot, card, "plan.approve", GRACE)
    second = await press(bot, card, "plan.approve", GRACE)
    assert "Approved by Grace Hopper" in card_text(first[1]["value"])
    assert "out of date" in card_text(second[1]["value"])
    assert card_text(second[1]["value"]).count("approved the series") == 1


async def test_concurrent_approvals_and_changes_never_lose_an_update(bot: Harness):
    await set_up(bot)
    await give_roles(bot)
    card = await planned(bot)
    results = await asyncio.gather(
        press(bot, card, "plan.approve", GRACE),
        press(bot, card, "plan.approve", GRACE),
        press(bot, card, "plan.change", ALAN, workshopId="user-experience", include="add", reason="Legacy UI"),
    )
    applied = [r for r in results if "out of date" not in card_text(r[1]["value"])]
    assert len(applied) == 1, "exactly one action from the same card version takes effect"
    current = card_text(card_of((await bot.say("plan"))[0]))
    assert current.count("approved the series") + current.count("added User experience design") == 1


async def test_changing_an_approved_series_needs_approval_again(bot: Harness):
    await set_up(bot)
    await give_roles(bot)
    card = await planned(bot)
    _, body = await press(bot, card, "plan.approve", GRACE)
    approved = body["value"]
    _, body = await press(bot, approved, "plan.change", ALAN, workshopId="user-experience", include="add",
                          reason="Users come from a green-screen system")
    shown = card_text(body["value"])
    assert "Awaiting approval by a solution architect" in shown
    assert "Alan Turing added User experience design: Users come from a green-screen system" in shown


async def test_a_change_needs_a_reason_and_a_permitted_person(bot: Harness):
    await set_up(bot)
    await give_roles(bot)
    card = await planned(bot)
    _, body = await press(bot, card, "plan.change", ALAN, workshopId="alm", include="remove", reason=" ")
    assert "a reason is required" in card_text(body["value"])
    _, body = await press(bot, card, "plan.change", KATHERINE, workshopId="alm", include="remove", reason="x")
    assert body["value"].startswith("Only leads")


async def test_questionnaire_is_for_leads_only(bot: Harness):
    await set_up(bot)
    reply = (await bot.say("plan", **{"from": KATHERINE}))[0]
    assert reply["text"].startswith("Only leads")


async def test_the_submit_fallback_of_a_card_button_works_like_the_execute(bot: Harness, connector):
    await set_up(bot)
    await give_roles(bot)
    card = await planned(bot)
    fallback = execute_actions(card)["plan.approve"]["fallback"]
    await bot.send_value(fallback["data"], replyToId="card-message-2", **{"from": GRACE})
    assert connector.updates[-1]["id"] == "card-message-2"
    assert "Approved by Grace Hopper" in card_text(card_of(connector.updates[-1]))


@pytest.mark.parametrize("data", [{"version": "1"}, {}, {"version": None}])
async def test_stale_or_doctored_versions_change_nothing(bot: Harness, data):
    await set_up(bot)
    await give_roles(bot)
    await planned(bot)
    value = {"action": {"type": "Action.Execute", "verb": "plan.approve", "data": data}}
    response = await bot.post(bot.activity("invoke", name="adaptiveCard/action", value=value, **{"from": GRACE}))
    body = await response.json()
    assert "out of date" in card_text(body["value"])
    assert "Awaiting approval" in card_text(body["value"])
