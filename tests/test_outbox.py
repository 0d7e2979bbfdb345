"""Work that must follow a saved change is finished later when it fails: the outbox, through the real
adapter and store."""

from datetime import timedelta

import pytest

from app import BOT
from tests.plugins.botapp import Harness, card_of, card_text
from tests.test_followup import outcome_answers, running
from tests.test_planning import ALAN, execute_invoke


@pytest.fixture
async def bot_in_channel(app_client, connector, graph) -> Harness:
    connector.clear()
    return Harness(await app_client(graph=graph.client), connector, "channel")


def posted_summaries(connector) -> list[str]:
    return [a for a in connector.sent if "Outcomes: Data migration strategy" in str(a.get("attachments"))]


async def test_a_summary_whose_post_fails_is_posted_later_and_a_retry_gets_the_same_answer(personal_bot: Harness,
                                                                                           connector):
    bot = personal_bot
    await running(bot)
    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[-1])
    before = len(posted_summaries(connector))
    connector.failures.append((403, None))  # Teams refuses the thread post once
    invoke = execute_invoke(bot, form, "outcome.save", ALAN, **outcome_answers())
    first = await (await bot.post(invoke)).json()
    assert "Outcomes recorded." in str(first["value"])
    assert "I'll post it shortly" in str(first["value"])
    assert len(posted_summaries(connector)) == before, "the post failed"

    again = await (await bot.post(invoke)).json()  # Teams redelivers the same invoke
    assert again == first, "a redelivery gets the answer the first delivery gave, not 'Already done.'"

    outbox = bot.client.app[BOT].services.outbox
    now = outbox.clock()
    outbox.clock = lambda: now + timedelta(minutes=2)  # past the first retry's wait
    assert await outbox.run_due() == 1
    assert len(posted_summaries(connector)) == before + 1, "the summary is posted once, later"
    assert await outbox.run_due() == 0, "and only once"


async def test_a_record_for_a_change_that_never_landed_is_dropped(personal_bot: Harness, connector):
    bot = personal_bot
    outbox = bot.client.app[BOT].services.outbox
    ran = []

    async def handler(record):
        ran.append(record)

    outbox.handle("test-work", handler)
    record = await outbox.add("test-work", "project-x", "k1", {}, after=("outcome:cutover", 1))
    assert await outbox.run(record) is False, "the change may still come"
    now = outbox.clock()
    outbox.clock = lambda: now + timedelta(minutes=11)
    assert await outbox.run_due() == 1 and ran == [], "it never came: the work is dropped, not done"


async def test_a_card_update_teams_refuses_is_sent_again_by_the_loop(personal_bot: Harness, connector):
    from tests.test_agenda import ready
    from tests.test_planning import GRACE, press

    bot = personal_bot
    card = await ready(bot)
    connector.update_failures.append(403)  # refused, and not a status worth an immediate retry
    updates_before = len(connector.updates)
    _, answer = await press(bot, card, "agenda.rsvp", GRACE, response="accept")
    assert "Thanks, your answer is saved." in str(answer["value"]), "the person who pressed sees it at once"
    assert len(connector.updates) == updates_before, "the message everyone sees was not updated"
    assert not any("went wrong" in (a.get("text") or "") for a in connector.sent), "no apology in the channel"

    outbox = bot.client.app[BOT].services.outbox
    now = outbox.clock()
    outbox.clock = lambda: now + timedelta(minutes=2)
    assert await outbox.run_due() == 1
    assert len(connector.updates) == updates_before + 1
    resent = connector.updates[-1]["attachments"][0]
    assert resent["contentType"] == "application/vnd.microsoft.card.adaptive" and isinstance(resent["content"], dict)
    assert "Accepted: 1" in card_text(resent["content"]), "the message now shows the answer, as a card"


async def test_a_pin_after_approval_survives_the_process_stopping_before_it_ran(bot_in_channel, graph, connector,
                                                                                monkeypatch):
    from dialogs.pinning import Pinning
    from tests.test_agenda import ready
    from tests.test_planning import GRACE, press

    bot = bot_in_channel
    monkeypatch.setattr(Pinning, "pin_soon", lambda self, record: None)  # the process stops right after saving
    graph.server.install_app(bot.place["channelData"]["team"]["id"], external_id="")
    card = await ready(bot)
    await press(bot, card, "agenda.approve", GRACE)
    assert graph.server.graph_requests("POST", "/tabs") == []

    outbox = bot.client.app[BOT].services.outbox
    now = outbox.clock()
    outbox.clock = lambda: now + timedelta(minutes=2)  # the loop, on this or another instance
    assert await outbox.run_due() == 1
    assert len(graph.server.graph_requests("POST", "/tabs")) == 1
    assert any("pinned" in str(a.get("attachments")).lower() for a in connector.sent)
    assert await outbox.run_due() == 0
