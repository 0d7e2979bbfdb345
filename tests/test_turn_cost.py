"""What the turns that carry the product cost in store round trips, counted on the real store (both
backends), and the at-most-once guarantee of an RSVP whose one write is also its delivery claim."""

import asyncio
from collections import Counter

from tests.plugins.botapp import Harness, card_text
from tests.test_agenda import ready
from tests.test_planning import ALAN, GRACE, execute_invoke

OPERATIONS = ("get", "create", "replace", "upsert", "delete", "query")


def count_operations(store) -> Counter:
    """Count every call on this store object from now on (its methods wrapped in place)."""
    counts = Counter()
    for name in OPERATIONS:
        method = getattr(store, name)

        async def counted(*args, _method=method, _name=name, **kwargs):
            counts[_name] += 1
            return await _method(*args, **kwargs)

        setattr(store, name, counted)
    return counts


async def channel_bot(app_client, connector, store_settings) -> Harness:
    connector.clear()
    return Harness(await app_client(store_settings), connector, "channel")


async def test_an_rsvp_is_three_reads_made_together_and_one_write(app_client, connector, store_settings):
    from app import STORE

    bot = await channel_bot(app_client, connector, store_settings)
    card = await ready(bot)
    counts = count_operations(bot.client.server.app[STORE])
    response = await bot.post(execute_invoke(bot, card, "agenda.rsvp", GRACE, response="accept"))
    assert "Your answer: **Accepted**" in card_text((await response.json())["value"])
    await bot.card_updates_sent()
    assert counts == Counter(get=3, replace=1), "project, session and roster read; the session written, once"


async def test_a_redelivered_rsvp_changes_nothing_even_after_a_later_answer(app_client, connector, store_settings):
    bot = await channel_bot(app_client, connector, store_settings)
    card = await ready(bot)
    accept = execute_invoke(bot, card, "agenda.rsvp", GRACE, response="accept")
    first, again = await asyncio.gather(bot.post(accept), bot.post(accept))  # delivered twice at once
    assert "Accepted: Grace Hopper" in card_text((await first.json())["value"])
    assert "Accepted: Grace Hopper" in card_text((await again.json())["value"])

    await bot.post(execute_invoke(bot, card, "agenda.rsvp", GRACE, response="decline"))
    retried = await bot.post(accept)  # Teams retries the first press after her second answer
    shown = card_text((await retried.json())["value"])
    assert "Your answer: **Declined**" in shown, "the retry did not bring her old answer back"
    await bot.post(execute_invoke(bot, card, "agenda.rsvp", ALAN, response="tentative"))
    refreshed = await bot.post(execute_invoke(bot, card, "agenda.refresh", GRACE))
    shown = card_text((await refreshed.json())["value"])
    assert "Declined: Grace Hopper" in shown and "Tentative: Alan Turing" in shown
    assert "Accepted: Grace Hopper" not in shown
