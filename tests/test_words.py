"""The words a team reads, through the real adapter: counts in singular and plural, what comes next
after set-up, what the roster's role check means before there is a series, times in the team's time
zone, the session's length, every command's argument in help, the same typo suggestions for every
command that takes a workshop, "this chat" or "this team", and status shown in readable styles."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from cards.commands import COMMANDS
from cards.common import duration_words, plural
from dialogs.digest import digest_text
from tests.plugins.botapp import Harness, aad, card_of, card_text, nodes, of_type
from tests.test_agenda import ready
from tests.test_escaping import live_markdown
from tests.test_followup import record_outcomes, scheduled_soon
from tests.test_forms import shown_card
from tests.test_planning import ADA, ANSWERS, GRACE, SETUP, give_roles, press, set_up


@pytest.fixture
async def personal(personal_bot):
    return personal_bot


def test_counts_are_singular_or_plural():
    assert plural(1, "risk") == "1 risk" and plural(2, "risk") == "2 risks" and plural(0, "risk") == "0 risks"
    assert plural(3, "risk or issue", "risks or issues") == "3 risks or issues"
    assert [duration_words(m) for m in (180, 60, 90, 45, 0)] == [
        "3 hours", "1 hour", "1 hour 30 minutes", "45 minutes", "0 minutes"]
    one = digest_text("Contoso", [{"title": "Measure", "owner": "a", "due": "2026-01-01"}], {})
    two = digest_text("Contoso", [{"title": "Measure", "owner": "a", "due": "2026-01-01"}] * 2, {})
    assert one.startswith("**1 overdue action item** in") and two.startswith("**2 overdue action items** in")


async def test_status_counts_open_risks_in_words(personal: Harness):
    bot = personal
    await ready(bot)
    await record_outcomes(bot, confirmed=True)  # one high-priority risk, before the workshop: confirmed
    shown = card_text(card_of((await bot.say("status"))[0]))
    assert "**Not ready for go-live**: 1 high-priority risk or issue open." in shown
    assert "(s)" not in shown


async def test_project_updated_says_what_is_actually_next(personal: Harness):
    bot = personal

    async def saved_again() -> tuple[str, list]:
        await bot.say("setup")
        card = card_of((await bot.send_value({**SETUP, "editing": True}))[-1])
        return card_text(card), [a["data"]["command"] for a in card["actions"]]

    await bot.say("setup")
    first = card_text(card_of((await bot.send_value(SETUP))[-1]))
    assert "Next: give people their roles with **roster**, then answer the Blueprint Review questions" in first

    await give_roles(bot)
    shown, buttons = await saved_again()
    assert "Next: answer the Blueprint Review questions with **plan**" in shown and "roster" not in shown
    assert buttons == ["plan"]

    await bot.say("plan")
    await bot.send_value(ANSWERS)
    shown, buttons = await saved_again()
    assert "Project updated" in shown and "Next: give people their roles" not in shown
    assert "Roles are given and the series is planned" in shown and "**status**" in shown
    assert buttons == ["status", "plan"]


async def test_a_plan_before_roles_asks_only_for_the_roster(personal: Harness):
    bot = personal
    await set_up(bot)
    await bot.say("plan")
    await bot.send_value(ANSWERS)
    await bot.say("setup")
    card = card_of((await bot.send_value({**SETUP, "editing": True}))[-1])
    assert "Next: give people their roles with **roster**, so each workshop" in card_text(card)
    assert "Blueprint Review" not in card_text(card)


async def test_the_roster_says_what_its_role_check_means_before_there_is_a_series(personal: Harness):
    bot = personal
    await set_up(bot)
    shown = card_text(card_of((await bot.say("roster"))[-1]))
    assert "No series is planned yet, so these are the mandatory roles of all 12 workshops." in shown
    assert "Mandatory roles nobody holds yet" in shown
    await give_roles(bot)
    await bot.say("plan")
    await bot.send_value(ANSWERS)
    shown = card_text(card_of((await bot.say("roster"))[-1]))
    assert "No series is planned yet" not in shown


async def test_check_in_answers_in_the_teams_time_zone(personal: Harness):
    bot = personal
    await scheduled_soon(bot)
    before = datetime.now(ZoneInfo("Europe/London"))
    reply = (await bot.say("checkin data migration", **{"from": GRACE}))[0]["text"]
    after = datetime.now(ZoneInfo("Europe/London"))
    assert reply.endswith("(Europe/London).") and "UTC" not in reply
    assert any(f"since {t:%H:%M} " in reply for t in (before, after))


async def test_the_schedule_form_gives_the_session_length_in_words(personal: Harness):
    card = await ready(personal)
    shown = card_text(shown_card(card, "Schedule"))
    assert "The agenda takes 175 minutes of the session's 3 hours." in shown
    assert " h 00 min" not in shown


async def test_help_shows_every_commands_argument(personal: Harness):
    card = card_of((await personal.say("help"))[0])
    titles = [fact["title"] for node in nodes(card, of_type("FactSet")) for fact in node["facts"]]
    assert [unescaped_markdown(t) for t in titles] == [c.usage for c in COMMANDS]
    assert "workshop <name>" in [unescaped_markdown(t) for t in titles]
    for title in titles:
        assert live_markdown(title) == [], f"{title!r} would lose its argument in Teams"


def unescaped_markdown(text: str) -> str:
    """What a Markdown renderer shows for `text`: each backslash-escaped character as itself."""
    return re.sub(r"\\(.)", r"\1", text)


@pytest.mark.parametrize("command", ["agenda", "attendance", "outcomes", "checkin", "pin"])
async def test_every_command_that_takes_a_workshop_suggests_the_closest(personal: Harness, command):
    bot = personal
    await set_up(bot)
    reply = (await bot.say(f"{command} data modle"))[0]["text"]
    assert "I don't know a workshop called “data modle”." in reply
    assert f"Did you mean **{command} data-model**?" in reply


async def test_workshop_suggests_the_closest_too(personal: Harness):
    card = card_of((await personal.say("workshop secrity"))[0])
    assert "Did you mean one of these?" in card_text(card)
    assert {"command": "workshop security-model"} in [a.get("data") for a in card["actions"]]


async def test_a_chat_without_a_project_is_called_a_chat(bot: Harness):
    shown = card_text(card_of((await bot.say("roster"))[0]))
    where = "team" if bot.scope == "channel" else "chat"
    assert f"**roster** needs a project, and this {where} has none yet." in shown


def container_of(card: dict, words: str) -> dict:
    """The styled container whose text includes `words`."""
    return next(node for node in nodes(card, of_type("Container"))
                if node.get("style") and any(words in block.get("text", "") for block in node["items"]))


async def test_status_and_messages_are_shown_in_readable_styles(personal: Harness):
    bot = personal
    await set_up(bot)
    card = card_of((await bot.say("roster"))[-1])
    _, body = await press(bot, card, "roster.save", ADA, **{f"roles:{aad(2)}": "solution-architect"})
    assert container_of(body["value"], "Roles saved.")["style"] == "good"
    await bot.say("plan")
    plan = card_of((await bot.send_value(ANSWERS))[-1])
    assert container_of(plan, "Awaiting approval by a solution architect")["style"] == "warning"
    for shown in (body["value"], plan):
        coloured = [n for n in nodes(shown, of_type("TextBlock")) if n.get("color") in ("Good", "Warning", "Accent")]
        assert coloured == [], "no pale coloured text on white"
