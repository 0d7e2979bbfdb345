"""What the turns that carry the product cost in store round trips, counted on the real store (both
backends), and the at-most-once guarantee of an RSVP whose one write is also its delivery claim."""

import asyncio
from collections import Counter

from tests.plugins.botapp import Harness, card_text
from tests.test_agenda import ready
from tests.test_planning import ALAN, GRACE, execute_invoke

OPERATIONS = ("get", "create", "replace", "upsert", "delete", "query")


def background(args: tuple, kwargs: dict) -> bool:
    """A call of the background loops (they run meanwhile): a look for due work, or for old-shape records."""
    return kwargs.get("due_by") is not None or (len(args) > 1 and args[1] in ("reminders", "digests"))


def count_operations(store) -> Counter:
    """Count every call of a turn on this store object from now on (its methods wrapped in place)."""
    counts = Counter()
    for name in OPERATIONS:
        method = getattr(store, name)

        async def counted(*args, _method=method, _name=name, **kwargs):
            if not background(args, kwargs):
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


async def test_a_form_sent_back_with_errors_reads_and_writes_nothing(app_client, connector, store_settings):
    """A submission with errors reads the dialog state and the project and puts the form back in place:
    nothing is posted or stored, so it takes no delivery claim (bot/delivery.py, TurnClaim)."""
    from app import STORE
    from tests.test_planning import SETUP

    bot = await channel_bot(app_client, connector, store_settings)
    await bot.say("setup")
    counts = count_operations(bot.client.server.app[STORE])
    sent = await bot.send_value({**SETUP, "name": "", "goLive": "2020-01-01"}, replyToId="form-message-1")
    assert sent == [], "nothing new is posted"
    form = connector.updates[-1]
    assert form["_id"] == "form-message-1", "the form pressed is shown again, with its errors"
    assert "2020-01-01" in str(form)
    assert counts == Counter(get=2), "the dialog state and the project read; nothing written"


async def test_a_form_submitted_twice_at_once_is_applied_once(app_client, connector, store_settings):
    from tests.plugins.botapp import card_of
    from tests.test_planning import SETUP

    bot = await channel_bot(app_client, connector, store_settings)
    await bot.say("setup")
    submission = bot.activity("message", value=SETUP, replyToId="form-message-1")
    before = len(connector.sent)
    answers = await asyncio.gather(bot.post(submission), bot.post(submission))
    assert sorted(a.status for a in answers)[0] in (200, 201)
    sent = connector.sent[before:]
    assert len(sent) == 1 and "Project set up" in card_text(card_of(sent[0]))


async def test_typing_setup_opens_the_form_with_one_claim_write_and_is_not_repeated(app_client, connector,
                                                                                  store_settings):
    """Opening a form changes nothing but the dialog state: its claim is made done at once (one write,
    not a claim and a done mark), and a redelivery of the message does not post the form again."""
    from app import STORE

    bot = await channel_bot(app_client, connector, store_settings)
    counts = count_operations(bot.client.server.app[STORE].inner)
    typed = bot.message("setup")
    response = await bot.post(typed)
    assert response.status in (200, 201)
    forms = [sent for sent in connector.sent if sent.get("attachments")]
    assert len(forms) == 1 and "Set up" in card_text(forms[0]["attachments"][0]["content"])
    assert counts["create"] == 1 and counts["replace"] == 0, counts  # the claim; the dialog state is new
    again = await bot.post(typed)
    assert again.status in (200, 201)
    assert len([sent for sent in connector.sent if sent.get("attachments")]) == 1, "no second form"
