"""Chatting with the bot through the real adapter, in a channel (with @mention), a group chat and a personal chat."""

import pytest

from catalog import default_catalog
from tests.plugins.botapp import BOT_ID, Harness, card_of, card_text, nodes, of_type, user


def buttons(card: dict) -> list[dict]:
    return nodes(card, of_type("Action."))


def commands_sent_by(card: dict) -> list[str]:
    return [b["data"]["command"] for b in buttons(card) if b.get("type") == "Action.Submit"]


async def test_help_lists_the_commands_with_buttons(bot: Harness):
    replies = await bot.say("help")
    assert len(replies) == 1
    card = card_of(replies[0])
    shown = card_text(card)
    for usage in ("help", "workshops", "workshop \\<name\\>"):  # escaped: Teams would drop <name> as a tag
        assert usage in shown
    assert "workshops" in commands_sent_by(card)


async def test_reply_goes_back_to_the_same_conversation(bot: Harness):
    replies = await bot.say("help")
    assert replies[0]["_conversation"] == bot.place["conversation"]["id"]


async def test_workshops_lists_all_twelve_with_a_details_button_each(bot: Harness):
    card = card_of((await bot.say("workshops"))[0])
    shown = card_text(card)
    catalog = default_catalog()
    assert len(catalog.workshops) == 12
    for workshop in catalog.workshops:
        assert workshop.title in shown
        assert f"workshop {workshop.id}" in commands_sent_by(card)


async def test_workshop_cutover_shows_purpose_agenda_attendees_and_learn_more(bot: Harness):
    card = card_of((await bot.say("workshop cutover"))[0])
    shown = card_text(card)
    assert "Cutover strategy" in shown
    for topic in ("Cutover vision and strategy", "Cutover project plan", "Go-live cutover plan", "Post go-live plan"):
        assert topic in shown
    for role in ("Cutover lead", "Solution architect", "Data migration lead", "Project manager"):
        assert role.lower() in shown.lower()
    links = [b["url"] for b in buttons(card) if b["type"] == "Action.OpenUrl"]
    assert links == ["https://learn.microsoft.com/dynamics365/guidance/implementation-guide/prepare-go-live-cutover-strategy"]


@pytest.mark.parametrize("name, title", [
    ("alm", "Application lifecycle management strategy"),
    ("BI", "Business intelligence and analytics design"),
    ("perf", "Solution performance"),
    ("data model", "Data model design"),
    ("post go live", "Post go-live"),
])
async def test_workshop_names_match_loosely(personal_bot: Harness, name, title):
    card = card_of((await personal_bot.say(f"workshop {name}"))[0])
    assert card["body"][0]["text"] == title


async def test_workshop_without_a_learn_more_link_has_no_broken_button(personal_bot: Harness):
    card = card_of((await personal_bot.say("workshop integration"))[0])
    assert not [b for b in buttons(card) if b["type"] == "Action.OpenUrl"]


async def test_unknown_workshop_says_so_and_offers_closest_matches(bot: Harness):
    card = card_of((await bot.say("workshop cutovr"))[0])
    assert "I don't know a workshop called" in card_text(card)
    assert "workshop cutover" in commands_sent_by(card)


async def test_workshop_without_a_name_asks_which(personal_bot: Harness):
    card = card_of((await personal_bot.say("workshop"))[0])
    assert "Which workshop?" in card_text(card)


async def test_user_text_in_a_no_match_card_is_shown_as_text(personal_bot: Harness):
    card = card_of((await personal_bot.say("workshop [click](https://evil.example) **x**"))[0])
    shown = card_text(card)
    assert "[click](https://" not in shown
    assert r"\[click\](https://evil.example)" in shown


@pytest.mark.parametrize("text, hint", [("hepl", "help"), ("worksops", "workshops"), ("good morning", None)])
async def test_other_text_gets_a_short_hint(bot: Harness, text, hint):
    replies = await bot.say(text)
    assert len(replies) == 1
    reply = replies[0]["text"]
    assert "help" in reply
    if hint:
        assert f"Did you mean **{hint}**?" in reply
    else:
        assert "Did you mean" not in reply


async def test_bot_added_to_a_conversation_posts_one_welcome_card(bot: Harness, connector):
    before = len(connector.sent)
    update = bot.activity("conversationUpdate", membersAdded=[{"id": BOT_ID}])
    assert (await bot.post(update)).status == 201
    sent = connector.sent[before:]
    assert len(sent) == 1
    assert "Hello from Implementation Workshops" in card_text(card_of(sent[0]))


async def test_a_person_joining_does_not_trigger_the_welcome(bot: Harness, connector):
    before = len(connector.sent)
    update = bot.activity("conversationUpdate", membersAdded=[user(7, "New Person")])
    assert (await bot.post(update)).status == 201
    assert connector.sent[before:] == []


async def test_a_turn_error_gives_one_friendly_message_and_no_stack_trace(app_client, connector, monkeypatch, caplog):
    from dialogs.browse import Browse

    async def explode(self, turn_context, argument):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Browse, "send_help", explode)
    harness = Harness(await app_client(), connector, "personal")
    replies = await harness.say("help")
    assert len(replies) == 1
    text = replies[0]["text"]
    assert text.startswith("Sorry, something went wrong")
    assert "secret" not in text and "Traceback" not in text
    ref = text.rsplit("ref ", 1)[1].rstrip(")")
    assert any(ref in record.getMessage() for record in caplog.records), "the log carries the same reference"


async def test_a_card_button_runs_its_command(bot: Harness):
    card = card_of((await bot.say("workshops"))[0])
    details = next(b for b in buttons(card) if b.get("data", {}).get("command") == "workshop cutover")
    replies = await bot.send_value(details["data"])
    assert card_of(replies[0])["body"][0]["text"] == "Cutover strategy"


@pytest.mark.parametrize("value", [{}, {"command": ""}, {"command": 7}, {"other": "x"}, ["x"], "text"])
async def test_a_button_without_a_command_gets_a_clear_answer(personal_bot: Harness, value):
    replies = await personal_bot.send_value(value)
    assert replies[0]["text"] == "I can't act on that button. Type **help** to see what I can do."
