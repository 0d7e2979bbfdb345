"""A person's own views in a personal chat, across projects, through the real adapter: `my workshops`
and `my actions` show exactly their items in every project they are in, and nothing of the others;
each scope's commands are the ones that work there."""

import pytest

from manifest.build import build_manifest
from tests.plugins.botapp import Harness, aad, card_of, card_text, teams_member, user
from tests.test_followup import record_outcomes
from tests.test_planning import ADA, ANSWERS, GRACE, SETUP, press, roster_card

NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra", "Hedy Lamarr",
         "Barbara Liskov")
HEDY, BARBARA = user(6, NAMES[5]), user(7, NAMES[6])


async def make_project(bot: Harness, name: str, members: tuple, architect: int, lead: int) -> None:
    """Ada sets up `name` in the channel; its team is `members`; `architect` is the solution architect
    and `lead` a functional lead; the series is chosen and the data migration agenda opened."""
    bot.connector.members = [teams_member(n, NAMES[n - 1]) for n in members]
    await bot.say("setup", **{"from": ADA})
    await bot.send_value(dict(SETUP, name=name), **{"from": ADA})
    status, _ = await press(bot, await roster_card(bot), "roster.save", ADA, **{
        f"roles:{aad(architect)}": "solution-architect", f"org:{aad(architect)}": "partner",
        f"roles:{aad(lead)}": "functional-lead", f"org:{aad(lead)}": "customer"})
    assert status == 200
    await bot.say("plan", **{"from": ADA})
    await bot.send_value(ANSWERS, **{"from": ADA})
    await bot.say("agenda data migration", **{"from": ADA})


@pytest.fixture
async def projects(app_client, connector, store_settings):
    """On either store: Grace is the solution architect of Contoso ERP and Northwind Finance;
    Tailspin Retail's team is Ada, Hedy and Barbara, without Grace."""
    connector.clear()
    client = await app_client(store_settings)
    teams = {}
    for name, members, architect, lead in (("Contoso ERP", (1, 2, 3, 4, 5), 2, 3),
                                           ("Northwind Finance", (1, 2, 3), 2, 3),
                                           ("Tailspin Retail", (1, 6, 7), 6, 7)):
        teams[name] = Harness(client, connector, "channel")
        await make_project(teams[name], name, members, architect, lead)
    return Harness(client, connector, "personal"), teams


async def my(personal: Harness, what: str, who=GRACE) -> str:
    return card_text(card_of((await personal.say(f"my {what}", **{"from": who}))[0]))


async def test_my_workshops_lists_the_series_of_each_project_i_am_in_and_no_other(projects):
    personal, _ = projects
    shown = await my(personal, "workshops")
    assert "Across 2 projects you are in." in shown
    assert "Contoso ERP" in shown and "Northwind Finance" in shown
    assert "Tailspin" not in shown
    assert shown.count("Data migration strategy") == 2
    assert "mandatory for your role" in shown and "Draft" in shown
    # Hedy is only in Tailspin: she sees it alone.
    hedy = await my(personal, "workshops", who=HEDY)
    assert "Tailspin Retail" in hedy and "Contoso" not in hedy and "Northwind" not in hedy


async def test_my_actions_are_exactly_the_open_actions_i_own_across_projects(projects):
    personal, teams = projects
    contoso, northwind, tailspin = teams["Contoso ERP"], teams["Northwind Finance"], teams["Tailspin Retail"]
    alan = user(3)
    await record_outcomes(contoso, who=alan, confirmed=True, **{
        "action:new1:title": "Grace measures throughput", "action:new1:owner": aad(2),
        "action:new2:title": "Alan writes the runbook", "action:new2:owner": aad(3),
        "action:new2:due": "2099-01-01"})
    await record_outcomes(northwind, who=alan, confirmed=True, **{
        "action:new1:title": "Grace reviews the mapping", "action:new1:owner": aad(2)})
    await record_outcomes(tailspin, who=BARBARA, confirmed=True, **{
        "action:new1:title": "Barbara signs off", "action:new1:owner": aad(7)})
    shown = await my(personal, "actions")
    assert "Grace measures throughput" in shown and "Grace reviews the mapping" in shown
    assert "Alan writes the runbook" not in shown and "Barbara signs off" not in shown
    assert "Contoso ERP" in shown and "Northwind Finance" in shown and "Tailspin" not in shown
    alan_sees = await my(personal, "actions", who=alan)
    assert "Alan writes the runbook" in alan_sees and "Grace" not in alan_sees


async def test_someone_who_leaves_a_team_no_longer_sees_its_project(projects):
    personal, teams = projects
    northwind = teams["Northwind Finance"]
    northwind.connector.members = [teams_member(n, NAMES[n - 1]) for n in (1, 3)]
    await northwind.say("roster", **{"from": ADA})
    shown = await my(personal, "workshops")
    assert "Contoso ERP" in shown and "Northwind" not in shown


async def test_someone_in_no_project_is_told_how_to_get_there(personal_bot: Harness):
    for what in ("workshops", "actions"):
        assert "You are not in any project yet" in await my(personal_bot, what, who=user(9, "Nobody"))


async def test_my_needs_to_say_what_and_stays_in_the_personal_chat(bot: Harness):
    if bot.scope == "personal":
        assert (await bot.say("my stuff"))[0]["text"] == "Type **my workshops** or **my actions**."
        assert (await bot.say("my"))[0]["text"] == "Type **my workshops** or **my actions**."
    else:
        reply = (await bot.say("my workshops"))[0]["text"]
        assert reply.startswith("**my** works in a personal chat with me, not here.")


def test_each_scopes_command_list_offers_only_what_works_there():
    manifest = build_manifest("2f1c1a3e-5b6d-4c7e-8f90-a1b2c3d4e5f6", "https://workshops.example.com")
    lists = {lst["scopes"][0]: [c["title"] for c in lst["commands"]] for lst in manifest["bots"][0]["commandLists"]}
    assert lists["personal"] == ["help", "workshops", "workshop", "my workshops", "my actions"]
    assert "setup" not in lists["personal"] and "pin" not in lists["personal"]
    for scope in ("team", "groupChat"):
        assert "setup" in lists[scope] and not any(title.startswith("my ") for title in lists[scope])


async def test_commands_picked_from_the_personal_menu_work_there(personal_bot: Harness):
    for title in ("help", "workshops", "workshop cutover", "my workshops", "my actions"):
        replies = await personal_bot.say(title)
        assert replies and replies[0].get("attachments"), title
