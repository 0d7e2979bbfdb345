"""Workshop agendas through the real adapter: the card, tailoring, approval, RSVPs, scheduling and
the calendar invitation."""

import asyncio
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

import icalendar
import pytest

from tests.plugins.botapp import Harness, card_of, card_text, nodes, of_type
from tests.test_planning import (ADA, ALAN, ANSWERS, GO_LIVE, GRACE, KATHERINE, execute_invoke, give_roles,
                                 execute_actions, press, set_up, view)

DATA_MIGRATION = "data-migration"


async def agenda_card(bot: Harness, name: str = "data migration", who=ADA) -> dict:
    return card_of((await bot.say(f"agenda {name}", **{"from": who}))[-1])


async def ready(bot: Harness) -> dict:
    """A project with roles and an approved plan; returns the data migration agenda card."""
    await set_up(bot)
    await give_roles(bot)
    await bot.say("plan")
    await bot.send_value(ANSWERS)
    return await agenda_card(bot)


def links(card: dict) -> dict:
    return {a["title"]: a["url"] for a in nodes(card, of_type("Action.OpenUrl"))}


def future_day(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


@pytest.fixture
async def bot(personal_bot):
    return personal_bot


async def test_agenda_needs_a_project_and_a_planned_workshop(bot: Harness):
    assert "needs a project" in card_text(card_of((await bot.say("agenda cutover"))[0]))
    await set_up(bot)
    assert "not in the project's series" in (await bot.say("agenda cutover"))[0]["text"]
    await give_roles(bot)
    await bot.say("plan")
    await bot.send_value(ANSWERS)
    assert "don't know a workshop" in (await bot.say("agenda nonsense"))[0]["text"]
    assert "not in the project's series" in (await bot.say("agenda user experience"))[0]["text"]


async def test_agenda_card_shows_purpose_topics_attendees_status_and_pre_reading(bot: Harness):
    card = await ready(bot)
    shown = card_text(card)
    assert "Data migration strategy" in shown and "Draft" in shown and "Not scheduled yet" in shown
    for topic in ("Migration strategy and general information", "Data volume", "Multithreading", "Testing"):
        assert topic in shown
    assert "**Mandatory:** Grace Hopper" in shown, "resolved from the roster by role"
    assert "Mandatory roles nobody holds: **Technical lead**" in shown
    assert "You have not answered yet." in shown
    assert links(card)["Pre-reading"].endswith("data-management-configuration-data-migration")
    assert card["refresh"]["action"]["verb"] == "agenda.refresh"
    assert card["refresh"]["userIds"] == ["29:user2"]


async def test_rsvps_are_recorded_and_each_person_sees_their_own(bot: Harness, connector):
    card = await ready(bot)
    _, mine = await press(bot, card, "agenda.rsvp", GRACE, response="accept")
    assert "Your answer: **Accepted**" in card_text(mine["value"])
    _, theirs = await press(bot, card, "agenda.rsvp", ALAN, response="decline")
    shown = card_text(theirs["value"])
    assert "Your answer: **Declined**" in shown
    assert "Accepted: Grace Hopper" in shown and "Declined: Alan Turing" in shown
    # The message everyone sees is updated, without anyone's personal answer on it.
    everyone = card_text(card_of(connector.updates[-1]))
    assert "Declined: Alan Turing" in everyone and "Your answer" not in everyone
    # Teams asks for each person's view through the refresh verb.
    refresh = card["refresh"]["action"]
    value = {"action": {"type": "Action.Execute", "verb": refresh["verb"], "data": refresh["data"]}}
    response = await bot.post(bot.activity("invoke", name="adaptiveCard/action", value=value, **{"from": GRACE}))
    assert "Your answer: **Accepted**" in card_text((await response.json())["value"])



async def test_each_persons_own_view_offers_only_what_their_roles_allow(bot: Harness, connector):
    """Katherine (no role) answers and sees only the answers; Alan (a lead) may also edit and schedule;
    Grace (the architect) may approve too. The message everyone shares keeps every button."""
    card = await ready(bot)
    shaping = {"agenda.edit", "agenda.schedule"}
    _, katherines = await press(bot, card, "agenda.rsvp", KATHERINE, response="accept")
    offered = set(execute_actions(katherines["value"]))
    assert {"agenda.rsvp"} <= offered and not (shaping | {"agenda.approve"}) & offered
    assert "Edit agenda" not in str(katherines["value"]) and "Your answer: **Accepted**" in card_text(
        katherines["value"])
    alans = set(execute_actions(await view(bot, card, ALAN)))
    assert shaping <= alans and "agenda.approve" not in alans
    assert shaping | {"agenda.approve"} <= set(execute_actions(await view(bot, card, GRACE)))
    assert shaping | {"agenda.approve"} <= set(execute_actions(card_of(connector.updates[-1])))
    # A button from the shared card is still refused on the server, with the reason.
    _, refused = await press(bot, card, "agenda.edit", KATHERINE, newTitle="Mine", newMinutes="5")
    assert "Only leads" in str(refused)


async def test_answers_within_the_update_window_make_one_update_drawn_once(bot: Harness, connector):
    """Ten people answer within CARD_UPDATE_SECONDS: each gets their answer at once, and the message
    everyone shares is updated once, with all ten on it."""
    card = await ready(bot)
    connector.updates.clear()
    people = [{"id": f"29:p{n}", "name": f"Person {n}", "aadObjectId": f"aad-p{n}"} for n in range(10)]
    answers = await asyncio.gather(*(bot.post(execute_invoke(bot, card, "agenda.rsvp", p, response="decline"))
                                     for p in people))
    assert [a.status for a in answers] == [200] * 10
    assert connector.updates == [], "the shared card waits for more answers"
    await bot.card_updates_sent()
    assert len(connector.updates) == 1
    assert "Accepted: 0 · Tentative: 0 · Declined: 10" in card_text(card_of(connector.updates[0]))


async def test_answers_do_not_wait_for_everyones_card_and_only_the_newest_is_sent(app_client, connector):
    """Teams is slow to take the first update of the card (sent at once here: no update window): ten
    people answering meanwhile get their answers at once, and the message is then updated once more,
    with all ten on it."""
    bot = Harness(await app_client(card_update_seconds=0), connector, "channel")
    card = await ready(bot)
    connector.updates.clear()
    connector.update_gate = asyncio.Event()
    people = [{"id": f"29:p{n}", "name": f"Person {n}", "aadObjectId": f"aad-p{n}"} for n in range(10)]
    try:
        first = await bot.post(execute_invoke(bot, card, "agenda.rsvp", people[0], response="accept"))
        assert first.status == 200 and "Your answer: **Accepted**" in card_text((await first.json())["value"])
        answers = await asyncio.gather(*(bot.post(execute_invoke(bot, card, "agenda.rsvp", p, response="decline"))
                                         for p in people[1:]))
        assert [a.status for a in answers] == [200] * 9
        assert connector.updates == [], "every answer came back while the first update was still held"
    finally:
        connector.update_gate.set()
    await bot.card_updates_sent()
    assert len(connector.updates) == 2, "the first update, then only the newest of the nine after it"
    assert all(update["id"] == "card-message-1" for update in connector.updates)
    assert "Accepted: 1 · Tentative: 0 · Declined: 9" in card_text(card_of(connector.updates[-1]))


async def test_viewing_a_card_stores_nothing_and_each_viewer_sees_their_own_answer(bot: Harness):
    """Teams asks for each viewer's card (refresh.userIds) whenever it changed: sixty views must not
    cost sixty writes."""
    from app import STORE
    from dialogs.context import project_key
    from store import PROJECT_DATA, storage_id
    from bot.web import read_activity

    card = await ready(bot)
    await press(bot, card, "agenda.rsvp", GRACE, response="accept")
    store = bot.client.server.app[STORE]
    project = project_key(read_activity(bot.activity("message")))
    partitions = (project, storage_id(f"dedupe|{bot.place['conversation']['id']}"))

    async def stored() -> list:
        return [await store.query(PROJECT_DATA, partition) for partition in partitions]

    before = await stored()
    views = await asyncio.gather(*(press(bot, card, "agenda.refresh", who) for who in (GRACE, ALAN) * 30))
    assert [status for status, _ in views] == [200] * 60
    assert "Your answer: **Accepted**" in card_text(views[0][1]["value"])
    assert "You have not answered yet." in card_text(views[1][1]["value"])
    assert await stored() == before

async def test_concurrent_rsvps_are_all_kept(bot: Harness, connector):
    card = await ready(bot)
    people = [{"id": f"29:p{n}", "name": f"Person {n}", "aadObjectId": f"aad-{n}"} for n in range(25)]
    await asyncio.gather(*(press(bot, card, "agenda.rsvp", p, response="tentative") for p in people))
    _, body = await press(bot, card, "agenda.rsvp", GRACE, response="accept")
    assert "Tentative: 25" in card_text(body["value"])


async def test_only_a_solution_architect_approves_and_a_change_needs_approval_again(bot: Harness):
    card = await ready(bot)
    _, refused = await press(bot, card, "agenda.approve", ALAN)
    assert refused["value"] == "Only a solution architect can approve the agenda."
    _, approved = await press(bot, card, "agenda.approve", GRACE)
    assert "Approved by Grace Hopper" in card_text(approved["value"])
    _, again = await press(bot, card, "agenda.approve", GRACE)
    assert "out of date" in card_text(again["value"]), "a double click approves once"

    _, edited = await press(bot, approved["value"], "agenda.edit", ALAN, **{
        "keep:t4": "false", "owner:t1": "00000000-0000-0000-0000-000000000003", "minutes:t1": "30",
        "newTitle": "Legacy archive <b>scope</b>", "newOwner": "", "newMinutes": "20"})
    shown = card_text(edited["value"])
    assert "Awaiting approval" in shown and "needs a solution architect's approval" in shown
    assert "Network latency" not in shown.split("**Agenda**")[1].split("**Mandatory")[0], "dropped topic"
    assert "Migration strategy and general information (30 min, Alan Turing)" in shown
    assert r"Legacy archive \<b\>scope\</b\> (20 min)" in shown


async def test_agenda_edits_are_for_leads_and_checked(bot: Harness):
    card = await ready(bot)
    _, refused = await press(bot, card, "agenda.edit", KATHERINE, newTitle="x")
    assert refused["value"].startswith("Only leads")
    _, bad = await press(bot, card, "agenda.edit", ALAN, **{"minutes:t1": "-5"})
    assert "minutes must be a whole number" in card_text(bad["value"])
    _, stranger = await press(bot, card, "agenda.edit", ALAN, **{"owner:t1": "not-on-roster"})
    assert "not on the roster" in card_text(stranger["value"])


@pytest.mark.parametrize("day, time_, reason", [
    ("2020-01-01", "10:00", "in the past"),
    ("not-a-date", "10:00", "real date"),
    (None, "25:99", "real date"),
])
async def test_schedule_refuses_bad_times(bot: Harness, day, time_, reason):
    card = await ready(bot)
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=day or future_day(10), time=time_)
    assert reason in card_text(body["value"])
    assert "Not scheduled yet" in card_text(body["value"])


async def test_pre_go_live_workshops_must_be_before_go_live_and_post_go_live_after(bot: Harness):
    card = await ready(bot)
    go_live = date.fromisoformat(GO_LIVE)
    _, late = await press(bot, card, "agenda.schedule", ALAN, day=(go_live + timedelta(days=2)).isoformat(),
                          time="10:00")
    assert "must be held before go-live" in card_text(late["value"])
    post = await agenda_card(bot, "post go live")
    _, early = await press(bot, post, "agenda.schedule", ALAN, day=future_day(20), time="10:00")
    assert "must be on or after go-live" in card_text(early["value"])


async def test_scheduling_shows_local_time_and_serves_a_signed_calendar_invitation(bot: Harness):
    card = await ready(bot)
    day = future_day(30)
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=day, time="14:30", confirmed=True)
    scheduled = body["value"]
    shown = card_text(scheduled)
    assert "14:30 to 17:30 (Europe/London)" in shown, "shown in the team's time zone"
    url = links(scheduled)["Add to calendar"]
    parts = urlsplit(url)
    response = await bot.client.get(f"{parts.path}?{parts.query}")
    assert response.status == 200
    assert response.content_type == "text/calendar"
    calendar = icalendar.Calendar.from_ical(await response.read())
    event = next(iter(calendar.walk("VEVENT")))
    start = event.decoded("DTSTART")
    london = datetime.fromisoformat(f"{day}T14:30").replace(tzinfo=__import__("zoneinfo").ZoneInfo("Europe/London"))
    assert start == london.astimezone(timezone.utc)
    assert event.decoded("DTEND") - start == timedelta(hours=3)
    assert "Data migration strategy" in str(event["SUMMARY"])
    description = str(event["DESCRIPTION"])
    assert "Migration strategy and general information" in description and "Pre-reading:" in description


@pytest.mark.parametrize("mangle", [
    lambda q: q.replace("token=", "token=1"),
    lambda q: "token=9999999999.forged",
    lambda q: "",
    lambda q: "token=1.abc",
])
async def test_calendar_links_refuse_forged_or_expired_tokens(bot: Harness, mangle):
    card = await ready(bot)
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=future_day(30), time="09:00",
                          confirmed=True)
    parts = urlsplit(links(body["value"])["Add to calendar"])
    response = await bot.client.get(f"{parts.path}?{mangle(parts.query)}")
    assert response.status == 403
    assert "not valid or has expired" in (await response.json())["error"]["message"]


async def test_a_calendar_link_is_scoped_to_its_workshop(bot: Harness):
    card = await ready(bot)
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=future_day(30), time="09:00",
                          confirmed=True)
    parts = urlsplit(links(body["value"])["Add to calendar"])
    other = parts.path.replace("data-migration.ics", "cutover.ics")
    assert (await bot.client.get(f"{other}?{parts.query}")).status == 403


async def test_agenda_cards_parse_clean(bot: Harness):
    from tests.plugins.botapp import parse_cards

    card = await ready(bot)
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=future_day(30), time="09:00",
                          confirmed=True)
    _, approved = await press(bot, await view(bot, body["value"], GRACE), "agenda.approve", GRACE)
    results = parse_cards([("draft", card), ("scheduled", body["value"]), ("approved", approved["value"])])
    assert {k: v for k, v in results.items() if v} == {}
