"""The Teams protocol layer holds under hostile activities: a flood of unclosed mentions does not
stop the bot, a redelivered activity has one effect whatever it is, and only Teams gets in."""

import asyncio
import re
import time

import pytest
from hypothesis import given, strategies as st

from bot.commands import parse, strip_mentions
from tests.plugins.botapp import Harness

HINT = "I didn't catch that."


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
