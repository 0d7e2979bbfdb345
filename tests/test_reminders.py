"""Reminders: posted once in the workshop's thread, naming mandatory attendees who have not
accepted, even with two instances of the bot on one store; they survive restarts."""

import asyncio
from datetime import datetime, timedelta, timezone

from bot.adapter import create_adapter
from dialogs.reminders import Reminders
from store import open_store
from catalog import default_catalog
from tests.plugins.botapp import Harness
from tests.test_agenda import future_day
from tests.test_planning import ALAN, ANSWERS, GRACE, give_roles, press, set_up


async def scheduled(app_client, connector, settings) -> tuple[Harness, datetime]:
    connector.clear()
    bot = Harness(await app_client(settings), connector, "channel")
    await set_up(bot)
    await give_roles(bot)
    await bot.say("plan")
    await bot.send_value(ANSWERS)
    card = (await bot.say("agenda data migration"))[-1]["attachments"][0]["content"]
    await press(bot, card, "agenda.rsvp", ALAN, response="accept")
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=future_day(30), time="10:00", confirmed=True)
    assert "Time saved" in str(body)
    start = datetime.fromisoformat(f"{future_day(30)}T10:00").replace(tzinfo=__import__("zoneinfo").ZoneInfo(
        "Europe/London")).astimezone(timezone.utc)
    return bot, start


async def test_a_due_reminder_is_sent_once_even_with_two_instances(app_client, connector, store_settings):
    bot, start = await scheduled(app_client, connector, store_settings)
    await bot.client.close()  # the reminders survive the restart: they are in the store

    stores = [await open_store(store_settings) for _ in range(2)]
    adapter = create_adapter(store_settings)
    try:
        not_yet = Reminders(stores[0], adapter, default_catalog(), "", clock=lambda: start - timedelta(hours=25))
        assert await not_yet.run_once() == 0

        due = start - timedelta(hours=23)
        instances = [Reminders(s, adapter, default_catalog(), "", clock=lambda: due) for s in stores]
        before = len(connector.sent)
        results = await asyncio.gather(*(r.run_once() for r in instances for _ in range(3)))
        assert sum(results) == 1
        sent = connector.sent[before:]
        assert len(sent) == 1
        text = sent[0]["text"]
        assert text.startswith("Reminder: **Data migration strategy** starts")
        assert "at 10:00 (Europe/London)" in text
        assert "have not accepted yet: Grace Hopper" in text, "Grace is mandatory and has not accepted"
        assert sent[0]["_conversation"] == bot.place["conversation"]["id"], "in the workshop's thread"
        assert await instances[0].run_once() == 0, "never twice"
    finally:
        for store in stores:
            await store.close()


async def test_rescheduling_sends_a_new_reminder_for_the_new_time(app_client, connector, store_settings):
    bot, start = await scheduled(app_client, connector, store_settings)
    store = await open_store(store_settings)
    try:
        adapter = create_adapter(store_settings)
        first = Reminders(store, adapter, default_catalog(), "", clock=lambda: start - timedelta(hours=1))
        assert await first.run_once() == 1
        card = (await bot.say("agenda data migration"))[-1]["attachments"][0]["content"]
        _, body = await press(bot, card, "agenda.schedule", ALAN, day=future_day(40), time="10:00", confirmed=True)
        await press(bot, body["value"], "agenda.rsvp", GRACE, response="accept")
        later = start + timedelta(days=10) - timedelta(hours=2)
        second = Reminders(store, adapter, default_catalog(), "", clock=lambda: later)
        before = len(connector.sent)
        assert await second.run_once() == 1
        assert "Every mandatory attendee has accepted." in connector.sent[before]["text"]
    finally:
        await store.close()


async def test_overdue_actions_get_one_digest_a_day(app_client, connector, store_settings):
    from tests.test_followup import record_outcomes

    bot, start = await scheduled(app_client, connector, store_settings)
    await record_outcomes(bot, confirmed=True)  # not started yet; one action, due in 14 days
    store = await open_store(store_settings)
    try:
        adapter = create_adapter(store_settings)
        now = datetime.now(timezone.utc)
        early = Reminders(store, adapter, default_catalog(), "", clock=lambda: now)
        assert await early.send_digests() == 0, "nothing is overdue yet"
        overdue_day = now + timedelta(days=16)
        twins = [Reminders(store, adapter, default_catalog(), "", clock=lambda: overdue_day) for _ in range(2)]
        before = len(connector.sent)
        assert sum(await asyncio.gather(*(t.send_digests() for t in twins))) == 1
        assert "**1 overdue action item**" in connector.sent[before]["text"]
        assert "Measure throughput (Alan Turing" in connector.sent[before]["text"]
        assert await twins[0].send_digests() == 0, "at most one a day"
        tomorrow = Reminders(store, adapter, default_catalog(), "", clock=lambda: overdue_day + timedelta(days=1))
        assert await tomorrow.send_digests() == 1
    finally:
        await store.close()


async def test_a_reminder_stored_by_an_earlier_version_is_still_sent_once(app_client, connector, store_settings):
    """Earlier versions kept every reminder in one `reminders` partition; such a record (also one an older
    instance writes during a rolling upgrade) is moved into the due-time index and sent once."""
    from store import PROJECT_DATA
    from store.due import shard

    bot, start = await scheduled(app_client, connector, store_settings)
    store = await open_store(store_settings)
    try:
        project_id = bot.place["channelData"]["team"]["id"]
        record_id = f"reminder|{project_id}|data-migration".replace("/", "_")
        current = await store.get(PROJECT_DATA, shard("reminders", project_id), record_id)
        await store.delete(PROJECT_DATA, current["projectId"], record_id)
        old = {k: v for k, v in current.items() if not k.startswith("_")}
        await store.create(PROJECT_DATA, {**old, "projectId": "reminders"})

        due = start - timedelta(hours=2)
        instances = [Reminders(store, create_adapter(store_settings), default_catalog(), "", clock=lambda: due)
                     for _ in range(2)]
        before = len(connector.sent)
        assert sum(await asyncio.gather(*(r.run_once() for r in instances))) == 1
        assert connector.sent[before]["text"].startswith("Reminder: **Data migration strategy** starts")
        assert await instances[0].run_once() == 0, "never twice"
        assert await store.query(PROJECT_DATA, "reminders") == [], "moved out of the old partition"
    finally:
        await store.close()
