"""Every form, through the real adapter: fill every field, make one wrong, submit. The form comes
back with every field as it was typed and the error right under the wrong one; an Action.Submit
form (set-up, Blueprint Review) is updated where the user pressed it, not posted again; an
Action.Execute form (outcomes, agenda, schedule, series change) comes back as the invoke's answer."""

import json
from datetime import date, timedelta

import pytest

from tests.plugins.botapp import Harness, aad, card_of, card_text, nodes, of_type
from tests.test_agenda import future_day, ready
from tests.test_followup import outcome_answers
from tests.test_limits import stored as stored_as_is
from tests.test_planning import (ADA, ALAN, GO_LIVE, KATHERINE, SETUP, execute_actions, give_roles, planned,
                                 press, set_up)

TEAMS_MESSAGE_LIMIT = 28 * 1024  # bytes: Teams refuses a bigger message


def values(card: dict) -> dict:
    """Each input's value as the card shows it, as the text a client would submit."""
    return {node["id"]: str(node.get("value", "")) for node in nodes(card, of_type("Input."))}


def errors_next_to(card: dict) -> dict:
    """Each input id with the error shown right under it (the next element in the same list)."""
    found = {}
    for node in nodes(card, lambda n: True):
        for items in (v for v in node.values() if isinstance(v, list)):
            for this, after in zip(items, items[1:]):
                if (isinstance(this, dict) and str(this.get("type", "")).startswith("Input.")
                        and isinstance(after, dict) and after.get("color") == "Attention"):
                    found[this["id"]] = after["text"]
    return found


def shown_card(card: dict, title: str) -> dict:
    """The card an Action.ShowCard button opens."""
    return next(a["card"] for a in nodes(card, of_type("Action.ShowCard")) if a["title"] == title)


def typed(answers: dict) -> dict:
    return {k: str(v) for k, v in answers.items() if k not in ("form", "verb")}


async def stored(tmp_path, bot: Harness, record_id: str):
    """The record as stored, without the store's own fields (None when there is none)."""
    doc = await stored_as_is(tmp_path, bot, record_id)
    return doc and {k: v for k, v in doc.items() if not k.startswith("_")}


async def submit_in_place(bot: Harness, connector, form_message: dict, answers: dict, **fields) -> dict:
    """Submit the form `form_message` carries, as Teams does (replyToId: the message pressed); check
    that nothing new was posted and that message was updated; return the card it now shows."""
    sent, updates = len(connector.sent), len(connector.updates)
    await bot.send_value(answers, replyToId=form_message["_id"], **fields)
    assert connector.sent[sent:] == [], "no second form was posted"
    [update] = connector.updates[updates:]
    assert update["_id"] == form_message["_id"], "the form pressed was updated"
    return card_of(update)


# Action.Submit forms ----------------------------------------------------------------------------

async def test_the_setup_form_comes_back_in_place_with_what_was_typed(bot: Harness, connector):
    form_message = (await bot.say("setup"))[0]
    answers = {**SETUP, "customer": "Contoso Ltd", "products": "finance,commerce", "phase": "prepare",
               "timeZone": "America/New_York", "goLive": "2020-01-01"}  # the wrong one: in the past
    again = await submit_in_place(bot, connector, form_message, answers)
    assert values(again) == typed(answers)
    assert errors_next_to(again) == {"goLive": "The estimated go-live must be in the future."}
    assert "Set up the project" in card_text(again)
    # Fixed on the same form: saved, and the form is not shown a third time.
    saved = (await bot.send_value({**answers, "goLive": GO_LIVE}, replyToId=form_message["_id"]))[-1]
    assert "Project set up" in card_text(card_of(saved))


async def test_editing_the_project_keeps_what_was_typed_too(bot: Harness, connector):
    await set_up(bot)
    form_message = (await bot.say("setup"))[0]
    answers = {**SETUP, "name": "", "customer": "Contoso Group", "partner": "Fabrikam Consulting",
               "timeZone": "Asia/Kolkata", "editing": True}
    again = await submit_in_place(bot, connector, form_message, answers)
    assert values(again) == typed({k: v for k, v in answers.items() if k != "editing"})
    assert errors_next_to(again) == {"name": "Project name is required."}
    assert "Edit the project" in card_text(again)


async def test_a_form_submitted_without_saying_where_it_was_is_sent_again(bot: Harness, connector):
    await bot.say("setup")
    answers = {**SETUP, "goLive": "2020-01-01"}
    updates = len(connector.updates)
    [again] = await bot.send_value(answers)
    assert connector.updates[updates:] == []
    assert values(card_of(again)) == typed(answers)


async def test_someone_refused_gets_an_answer_and_the_form_stays_as_it_was(bot: Harness, connector):
    await set_up(bot, ADA)
    form_message = (await bot.say("setup", **{"from": ADA}))[0]
    updates = len(connector.updates)
    [reply] = await bot.send_value({**SETUP, "name": "Hijacked"}, replyToId=form_message["_id"],
                                   **{"from": KATHERINE})
    assert reply["text"].startswith("Only project admins")
    assert connector.updates[updates:] == [], "Ada's form is not overwritten with what Katherine typed"


async def test_the_blueprint_review_form_comes_back_in_place_with_what_was_typed(bot: Harness, connector):
    await set_up(bot)
    form_message = (await bot.say("plan"))[0]
    form = card_of(form_message)
    answers = {**values(form), "platforms": "azure", "system:1:name": "Service Bus", "system:1:kind": "custom",
               "system:1:timing": "real-time", "business_units": "3", "regulations": "sox,gdpr", "countries": "4",
               "reporting": "advanced", "legacy_mapping": "true", "branding": "true", "alm_maturity": "mature",
               "gap_count": "5000"}  # the wrong one: more than 1,000
    again = await submit_in_place(bot, connector, form_message, {**form["actions"][0]["data"], **answers})
    assert values(again) == typed(answers)
    assert "Change these with **setup**" in card_text(again), "the project's facts come back too"
    assert errors_next_to(again) == {
        "gap_count": "Gap requirements must be a whole number between 0 and 1000."}


# Action.Execute forms ---------------------------------------------------------------------------

@pytest.fixture
async def personal(personal_bot):
    return personal_bot


async def test_the_outcomes_form_comes_back_with_what_was_typed(personal: Harness, connector, tmp_path):
    bot = personal
    await ready(bot)
    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[-1])
    answers = outcome_answers(**{
        "finding:new2:text": "No archive for closed orders", "finding:new2:kind": "issue",
        "finding:new2:priority": "low", "finding:new3:text": "The legacy system is well documented",
        "finding:new3:kind": "assertion", "finding:new3:priority": "medium",
        "action:new2:title": "Book the mock migration", "action:new2:due": future_day(20)})  # no owner
    sent, updates = len(connector.sent), len(connector.updates)
    status, body = await press(bot, form, "outcome.save", ALAN, **answers)
    assert status == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    again = body["value"]
    shown = values(again)
    assert {k: shown[k] for k in answers} == typed(answers)
    assert errors_next_to(again) == {
        "action:new2:owner": "Choose who owns “Book the mock migration” from the roster."}
    assert connector.sent[sent:] == [] and connector.updates[updates:] == []
    assert await stored(tmp_path, bot, "outcome:data-migration") is None


def topic_answers(edit_form: dict) -> dict:
    """Every topic of the agenda edit form changed: one dropped, owners and minutes set, a new topic."""
    topics = [node["id"].split(":", 1)[1] for node in nodes(edit_form, of_type("Input.Toggle"))]
    answers = {}
    for n, tid in enumerate(topics):
        answers.update({f"keep:{tid}": "false" if n == 2 else "true", f"owner:{tid}": aad(2 + n % 2),
                        f"minutes:{tid}": str(10 + n)})
    return {**answers, "newTitle": "Archive strategy", "newOwner": aad(3), "newMinutes": "25"}


async def test_the_agenda_edit_form_comes_back_with_what_was_typed(personal: Harness, connector, tmp_path):
    bot = personal
    card = await ready(bot)
    before = await stored(tmp_path, bot, "session:data-migration")
    answers = {**topic_answers(shown_card(card, "Edit agenda")), "minutes:t2": "500"}  # the wrong one
    sent, updates = len(connector.sent), len(connector.updates)
    _, body = await press(bot, card, "agenda.edit", ALAN, **answers)
    again = shown_card(body["value"], "Edit agenda")
    assert values(again) == typed(answers)
    assert errors_next_to(again) == {"minutes:t2": "Data volume: minutes must be a whole number from 1 to 240."}
    assert "minutes must be a whole number" in card_text(body["value"]), "said at the top of the card too"
    assert connector.sent[sent:] == [] and connector.updates[updates:] == []
    assert await stored(tmp_path, bot, "session:data-migration") == before


async def test_the_schedule_form_comes_back_with_what_was_typed(personal: Harness, connector, tmp_path):
    bot = personal
    card = await ready(bot)
    before = await stored(tmp_path, bot, "session:data-migration")
    answers = {"day": (date.fromisoformat(GO_LIVE) + timedelta(days=2)).isoformat(), "time": "10:30"}
    sent, updates = len(connector.sent), len(connector.updates)
    _, body = await press(bot, card, "agenda.schedule", ALAN, **answers)
    again = shown_card(body["value"], "Schedule")
    assert values(again) == answers
    assert list(errors_next_to(again)) == ["time"], "under the date and time"
    assert "must be held before go-live" in errors_next_to(again)["time"]
    assert connector.sent[sent:] == [] and connector.updates[updates:] == []
    assert await stored(tmp_path, bot, "session:data-migration") == before
    # The other form on the card shows what is stored, not the schedule's answers.
    assert "keep:t1" in values(shown_card(body["value"], "Edit agenda"))


async def test_the_series_change_form_comes_back_with_what_was_typed(personal: Harness, connector):
    bot = personal
    await set_up(bot)
    await give_roles(bot)
    card = await planned(bot)
    answers = {"workshopId": "user-experience", "include": "add", "reason": ""}  # the wrong one: no reason
    sent = len(connector.sent)
    _, body = await press(bot, card, "plan.change", ALAN, **answers)
    again = shown_card(body["value"], "Change the series")
    assert values(again) == answers
    assert errors_next_to(again) == {"reason": "Say why: a reason is required to add or remove a workshop."}

    answers = {"workshopId": "data-model", "include": "add", "reason": "The customer asked for it"}
    _, body = await press(bot, card, "plan.change", ALAN, **answers)
    again = shown_card(body["value"], "Change the series")
    assert values(again) == answers
    assert errors_next_to(again) == {"workshopId": "That workshop is already in the series."}
    assert connector.sent[sent:] == []


async def test_the_roster_card_cannot_fail_a_save_keeps_what_was_typed(personal: Harness):
    """Roles and organisations are choices: the one thing refused (granting yourself solution
    architect) is said on the card, and everything else typed with it is saved and shown."""
    bot = personal
    await set_up(bot)
    card = card_of((await bot.say("roster"))[-1])
    _, body = await press(bot, card, "roster.save", ADA, **{
        f"roles:{aad(1)}": "solution-architect,project-manager", f"org:{aad(1)}": "partner",
        f"roles:{aad(3)}": "functional-lead", f"org:{aad(3)}": "customer"})
    again = values(body["value"])
    assert again[f"roles:{aad(1)}"] == "project-manager" and again[f"org:{aad(1)}"] == "partner"
    assert again[f"roles:{aad(3)}"] == "functional-lead" and again[f"org:{aad(3)}"] == "customer"
    assert "Roles saved. You cannot make yourself solution architect" in card_text(body["value"])


# The time zone ---------------------------------------------------------------------------------

async def test_the_time_zone_is_a_typeahead_over_every_zone_and_the_form_stays_small(bot: Harness):
    message = (await bot.say("setup", localTimezone="America/Argentina/Buenos_Aires"))[0]
    zone = {node["id"]: node for node in nodes(card_of(message), of_type("Input."))}["timeZone"]
    assert zone["type"] == "Input.ChoiceSet" and zone["style"] == "filtered"
    assert zone["choices.data"] == {"type": "Data.Query", "dataset": "timeZones"}
    choices = [c["value"] for c in zone["choices"]]
    assert choices[:2] == ["UTC", "America/Argentina/Buenos_Aires"] and zone["value"] == choices[1], \
        "the user's own zone chosen, with its place as title"
    assert zone["choices"][1]["title"] == "Argentina / Buenos Aires"
    assert {"Europe/London", "Asia/Kolkata", "America/New_York"} <= set(choices) and len(choices) < 40
    assert len(json.dumps(message).encode()) < 8 * 1024, "not the 24 KB of every zone in the card"

    async def typed(text: str, **options) -> list[str]:
        status, body = await bot.invoke("application/search", {"queryText": text, "dataset": "timeZones",
                                                               "queryOptions": {"skip": 0, "top": 15, **options}})
        assert status == 200 and body["type"] == "application/vnd.microsoft.search.searchResponse"
        return [found["value"] for found in body["value"]["results"]]

    assert await typed("oslo") == ["Europe/Oslo"]
    assert await typed("New York") == ["America/New_York"]
    assert (await typed("buenos"))[0] == "America/Argentina/Buenos_Aires"
    assert (await typed("kolk"))[0] == "Asia/Kolkata"
    first, second = await typed("america"), await typed("america", skip=15)
    assert len(first) == len(second) == 15 and not set(first) & set(second), "paged, 15 at a time"
    assert await typed("mars") == []
    status, body = await bot.invoke("application/search", {"queryText": 5})
    assert status == 400 and body["error"]["code"] == "BadRequest"
    await bot.send_value({**SETUP, "timeZone": "Pacific/Chatham"})  # one found by typing is taken
    again = {node["id"]: node for node in nodes(card_of((await bot.say("setup"))[0]), of_type("Input."))}["timeZone"]
    assert again["value"] == "Pacific/Chatham" and again["choices"][1] == {"title": "Chatham", "value": "Pacific/Chatham"}


async def test_a_stored_time_zone_outside_the_list_is_kept(bot: Harness):
    await set_up(bot)
    await bot.say("setup")
    await bot.send_value({**SETUP, "timeZone": "US/Eastern", "editing": True})  # a valid IANA alias
    zone = next(n for n in nodes(card_of((await bot.say("setup"))[0]), of_type("Input.")) if n["id"] == "timeZone")
    assert zone["value"] == "US/Eastern" and "US/Eastern" in [c["value"] for c in zone["choices"]]


async def test_a_huge_time_zone_is_refused_without_echoing_it(bot: Harness, connector):
    """A value typed into the filtered list (or forged) is offered back only when it is short: the
    form that comes back stays within a Teams message."""
    form_message = (await bot.say("setup"))[0]
    again = await submit_in_place(bot, connector, form_message, {**SETUP, "timeZone": "Mars/" + "x" * 5000})
    zone = next(n for n in nodes(again, of_type("Input.")) if n["id"] == "timeZone")
    assert all(len(c["value"]) < 100 for c in zone["choices"])
    assert "Unknown time zone" in errors_next_to(again)["timeZone"]
    assert len(json.dumps(again).encode()) < TEAMS_MESSAGE_LIMIT


async def test_an_older_client_gets_its_form_back_as_typed_and_the_shared_card_stays(personal: Harness, connector,
                                                                                   tmp_path):
    """Older Teams clients send Action.Submit for an Action.Execute button: the presser gets their card
    back, as typed, in a reply; the card message everyone shares is not touched."""
    bot = personal
    card = await ready(bot)
    before = await stored(tmp_path, bot, "session:data-migration")
    answers = {"day": (date.fromisoformat(GO_LIVE) + timedelta(days=2)).isoformat(), "time": "10:30"}
    schedule = execute_actions(card)["agenda.schedule"]
    updates = len(connector.updates)
    replies = await bot.send_value({**schedule["data"], **answers}, **{"from": ALAN})
    again = shown_card(card_of(replies[-1]), "Schedule")
    assert values(again) == answers
    assert "must be held before go-live" in errors_next_to(again)["time"]
    assert connector.updates[updates:] == [], "the shared card is left as it is"
    assert await stored(tmp_path, bot, "session:data-migration") == before
