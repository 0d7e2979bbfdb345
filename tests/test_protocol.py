"""The Teams protocol layer holds under hostile activities: a flood of unclosed mentions does not
stop the bot, a redelivered activity has one effect whatever it is, and only Teams gets in."""

import asyncio
import logging
import re
import time

import pytest
from hypothesis import given, strategies as st

from bot.commands import parse, strip_mentions
from store import BOT_STATE, PROJECT_DATA, NotFound, storage_id
from tests.plugins.botapp import BOT_ID, Harness, card_of, card_text
from tests.test_planning import SETUP

HINT = "I didn't catch that."
TEAMS_ONLY = "This bot works in Microsoft Teams only."


# Mentions -------------------------------------------------------------------

OLD_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)  # the pattern it replaced


def old_strip(text: str) -> str:
    return re.sub(r"\s+", " ", OLD_MENTION.sub(" ", text)).strip()


@pytest.mark.parametrize("text, cleaned", [
    ("<at>Bot</at> help", "help"),
    ('<at id="0">Workshops</at> workshop cutover', "workshop cutover"),
    ("<AT>Bot</At>  help", "help"),
    ("<at>Bot</at> <at id=\"1\">Grace Hopper</at> plan   again", "plan again"),
    ("help <at>Bot</at>", "help"),
    ("<at>Work\nshops</at>\nstatus", "status"),
    ("<at><at>Bot</at> help", "help"),
    ("<at>Bot help", "<at>Bot help"),
    ("<at x help", "<at x help"),
    ("</at> help", "</at> help"),
    ("", ""),
    (None, ""),
])
def test_strip_mentions(text, cleaned):
    assert strip_mentions(text) == cleaned


@given(st.lists(st.sampled_from(["<at", "<AT", ">", "</at>", "</At>", "<", "/", "a", "t", " ", "\n", "help",
                                 'id="0"']), max_size=30).map("".join))
def test_strip_mentions_removes_what_the_old_pattern_removed(text):
    assert strip_mentions(text) == old_strip(text)


@pytest.mark.parametrize("flood", ["<at>", "<at x"])
def test_strip_mentions_of_a_flood_of_unclosed_tags_keeps_them_as_text(flood):
    text = flood * 30_000
    assert strip_mentions(text) == text.strip()


def test_the_command_comes_from_the_start_of_a_long_text():
    parsed = parse("<at>Workshops</at> workshop cutover " + "x " * 100_000)
    assert parsed.name == "workshop" and parsed.argument.startswith("cutover x")
    assert len(parsed.text) < 2_000, "a long text is not read whole"


@pytest.mark.parametrize("flood", ["<at>", "<at x"])
async def test_a_flood_of_unclosed_mentions_gets_a_hint_and_the_bot_keeps_answering(bot: Harness, flood):
    text = flood * (128 * 1024 // len(flood))
    started = time.monotonic()
    replies, health = await asyncio.wait_for(asyncio.gather(bot.say(text), bot.client.get("/healthz")), 60)
    assert time.monotonic() - started < 5, "the turn must not hold up the event loop"
    assert health.status == 200
    assert len(replies) == 1 and replies[0]["text"].startswith(HINT)


# One effect per activity ------------------------------------------------------

async def post_twice(bot: Harness, activity: dict, together: bool = False) -> list[dict]:
    before = len(bot.connector.sent)
    if together:
        responses = await asyncio.gather(bot.post(activity), bot.post(activity))
    else:
        responses = [await bot.post(activity), await bot.post(activity)]
    statuses = sorted(response.status for response in responses)
    if together:
        # The second may find the first still running: it is told to come again later (503), and Teams does.
        assert statuses in ([201, 201], [201, 503]), statuses
        assert (await bot.post(activity)).status == 201
    else:
        assert statuses == [201, 201]
    return bot.connector.sent[before:]


@pytest.mark.parametrize("text, shows", [
    ("help", "workshop \\<name\\>"),
    ("workshops", "Cutover strategy"),
    ("workshop cutover", "Cutover vision and strategy"),
])
async def test_a_repeated_read_only_command_posts_one_card(bot: Harness, text, shows):
    sent = await post_twice(bot, bot.message(text))
    assert len(sent) == 1 and shows in card_text(card_of(sent[0]))


async def test_a_repeated_unknown_word_gets_one_hint(bot: Harness):
    sent = await post_twice(bot, bot.message("helpp"))
    assert [reply["text"] for reply in sent] == [
        "I didn't catch that. Did you mean **help**? Type **help** to see everything I can do."]


async def test_a_repeated_button_press_posts_one_card(bot: Harness):
    sent = await post_twice(bot, bot.activity("message", value={"command": "workshop cutover"}))
    assert len(sent) == 1 and "Cutover strategy" in card_text(card_of(sent[0]))


async def test_a_repeated_unknown_button_is_answered_once(bot: Harness):
    sent = await post_twice(bot, bot.activity("message", value={"nothing": "here"}))
    assert [reply["text"] for reply in sent] == ["I can't act on that button. Type **help** to see what I can do."]


async def test_two_deliveries_at_once_post_one_card_on_either_store(app_client, connector, store_settings):
    connector.clear()
    bot = Harness(await app_client(store_settings), connector, "channel")
    sent = await post_twice(bot, bot.message("help"), together=True)
    assert len(sent) == 1 and "workshop \\<name\\>" in card_text(card_of(sent[0]))


async def test_people_joining_take_no_claim_and_get_no_answer(personal_bot: Harness):
    bot = personal_bot
    sent = await post_twice(bot, bot.activity("conversationUpdate", membersAdded=[{"id": "29:someone"}]))
    assert sent == [] and await stored(bot) == ([], [], [])


# Only Teams ---------------------------------------------------------------------

async def stored(bot: Harness, channel: str = "msteams") -> tuple:
    """What the store holds for the harness's conversation: its project's records, its delivery claims,
    and its dialog state (keyed by channel and conversation, as botbuilder keys it)."""
    from app import STORE
    store = bot.client.server.app[STORE]
    conversation_id = bot.place["conversation"]["id"]
    team = bot.place["channelData"].get("team", {}).get("id") or conversation_id.split(";", 1)[0]
    state = []
    for key in {f"{channel}/conversations/{conversation_id}", f"msteams/conversations/{conversation_id}"}:
        try:
            state.append(await store.get(BOT_STATE, storage_id(key), storage_id(key)))
        except NotFound:
            pass
    return (await store.query(PROJECT_DATA, team),
            await store.query(PROJECT_DATA, storage_id(f"dedupe|{conversation_id}")), state)


NOT_TEAMS = ["emulator", "webchat", "directline", None]


def from_channel(activity: dict, channel) -> dict:
    if channel is None:
        activity.pop("channelId")
    else:
        activity["channelId"] = channel
    return activity


@pytest.mark.parametrize("channel", NOT_TEAMS)
async def test_a_message_from_another_channel_gets_one_short_answer_and_nothing_is_stored(bot: Harness, channel):
    for text in ("setup", "help"):
        before = len(bot.connector.sent)
        response = await bot.post(from_channel(bot.message(text), channel))
        assert response.status == 201
        assert [reply.get("text") for reply in bot.connector.sent[before:]] == [TEAMS_ONLY]
    before = len(bot.connector.sent)
    await bot.post(from_channel(bot.activity("message", value=SETUP), channel))
    assert [reply.get("text") for reply in bot.connector.sent[before:]] == [TEAMS_ONLY]
    assert await stored(bot, str(channel)) == ([], [], [])


@pytest.mark.parametrize("channel", NOT_TEAMS)
async def test_an_invoke_from_another_channel_gets_an_error_answer(personal_bot: Harness, channel):
    bot = personal_bot
    response = await bot.post(from_channel(bot.activity("invoke", name="adaptiveCard/action", value={
        "action": {"type": "Action.Execute", "verb": "plan.approve", "data": {"version": 1}}}), channel))
    body = await response.json()
    assert response.status == 403 and body["statusCode"] == 403
    assert body["value"] == {"code": "ChannelNotSupported", "message": TEAMS_ONLY}
    assert await stored(bot, str(channel)) == ([], [], [])


@pytest.mark.parametrize("channel", NOT_TEAMS)
async def test_other_activities_from_another_channel_are_ignored_with_a_log_line(personal_bot: Harness, channel,
                                                                                caplog):
    bot = personal_bot
    with caplog.at_level(logging.INFO):
        response = await bot.post(from_channel(
            bot.activity("conversationUpdate", membersAdded=[{"id": BOT_ID}]), channel))
    assert response.status == 201
    assert bot.connector.sent == [] and await stored(bot, str(channel)) == ([], [], [])
    refused = [r for r in caplog.records if r.name.startswith("bot.") and "refused" in r.getMessage()]
    assert len(refused) == 1 and refused[0].exc_info is None
    assert "ChannelNotSupported" in refused[0].getMessage()


def without(activity: dict, field: str) -> dict:
    if field == "from.id":
        activity["from"] = {"name": "Nobody"}
    elif field == "from":
        del activity["from"]
    else:
        activity["conversation"] = {k: v for k, v in activity["conversation"].items() if k != "id"}
    return activity


@pytest.mark.parametrize("field", ["from.id", "from"])
async def test_a_message_without_a_sender_gets_one_short_answer_and_nothing_is_stored(bot: Harness, field):
    for activity in (bot.message("setup"), bot.activity("message", value=SETUP)):
        before = len(bot.connector.sent)
        response = await bot.post(without(activity, field))
        assert response.status == 201
        sent = bot.connector.sent[before:]
        assert len(sent) == 1 and sent[0]["text"].startswith("Sorry, I can't tell who sent this")
    assert await stored(bot) == ([], [], [])


async def test_a_message_without_a_conversation_is_dropped_without_an_error(personal_bot: Harness, caplog):
    bot = personal_bot
    with caplog.at_level(logging.INFO):
        response = await bot.post(without(bot.message("setup"), "conversation.id"))
    assert response.status == 201 and bot.connector.sent == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert await stored(bot) == ([], [], [])


@pytest.mark.parametrize("field", ["from.id", "from", "conversation.id"])
async def test_an_invoke_without_a_sender_or_conversation_gets_an_error_answer(personal_bot: Harness, field):
    bot = personal_bot
    response = await bot.post(without(bot.activity("invoke", name="adaptiveCard/action", value={
        "action": {"type": "Action.Execute", "verb": "plan.approve", "data": {"version": 1}}}), field))
    body = await response.json()
    assert response.status == 400 and body["value"]["code"] == "MissingIdentity"
    assert await stored(bot) == ([], [], [])


async def test_logs_never_carry_message_text(bot: Harness, caplog):
    secret = "confidential-merger-codename"
    with caplog.at_level(logging.DEBUG):
        await post_twice(bot, bot.message(f"setup {secret}"))
        await bot.post(from_channel(bot.message(f"help {secret}"), "webchat"))
        await bot.post(without(bot.message(f"help {secret}"), "from.id"))
        await bot.post(without(bot.message(f"help {secret}"), "conversation.id"))
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    assert secret not in logged


async def test_activity_fields_cannot_forge_log_lines(personal_bot: Harness, caplog):
    bot = personal_bot
    forged = "x\nERROR bot.handler: forged"
    with caplog.at_level(logging.INFO):
        await post_twice(bot, bot.message("help", id=f"act-{forged}"))
        await bot.post(from_channel(bot.message("help"), forged))
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("bot.")]
    assert len(lines) == 2 and not any("\n" in line for line in lines)
