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


class FakeTime:
    """A clock that moves only when the pacer sleeps, so windows are checked exactly."""

    def __init__(self):
        self.now = 1000.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def pacer_on(time: FakeTime):
    from bot.sending import SendPacer
    return SendPacer(clock=time.clock, sleep=time.sleep)


async def test_a_conversation_is_not_held_back_before_teams_throttles_it():
    time = FakeTime()
    pacer = pacer_on(time)
    for _ in range(20):
        await pacer.wait_turn("19:conversation")
    assert time.now == 1000.0, "nothing waited"


async def test_a_throttled_conversation_is_paced_within_the_published_limits():
    time = FakeTime()
    pacer = pacer_on(time)
    pacer.throttled("19:conversation")
    stamps = []
    for _ in range(75):
        await pacer.wait_turn("19:conversation")
        stamps.append(time.now)
        time.now += 0.01  # the send itself
    assert all(stamps[i + 7] - stamps[i] >= 1.0 for i in range(len(stamps) - 7)), "no eight sends within 1 s"
    assert all(stamps[i + 60] - stamps[i] >= 30.0 for i in range(len(stamps) - 60)), "no 61 sends within 30 s"
    assert stamps[-1] - stamps[0] < 33, "but no slower than the limits require"

    before = time.now
    await pacer.wait_turn("19:another")
    assert time.now == before, "other conversations are not held up"


async def test_pacing_ends_a_minute_after_the_last_429():
    time = FakeTime()
    pacer = pacer_on(time)
    pacer.throttled("19:conversation")
    for _ in range(8):
        await pacer.wait_turn("19:conversation")
    assert time.now > 1000.0
    time.now += 61
    before = time.now
    for _ in range(20):
        await pacer.wait_turn("19:conversation")
    assert time.now == before


async def test_back_to_back_turns_are_refused_once_then_paced(personal_bot: Harness, connector):
    """Against a connector that enforces Teams' 7 a second, 22 quick turns all get their answer, and
    after the first 429 the bot stays under the limit instead of running into it every second."""
    connector.per_second_limit = 7
    for n in range(22):
        replies = await personal_bot.say("help")
        assert len(replies) == 1 and card_of(replies[0]), f"turn {n} answered"
    assert connector.throttled == 1
    accepted = sorted(when for _, when in connector.post_times)
    assert all(accepted[i + 7] - accepted[i] >= 1.0 for i in range(len(accepted) - 7))
