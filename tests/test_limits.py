"""Sizes and numbers are bounded where users submit them: every free-text field of every form and
card has a limit a real user never meets, told next to the field with the form coming back as it
was typed; numbers are whole ASCII numbers in range. Nothing is stored from a refused answer."""

import json
from datetime import date

import pytest

from store import PROJECT_DATA, open_store
from store.base import MAX_DOCUMENT_BYTES
from tests.plugins.botapp import Harness, aad, card_of, card_text, make_settings, nodes, of_type
from tests.test_agenda import agenda_card, future_day, ready
from tests.test_followup import outcome_answers
from tests.test_planning import ADA, ALAN, ANSWERS, SETUP, give_roles, inputs, planned, press, set_up
from workshops import outcomes


@pytest.fixture
async def bot(personal_bot):
    return personal_bot


async def stored(tmp_path, bot: Harness, record_id: str):
    store = await open_store(make_settings(tmp_path))
    try:
        docs = await store.query(PROJECT_DATA, bot.place["conversation"]["id"])
    finally:
        await store.close()
    return next((d for d in docs if d["id"] == record_id), None)


def field_errors(card: dict) -> dict:
    """Each input id with the error shown right under it, if any."""
    found = {}

    def walk(items):
        for n, item in enumerate(items):
            after = items[n + 1] if n + 1 < len(items) else {}
            if (isinstance(item, dict) and str(item.get("type", "")).startswith("Input.")
                    and isinstance(after, dict) and after.get("color") == "Attention"):
                found[item["id"]] = after["text"]
            for value in (item.values() if isinstance(item, dict) else []):
                if isinstance(value, list):
                    walk(value)

    walk(card["body"])
    return found


LONG = {  # each field over its limit, with the words its error uses
    "summary": ("x" * (outcomes.MAX_SUMMARY + 1), "at most 4,000 characters"),
    "decisions": ("Fine\n" + "d" * (outcomes.MAX_ITEM + 1), "at most 1,000 characters"),
    "recommendations": ("\n".join(f"r{n}" for n in range(outcomes.MAX_ITEMS + 1)), "At most 50 recommendations"),
    "finding:new1:text": ("f" * (outcomes.MAX_ITEM + 1), "at most 1,000 characters"),
    "action:new1:title": ("a" * (outcomes.MAX_TITLE + 1), "at most 200 characters"),
    "volumes": ("v" * (outcomes.MAX_TITLE + 1), "at most 200 characters"),
    "throughput": ("t" * (outcomes.MAX_TITLE + 1), "at most 200 characters"),
}


@pytest.mark.parametrize("field", sorted(LONG))
async def test_an_outcome_field_over_its_limit_is_refused_next_to_it_as_typed(bot: Harness, field, tmp_path):
    await ready(bot)
    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[0])
    value, words = LONG[field]
    _, body = await press(bot, form, "outcome.save", ALAN, **outcome_answers(**{field: value}))
    again = body["value"]
    assert body["type"] == "application/vnd.microsoft.card.adaptive"
    assert words in field_errors(again).get(field, ""), card_text(again)
    typed = {i["id"]: i.get("value") for i in nodes(again, of_type("Input."))}
    assert typed[field] == value, "the form comes back with what was typed"
    assert typed["summary"] == outcome_answers(**{field: value})["summary"]
    assert typed["finding:new1:text"] == outcome_answers(**{field: value})["finding:new1:text"]
    assert await stored(tmp_path, bot, "outcome:data-migration") is None, "nothing stored"


async def test_gap_fields_and_the_number_of_gaps_are_bounded(bot: Harness, tmp_path):
    await ready(bot)
    await agenda_card(bot, "gap")
    form = card_of((await bot.say("outcomes gap", **{"from": ALAN}))[0])
    _, body = await press(bot, form, "outcome.save", ALAN, **outcome_answers(**{
        "gaps:1:requirement": "Rebates", "gaps:1:solution": "s" * (outcomes.MAX_ITEM + 1)}))
    assert "at most 1,000 characters" in field_errors(body["value"]).get("gaps:1:solution", "")
    many = {f"gaps:{n}:requirement": f"Gap {n}" for n in range(1, outcomes.MAX_ITEMS + 2)}
    _, body = await press(bot, form, "outcome.save", ALAN, **outcome_answers(**many))
    assert "At most 50 of each per workshop; there are 51 gaps." in card_text(body["value"])
    assert await stored(tmp_path, bot, "outcome:gap-solution") is None


def every_field_at_its_limit(char: str) -> dict:
    """Capture-card answers for gap solution design (the workshop with the most fields) with
    every list full and every text as long as its limit allows."""
    answers = {"summary": char * outcomes.MAX_SUMMARY,
               "decisions": "\n".join([char * outcomes.MAX_ITEM] * outcomes.MAX_ITEMS),
               "recommendations": "\n".join([char * outcomes.MAX_ITEM] * outcomes.MAX_ITEMS)}
    for n in range(outcomes.MAX_ITEMS):
        answers.update({f"finding:n{n}:text": char * outcomes.MAX_ITEM, f"finding:n{n}:kind": "risk",
                        f"finding:n{n}:priority": "low", f"action:n{n}:title": char * outcomes.MAX_TITLE,
                        f"action:n{n}:owner": aad(1), f"action:n{n}:due": "2030-01-01",
                        f"gaps:{n}:requirement": char * outcomes.MAX_TITLE,
                        **{f"gaps:{n}:{f}": char * outcomes.MAX_ITEM
                           for f in ("solution", "risks", "alternatives", "dependencies")}})
    return answers


def test_one_outcome_stays_well_within_the_store_item_limit():
    roster, today = {"members": {aad(1): {"name": "Ada"}}}, date(2026, 1, 1)
    content = outcomes.parse_outcome(every_field_at_its_limit("x"), "gap-solution", [], roster, None, today)
    assert len(json.dumps(content, ensure_ascii=False).encode()) <= outcomes.MAX_OUTCOME_BYTES, \
        "every field full of plain text is accepted"
    with pytest.raises(outcomes.OutcomeError) as refused:
        outcomes.parse_outcome(every_field_at_its_limit("🙂"), "gap-solution", [], roster, None, today)
    assert "too long altogether" in refused.value.errors["form"], "four bytes a character is not"
    assert outcomes.MAX_OUTCOME_BYTES <= MAX_DOCUMENT_BYTES / 4


@pytest.mark.parametrize("minutes", ["²", "٣", "9" * 5000, "1e3", "0", "241", " ", "15.5"])
async def test_agenda_minutes_must_be_a_whole_ascii_number_in_range(bot: Harness, minutes, tmp_path):
    card = await ready(bot)
    before = await stored(tmp_path, bot, "session:data-migration")
    status, body = await press(bot, card, "agenda.edit", ALAN, **{"minutes:t1": minutes})
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "minutes must be a whole number from 1 to 240" in card_text(body["value"])
    after = await stored(tmp_path, bot, "session:data-migration")
    assert {k: v for k, v in after.items() if not k.startswith("_")} == {
        k: v for k, v in before.items() if not k.startswith("_")}, "nothing stored changed"
    _, body = await press(bot, card, "agenda.edit", ALAN, newTitle="Archive", newMinutes=minutes)
    assert "minutes must be a whole number from 1 to 240" in card_text(body["value"])


async def test_a_topic_title_is_bounded(bot: Harness):
    card = await ready(bot)
    _, body = await press(bot, card, "agenda.edit", ALAN, newTitle="t" * 121, newMinutes="10")
    assert "at most 120 characters" in card_text(body["value"])


@pytest.mark.parametrize("count", ["²", "9" * 5000, "+٣"])
async def test_blueprint_counts_must_be_whole_ascii_numbers(bot: Harness, count):
    await set_up(bot)
    await bot.say("plan")
    again = card_of((await bot.send_value({**ANSWERS, "gap_count": count}))[0])
    assert "Gap requirements must be a whole number between 0 and 1000" in card_text(again)
    assert inputs(again)["gap_count"]["value"] == 0, "the form comes back, with a number it can show"


async def test_blueprint_answers_are_bounded(bot: Harness):
    await set_up(bot)
    await bot.say("plan")
    again = card_of((await bot.send_value({**ANSWERS, "notes": "n" * 5000}))[0])
    assert "too long" in card_text(again) and "Solution Blueprint Review" in card_text(again)


async def test_a_plan_change_reason_is_bounded(bot: Harness):
    await set_up(bot)
    await give_roles(bot)
    card = await planned(bot)
    _, body = await press(bot, card, "plan.change", ALAN, workshopId="alm", include="remove", reason="r" * 301)
    assert "The reason is too long (301 characters; at most 300)." in card_text(body["value"])


async def test_set_up_fields_are_bounded(bot: Harness):
    await bot.say("setup", **{"from": ADA})
    again = card_of((await bot.send_value({**SETUP, "customer": "c" * 121}, **{"from": ADA}))[0])
    assert "Customer is too long (121 characters; at most 120)." in card_text(again)
    assert inputs(again)["customer"]["value"] == "c" * 121, "as typed"


async def test_a_digest_names_at_most_twenty_overdue_items(bot: Harness, connector, tmp_path):
    from datetime import datetime, timedelta, timezone

    from tests.test_escaping import proactive

    await ready(bot)
    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[0])
    rows = {f"action:n{n}:{k}": v for n in range(25)
            for k, v in (("title", f"Action {n}"), ("owner", aad(3)), ("due", future_day(14)))}
    await press(bot, form, "outcome.save", ALAN, confirmed=True, **outcome_answers(**rows))
    sent = await proactive(connector, tmp_path, datetime.now(timezone.utc) + timedelta(days=16))
    assert len(sent) == 1
    lines = sent[0]["text"].splitlines()
    assert lines[0] == "**26 overdue action items** in Contoso ERP:"
    assert len(lines) == 1 + 20 + 1 and lines[-1] == "- and 6 more: type **actions overdue** to see them all."


async def test_a_refused_form_parses_clean(bot: Harness):
    from tests.plugins.botapp import parse_cards

    await ready(bot)
    await agenda_card(bot, "gap")
    form = card_of((await bot.say("outcomes gap", **{"from": ALAN}))[0])
    too_long = {field: value for field, (value, _) in LONG.items()}
    _, body = await press(bot, form, "outcome.save", ALAN, **outcome_answers(
        **too_long, **{"gaps:1:solution": "s" * (outcomes.MAX_ITEM + 1)}))
    assert len(field_errors(body["value"])) == len(too_long) - 2 + 1, "volumes and throughput are not gap fields"
    assert parse_cards([("refused", body["value"])]) == {"refused": []}
