"""Stale cards through the real app: a save from an old card changes only what its user changed on
it, and never undoes what others did since; a one-way action pressed twice says who did it first;
nobody grants themselves solution architect; every role change is in the audit trail."""

import asyncio
from urllib.parse import urlsplit

from tests.plugins.botapp import Harness, aad, card_of, card_text, nodes, of_type, teams_member
from tests.test_followup import record_outcomes, running, scheduled_soon
from tests.test_planning import ADA, ALAN, GRACE, KATHERINE, give_roles, press, roster_card, set_up
from workshops.people import edit_roster

def as_teams_sends(card: dict, **changes: str) -> dict:
    """The inputs Teams sends with a button on `card`: every input that has a value, after the user's
    `changes`; an input left empty is not sent at all (the Adaptive Cards renderer drops it)."""
    values = {i["id"]: str(i.get("value", "")) for i in nodes(card, of_type("Input."))}
    return {k: v for k, v in {**values, **changes}.items() if v != ""}


async def save_roster(bot: Harness, card: dict, who: dict, **changes: str) -> dict:
    status, body = await press(bot, card, "roster.save", who, **as_teams_sends(card, **changes))
    assert status == 200
    return body


async def roster_shown(bot: Harness) -> str:
    return card_text(await roster_card(bot, KATHERINE))  # the read-only view: "Name**: roles (organisation)"


# Roster -------------------------------------------------------------------------------------------

async def test_an_old_roster_card_keeps_roles_granted_since(app_client, connector, store_settings):
    """Admin A opens roster card 1; admin B, on another instance, grants X a role on card 2 (and a
    newcomer one); A saves card 1 changing only Y's role: X keeps B's role and Y gets A's."""
    connector.clear()
    first = Harness(await app_client(store_settings), connector, "channel")
    second = Harness(await app_client(store_settings), connector, "channel", place=first.place)
    await set_up(first, ADA)
    await save_roster(first, await roster_card(first, ADA), ADA, **{f"roles:{aad(2)}": "project-manager"})

    card_1 = await roster_card(first, ADA)
    connector.members.append(teams_member(6, "Barbara Liskov"))  # joins after card 1 was shown
    card_2 = await roster_card(second, GRACE)
    await save_roster(second, card_2, GRACE, **{f"roles:{aad(3)}": "functional-lead", f"roles:{aad(6)}": "test-lead"})
    body = await save_roster(first, card_1, ADA, **{f"roles:{aad(4)}": "technical-lead"})

    shown = await roster_shown(second)
    assert "Alan Turing**: Functional lead" in shown, "B's grant stays"
    assert "Katherine Johnson**: Technical lead" in shown, "A's change is applied"
    assert "Grace Hopper**: Project manager" in shown
    assert "Barbara Liskov**: Test lead" in shown, "a member card 1 did not show is untouched"
    answer = card_text(body["value"])
    assert "Roles saved." in answer and "The roster had changed since this card was shown" in answer


async def test_when_both_change_one_member_each_keeps_their_own_change(personal_bot: Harness):
    bot = personal_bot
    await set_up(bot, ADA)
    await save_roster(bot, await roster_card(bot, ADA), ADA, **{f"roles:{aad(2)}": "project-manager"})
    card_1, card_2 = await roster_card(bot, ADA), await roster_card(bot, GRACE)
    await save_roster(bot, card_2, GRACE, **{f"roles:{aad(3)}": "technical-lead", f"org:{aad(3)}": "partner"})
    body = await save_roster(bot, card_1, ADA, **{f"roles:{aad(3)}": "test-lead", f"org:{aad(3)}": "customer"})
    assert "Alan Turing**: Technical lead, Test lead (Customer)" in await roster_shown(bot), (
        "roles merge one by one; the newer save wins the organisation")
    answer = card_text(body["value"])
    assert "You and someone else both changed the organisation of Alan Turing: yours was saved." in answer


# Attendance ---------------------------------------------------------------------------------------

async def test_an_old_attendance_card_keeps_a_check_in_made_since(personal_bot: Harness):
    bot = personal_bot
    await scheduled_soon(bot)
    await save_roster(bot, await roster_card(bot, ADA), ADA, **{f"roles:{aad(4)}": "technical-lead"})
    card = card_of((await bot.say("attendance data migration", **{"from": ALAN}))[0])
    assert "Grace Hopper (invited)" in card_text(card) and "Katherine Johnson (invited)" in card_text(card)

    assert (await bot.say("checkin", **{"from": GRACE}))[0]["text"].startswith("Checked in")
    _, body = await press(bot, card, "attendance.save", ALAN, **as_teams_sends(card, **{
        f"status:{aad(4)}": "present"}))

    inputs = {i["id"]: i["value"] for i in nodes(body["value"], of_type("Input.ChoiceSet"))}
    assert inputs[f"status:{aad(2)}"] in ("present", "late"), "Grace's check-in is kept"
    assert inputs[f"status:{aad(4)}"] == "present"
    answer = card_text(body["value"])
    assert "Mandatory roles present: Solution architect, Technical lead" in answer
    assert "Attendance saved." in answer and "Some marks had changed since this card was opened" in answer


async def test_an_attendance_card_that_does_not_say_what_it_showed_changes_nothing(personal_bot: Harness):
    bot = personal_bot
    await scheduled_soon(bot)
    await bot.say("checkin", **{"from": GRACE})
    value = {"action": {"type": "Action.Execute", "verb": "attendance.save",
                        "data": {"workshopId": "data-migration", f"status:{aad(2)}": "unknown"}}}
    response = await bot.post(bot.activity("invoke", name="adaptiveCard/action", value=value, **{"from": ALAN}))
    answer = card_text((await response.json())["value"])
    assert "This card is out of date, so nothing changed." in answer
    assert "Mandatory roles present: Solution architect" in answer, "Grace is still checked in"


# One-way actions pressed again ---------------------------------------------------------------------

async def test_closing_a_closed_workshop_says_who_closed_it(personal_bot: Harness):
    bot = personal_bot
    await running(bot)
    summary = (await record_outcomes(bot))["value"]
    _, closed = await press(bot, summary, "session.close", ALAN)
    assert "Workshop closed." in card_text(closed["value"])
    _, again = await press(bot, summary, "session.close", ADA)
    shown = card_text(again["value"])
    assert "This workshop was already closed by Alan Turing on" in shown
    assert "Closed" in shown and "session.close" not in str(again["value"])


async def test_an_action_done_twice_says_who_did_it_and_is_audited_once(personal_bot: Harness):
    bot = personal_bot
    await running(bot)
    await record_outcomes(bot)
    mine = card_of((await bot.say("actions", **{"from": ALAN}))[0])
    every = card_of((await bot.say("actions all", **{"from": ADA}))[0])
    results = await asyncio.gather(press(bot, mine, "action.done", ALAN), press(bot, every, "action.done", ADA))
    answers = sorted(card_text(body["value"]) for _, body in results)
    assert sum("Done: Measure throughput" in a for a in answers) == 1, answers
    already = next(a for a in answers if "Already done" in a)
    assert "Already done: Measure throughput, marked done by " in already
    _, later = await press(bot, every, "action.done", ADA)
    assert "Already done: Measure throughput, marked done by " in card_text(later["value"])
    markdown = await export_markdown(bot)
    assert markdown.count("changed action “Measure throughput”") == 1


# Solution architect and the audit trail --------------------------------------------------------------

async def test_nobody_grants_themselves_solution_architect(personal_bot: Harness):
    bot = personal_bot
    await set_up(bot, ADA)
    body = await save_roster(bot, await roster_card(bot, ADA), ADA, **{
        f"roles:{aad(1)}": "solution-architect", f"roles:{aad(2)}": "project-manager"})
    shown = await roster_shown(bot)
    assert "Ada Lovelace**: No role" in shown and "Grace Hopper**: Project manager" in shown, "the rest is applied"
    answer = card_text(body["value"])
    assert "Roles saved. You cannot make yourself solution architect" in answer
    assert "another project admin must grant it" in answer

    # Grace, a project manager, cannot make herself solution architect either; Ada, another admin, can.
    body = await save_roster(bot, await roster_card(bot, GRACE), GRACE, **{
        f"roles:{aad(2)}": "project-manager,solution-architect"})
    assert "Nothing changed. You cannot make yourself solution architect" in card_text(body["value"])
    await save_roster(bot, await roster_card(bot, ADA), ADA, **{
        f"roles:{aad(2)}": "solution-architect,project-manager"})
    await save_roster(bot, await roster_card(bot, GRACE), GRACE, **{f"roles:{aad(1)}": "solution-architect"})
    shown = await roster_shown(bot)
    assert "Grace Hopper**: Solution architect, Project manager" in shown
    assert "Ada Lovelace**: Solution architect" in shown


def test_self_grant_rule_and_what_the_card_showed():
    roster = {"version": 3, "members": {"me": {"name": "Me", "roles": ["solution-architect"], "organisation": ""},
                                        "you": {"name": "You", "roles": [], "organisation": ""}}}
    shown = {"roles:me": "solution-architect", "org:me": "", "roles:you": "", "org:you": ""}
    dropped = edit_roster(roster, {"version": 3, "shown": shown, "roles:you": "solution-architect"}, "me")
    assert dropped.roster["members"]["me"]["roles"] == [], "removing your own role is fine"
    assert dropped.roster["members"]["you"]["roles"] == ["solution-architect"] and dropped.roster["version"] == 4
    assert not dropped.refused and not dropped.stale
    unchanged = edit_roster(roster, {"version": 3, "shown": shown, "roles:me": "solution-architect"}, "me")
    assert not unchanged.changed and unchanged.roster["version"] == 3
    forged = edit_roster(roster, {"version": 3, "shown": {"roles:you": "solution-architect"}}, "you")
    assert forged.roster["members"]["you"]["roles"] == [], "a doctored card removes nothing the user did not see"


async def export_markdown(bot: Harness) -> str:
    card = card_of((await bot.say("export"))[0])
    url = next(a["url"] for a in nodes(card, of_type("Action.OpenUrl")) if a["title"] == "Outcomes (Markdown)")
    parts = urlsplit(url)
    return await (await bot.client.get(f"{parts.path}?{parts.query}")).text()


async def test_role_changes_are_in_the_audit_trail_of_the_export(personal_bot: Harness):
    bot = personal_bot
    await set_up(bot, ADA)
    await give_roles(bot)
    await save_roster(bot, await roster_card(bot, ADA), ADA, **{f"roles:{aad(3)}": "functional-lead,test-lead"})
    await save_roster(bot, await roster_card(bot, ADA), ADA)  # nothing changed: no record
    trail = (await export_markdown(bot)).split("## Audit trail", 1)[1]
    lines = [line for line in trail.splitlines() if line.startswith("- ")]
    assert len(lines) == 2, lines
    assert lines[0].endswith(
        f"Ada Lovelace, roster: Grace Hopper ({aad(2)}): roles no role → Solution architect and organisation "
        f"not set → Partner; Alan Turing ({aad(3)}): roles no role → Functional lead and organisation not set "
        "→ Customer")
    assert lines[1].endswith(f"Ada Lovelace, roster: Alan Turing ({aad(3)}): roles Functional lead → "
                             "Functional lead, Test lead")
    assert " UTC, " in lines[0]
