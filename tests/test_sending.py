"""Sending within Teams' limits, against the connector stand-in."""

import asyncio

import pytest
from aiohttp import web
from botbuilder.core.teams import TeamsInfo
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount, ConversationReference

from bot.adapter import create_adapter
from bot.sending import SendPolicy
from tests.plugins.botapp import BOT_ID, Connector, Harness, card_of, make_settings, serving


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


class FailingConnector(Connector):
    """The connector stand-in, answering each card update (PUT) and members read (GET) with the next status
    of `put_failures` / `get_failures` while there is one, and counting the calls of each method."""

    def __init__(self):
        super().__init__()
        self.put_failures: list = []
        self.get_failures: list = []
        self.put_attempts = self.get_attempts = 0

    async def _put(self, request: web.Request) -> web.Response:
        self.put_attempts += 1
        return self._failure(self.put_failures) or await super()._put(request)

    async def _paged_members(self, request: web.Request) -> web.Response:
        self.get_attempts += 1
        return self._failure(self.get_failures) or await super()._paged_members(request)

    @staticmethod
    def _failure(failures: list):
        if failures:
            return web.json_response({"error": {"code": "BadGateway", "message": "try again"}}, status=failures.pop(0))
        return None


@pytest.fixture
async def failing():
    stand_in = FailingConnector()
    stand_in.clear()
    async with serving(stand_in):
        yield stand_in


def reference_to(connector: Connector) -> ConversationReference:
    return ConversationReference(channel_id="msteams", service_url=connector.url, bot=ChannelAccount(id=BOT_ID),
                                 conversation=ConversationAccount(id="19:updates@thread.v2"))


@pytest.mark.parametrize("status", [502, 504])
async def test_a_failing_card_update_is_tried_as_often_as_one_policy_allows(tmp_path, failing, status):
    """The app's own adapter (pooled connector clients) under its SendPolicy: a card update answered 502 or
    504 every time is tried SendPolicy.attempts times, not that times the connector pipeline's retries."""
    waits = []

    async def sleep(seconds):
        waits.append(seconds)

    policy = SendPolicy(sleep=sleep)
    adapter = policy.install(create_adapter(make_settings(tmp_path)))
    reference = reference_to(failing)

    async def replace(context):
        await context.update_activity(Activity(type="message", id="card-message-1", text="new"))

    failing.put_failures = [status] * 50
    await adapter.continue_conversation(reference, replace, None)
    assert failing.put_attempts == policy.attempts == 5
    assert len(waits) == policy.attempts - 1, "SendPolicy waited between its attempts"
    assert [a.get("text", "")[:30] for a in failing.sent] == ["Sorry, something went wrong on"]

    failing.put_attempts, failing.put_failures = 0, [status] * 2
    await adapter.continue_conversation(reference, replace, None)
    assert failing.put_attempts == 3 and len(failing.updates) == 1, "retried until it landed"


async def test_reads_are_still_retried_on_a_status_by_the_connector_pipeline(tmp_path, failing):
    """The other half of the split: SendPolicy wraps only sends and updates, so a members read answered 502
    is retried by the pooled connector pipeline (its first retry does not wait)."""
    adapter = SendPolicy().install(create_adapter(make_settings(tmp_path)))
    failing.get_failures = [502]
    pages = []

    async def read(context):
        context.activity.channel_data = {}  # a chat, not a team: TeamsInfo reads the conversation's members
        pages.append(await TeamsInfo.get_paged_members(context, None, 2))

    await adapter.continue_conversation(reference_to(failing), read, None)
    assert failing.get_attempts == 2 and len(pages[0].members) == 2
