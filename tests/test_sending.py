"""Sending within Teams' limits, against the connector stand-in."""

import asyncio

import pytest

from tests.plugins.botapp import Harness, card_of


@pytest.mark.parametrize("status", [429, 412, 502, 504])
async def test_throttled_and_failed_sends_are_retried(personal_bot: Harness, connector, status):
    connector.failures = [(status, 0), (status, None)]
    replies = await personal_bot.say("help")
    assert len(replies) == 1 and card_of(replies[0])
    assert len(connector.post_times) == 3, "two refused attempts, then the one that went through"


async def test_retry_after_is_honoured(personal_bot: Harness, connector):
    connector.failures = [(429, 1)]
    started = asyncio.get_running_loop().time()
    await personal_bot.say("help")
    assert asyncio.get_running_loop().time() - started >= 1.0


async def test_other_errors_are_not_retried(personal_bot: Harness, connector):
    connector.failures = [(400, None)]
    replies = await personal_bot.say("help")
    assert len(connector.post_times) == 2, "the refused card is not repeated; only the apology follows"
    assert [r.get("text", "")[:30] for r in replies] == ["Sorry, something went wrong on"]


async def test_at_most_seven_messages_a_second_per_conversation(personal_bot: Harness, connector):
    from bot.sending import RateLimiter

    limiter = RateLimiter()
    loop = asyncio.get_running_loop()
    stamps = []

    async def send():
        await limiter.wait_turn("19:conversation")
        stamps.append(loop.time())

    await asyncio.gather(*(send() for _ in range(15)))
    stamps.sort()
    for i in range(len(stamps) - 7):
        assert stamps[i + 7] - stamps[i] >= 0.99, "no eight sends within one second"
    other = loop.time()
    await limiter.wait_turn("19:another")
    assert loop.time() - other < 0.05, "other conversations are not held up"
