"""A workshop's life through the real adapter: what each state refuses, and what it says instead
(workshops/lifecycle.py); series changes that keep their reasons; scheduling that asks first; and
the open actions card that refreshes for each viewer."""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from catalog import default_catalog
from tests.plugins.botapp import Harness, card_of, card_text, nodes, of_type
from tests.test_agenda import agenda_card, future_day, ready
from tests.test_followup import (form_values, move_start, outcome_answers, record_outcomes, running, schedule_at,
                                 soon)
from tests.test_planning import ALAN, ANSWERS, GO_LIVE, GRACE, KATHERINE, ADA, SETUP, execute_actions, press
from workshops.recommend import profile_from_answers, recommend

LONDON = ZoneInfo("Europe/London")
EARLY = "The workshop has not started yet. Record outcomes anyway?"
ENGAGEMENT_CLOSED = "Post go-live is closed, so the engagement is complete and its series can no longer change."


@pytest.fixture
async def bot(personal_bot):
    return personal_bot


def said(body: dict) -> str:
    """What an invoke answer shows: a card's text, or a plain message."""
    value = body["value"]
    return card_text(value) if isinstance(value, dict) else value


def at_london(start: datetime) -> str:
    return f"on {start.astimezone(LONDON):%a %d %b %Y at %H:%M} (Europe/London)"


def minute(start: datetime) -> datetime:
    """As scheduled: the form takes hours and minutes."""
    return start.replace(second=0, microsecond=0)


async def closed_workshop(bot: Harness) -> dict:
    """Data migration, held and closed; returns its agenda card from before (RSVP buttons and all)."""
    card = await running(bot)
    summary = (await record_outcomes(bot))["value"]
    _, closed = await press(bot, summary, "session.close", ALAN)
    assert "Workshop closed." in card_text(closed["value"])
    return card


async def plan_card(bot: Harness) -> dict:
    return card_of((await bot.say("plan"))[-1])


# A session's states ----------------------------------------------------------------------------

async def test_a_closed_workshop_takes_no_rsvps_and_its_counts_stay(bot: Harness):
    old = await closed_workshop(bot)
    _, body = await press(bot, old, "agenda.rsvp", KATHERINE, response="tentative")
    shown = said(body)
    assert "Data migration strategy is closed, so it takes no more RSVPs." in shown
    assert "Accepted: 0 · Tentative: 0 · Declined: 0" in shown
    fresh = await agenda_card(bot)
    assert "**Closed**" in card_text(fresh) and "Tentative: 0" in card_text(fresh)
    assert "agenda.rsvp" not in execute_actions(fresh) and "attendance.checkin" not in execute_actions(fresh)


async def test_a_closed_workshop_takes_no_check_ins(bot: Harness):
    old = await closed_workshop(bot)
    reply = (await bot.say("checkin data migration", **{"from": KATHERINE}))[0]["text"]
    assert reply == "Data migration strategy is closed, so check-in is closed too."
    _, body = await press(bot, old, "attendance.checkin", KATHERINE)
    assert body["value"] == "Data migration strategy is closed, so check-in is closed too."
    assert (await bot.say("checkin", **{"from": KATHERINE}))[0]["text"].startswith("No workshop is running")
    shown = card_text(card_of((await bot.say("attendance data migration", **{"from": ALAN}))[0]))
    assert "Katherine Johnson" not in shown, "nobody was checked in"


async def test_rsvps_close_when_the_workshop_starts(bot: Harness):
    card = await running(bot)
    _, body = await press(bot, card, "agenda.rsvp", KATHERINE, response="accept")
    assert ("Data migration strategy is under way, so RSVPs are closed. If you are there, check in with I'm here."
            in said(body))
    fresh = await agenda_card(bot)
    assert "**Running now**" in card_text(fresh)
    assert "agenda.rsvp" not in execute_actions(fresh) and "attendance.checkin" in execute_actions(fresh)


async def test_outcomes_before_the_start_ask_first_and_keep_what_was_typed(bot: Harness):
    card = await ready(bot)
    start = minute(datetime.now(LONDON) + timedelta(days=30)).replace(hour=10, minute=0)
    await schedule_at(bot, card, start, confirmed=True)
    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[0])
    _, asked = await press(bot, form, "outcome.save", ALAN, **outcome_answers())
    question = asked["value"]
    assert EARLY in card_text(question)
    assert form_values(question)["summary"] == "Agreed the migration approach.", "what was typed is kept"
    anyway = execute_actions(question)["outcome.save"]
    assert anyway["title"] == "Record outcomes anyway" and anyway["data"]["confirmed"] is True
    assert "**Awaiting approval**" in card_text(await agenda_card(bot)), "nothing recorded yet"

    _, recorded = await press(bot, question, "outcome.save", ALAN, **form_values(question))
    assert "Outcomes recorded." in card_text(recorded["value"]) and "Held" in card_text(recorded["value"])


async def test_a_workshop_cannot_be_closed_before_it_started(bot: Harness):
    card = await ready(bot)
    start = minute(datetime.now(LONDON) + timedelta(days=30)).replace(hour=10, minute=0)
    await schedule_at(bot, card, start, confirmed=True)
    summary = (await record_outcomes(bot, confirmed=True))["value"]
    _, body = await press(bot, summary, "session.close", ALAN)
    assert body["value"] == (f"Data migration strategy has not started yet (it starts {at_london(start)}), so it "
                             "cannot be closed. Close it once it has taken place.")
    assert "**Held**" in card_text(await agenda_card(bot))


async def test_a_workshop_without_outcomes_cannot_be_closed(bot: Harness):
    await running(bot)
    value = {"action": {"type": "Action.Execute", "verb": "session.close", "data": {"workshopId": "data-migration"}}}
    response = await bot.post(bot.activity("invoke", name="adaptiveCard/action", value=value, **{"from": ALAN}))
    assert (await response.json())["value"] == ("Data migration strategy has no outcomes yet: record them with "
                                                "“outcomes data-migration”, then close it.")


async def test_check_in_opens_fifteen_minutes_before_and_the_refusal_says_when_it_starts(bot: Harness):
    start = minute(soon(30))
    await schedule_at(bot, await ready(bot), start, confirmed=True)
    reply = (await bot.say("checkin data migration", **{"from": GRACE}))[0]["text"]
    assert reply == (f"Data migration strategy starts {at_london(start)}. Check-in opens 15 minutes before the "
                     "start.")
    assert (await bot.say("checkin", **{"from": GRACE}))[0]["text"].startswith("No workshop is running right now.")

    await move_start(bot, datetime.now(timezone.utc) + timedelta(minutes=8))
    reply = (await bot.say("checkin", **{"from": GRACE}))[0]["text"]
    assert reply.startswith("Checked in to Data migration strategy: present since"), "8 minutes early is on time"


async def test_a_check_in_more_than_ten_minutes_after_the_start_is_late(bot: Harness):
    await running(bot, minutes_ago=9)
    reply = (await bot.say("checkin data migration", **{"from": GRACE}))[0]["text"]
    assert reply.startswith("Checked in to Data migration strategy: present since")
    await move_start(bot, datetime.now(timezone.utc) - timedelta(minutes=12))
    reply = (await bot.say("checkin data migration", **{"from": KATHERINE}))[0]["text"]
    assert reply.startswith("Checked in to Data migration strategy: late since")


async def test_after_the_end_check_in_sends_you_to_a_lead(bot: Harness):
    await running(bot)
    start = minute(datetime.now(timezone.utc) - timedelta(hours=4))
    await move_start(bot, start)
    reply = (await bot.say("checkin data migration", **{"from": GRACE}))[0]["text"]
    assert reply == (f"Data migration strategy ended {at_london(start + timedelta(hours=3))}. Ask a lead to mark "
                     "your attendance with “attendance data-migration”.")


async def test_a_held_agenda_cannot_be_edited_or_rescheduled(bot: Harness):
    card = await running(bot)
    await record_outcomes(bot)
    _, edited = await press(bot, card, "agenda.edit", ALAN, **{"minutes:t1": "30"})
    assert "Data migration strategy has been held, so its agenda can no longer change." in said(edited)
    _, moved = await press(bot, card, "agenda.schedule", ALAN, day=future_day(40), time="10:00", confirmed=True)
    assert "Data migration strategy has been held, so it can no longer be rescheduled." in said(moved)
    _, answered = await press(bot, card, "agenda.rsvp", KATHERINE, response="accept")
    assert "Data migration strategy has been held, so it takes no more RSVPs." in said(answered)
    fresh = await agenda_card(bot)
    assert "**Held**" in card_text(fresh)
    assert not {"agenda.edit", "agenda.schedule", "agenda.approve", "agenda.rsvp"} & set(execute_actions(fresh))
    assert not [a for a in nodes(fresh, of_type("Action.ShowCard"))], "no Edit agenda or Schedule forms"


async def test_a_running_agenda_cannot_be_edited(bot: Harness):
    card = await running(bot)
    _, edited = await press(bot, card, "agenda.edit", ALAN, **{"minutes:t1": "30"})
    assert "Data migration strategy started on" in said(edited)
    assert "so its agenda can no longer change." in said(edited)


async def test_attendance_is_recorded_from_when_check_in_opens(bot: Harness):
    start = minute(datetime.now(LONDON) + timedelta(days=30)).replace(hour=10, minute=0)
    await schedule_at(bot, await ready(bot), start, confirmed=True)
    card = card_of((await bot.say("attendance data migration", **{"from": ALAN}))[0])
    assert "attendance.save" not in execute_actions(card), "nothing to record yet"
    value = {"action": {"type": "Action.Execute", "verb": "attendance.save",
                        "data": {"workshopId": "data-migration", "shown": {}}}}
    response = await bot.post(bot.activity("invoke", name="adaptiveCard/action", value=value, **{"from": ALAN}))
    assert (f"Data migration strategy starts {at_london(start)}. Attendance can be recorded from 15 minutes "
            "before the start.") in card_text((await response.json())["value"])


# The series -----------------------------------------------------------------------------------

async def test_a_closed_engagement_takes_no_new_workshops(bot: Harness):
    await ready(bot)
    await agenda_card(bot, "post go live")
    summary = (await record_outcomes(bot, name="post go live", confirmed=True, accomplishments="Live"))["value"]
    _, closed = await press(bot, summary, "session.close", ALAN)
    assert "the engagement is complete" in card_text(closed["value"])
    _, body = await press(bot, await plan_card(bot), "plan.change", ALAN, workshopId="user-experience",
                          include="add", reason="Late UX review")
    assert ENGAGEMENT_CLOSED in said(body)
    assert "User experience design" in card_text(body["value"]).split("Not in the series")[1]
    assert (await bot.say("plan again", **{"from": ALAN}))[0]["text"] == ENGAGEMENT_CLOSED


async def test_a_held_workshop_cannot_be_removed_from_the_series(bot: Harness):
    await running(bot)
    await record_outcomes(bot)
    _, body = await press(bot, await plan_card(bot), "plan.change", ALAN, workshopId="data-migration",
                          include="remove", reason="Not needed")
    shown = said(body)
    assert ("Data migration strategy has been held, so it stays in the series: its outcomes, attendance and risks "
            "are part of the engagement's record.") in shown
    assert "Data migration strategy" in shown.split("**Not in the series**")[0].split("Awaiting approval")[-1], (
        "still in the series")


async def test_answering_the_questions_again_keeps_a_held_workshop(bot: Harness):
    await running(bot)
    await record_outcomes(bot)
    await bot.say("plan again", **{"from": ALAN})
    card = card_of((await bot.send_value({**ANSWERS, "migration_volume": "none", "migration_sources": "", "migrated": ""}, **{"from": ALAN}))[-1])
    series = card_text(card).split("**Not in the series**")[0]
    assert "Data migration strategy" in series and "Held or under way: it stays in the series" in series


async def test_not_in_the_series_shows_who_removed_a_workshop_and_why(bot: Harness):
    await ready(bot)
    _, body = await press(bot, await plan_card(bot), "plan.change", ALAN, workshopId="gap-solution",
                          include="remove", reason="An ISV module covers the gaps")
    left_out = card_text(body["value"]).split("**Not in the series**")[1].split("**Changes**")[0]
    assert (f"Gap solution design: removed by Alan Turing on {date.today().isoformat()}: An ISV module covers "
            "the gaps") in left_out
    assert "gap requirements not met" not in left_out, "not the original recommendation's reason"


async def test_status_says_where_every_open_risk_comes_from_removed_workshops_included(bot: Harness):
    await running(bot)
    await record_outcomes(bot)  # a high-priority risk
    await agenda_card(bot, "gap")
    await press(bot, await plan_card(bot), "plan.change", ALAN, workshopId="gap-solution", include="remove",
                reason="An ISV module covers the gaps")
    await record_outcomes(bot, name="gap", confirmed=True, **{"finding:new1:priority": "medium",
                                                              "finding:new2:text": "ISV licence cost",
                                                              "finding:new2:kind": "issue",
                                                              "finding:new2:priority": "low"})
    status = card_text(card_of((await bot.say("status"))[0]))
    assert "High: 1 · Medium: 1 · Low: 1" in status
    assert "Data migration strategy: 1 high" in status
    assert "Gap solution design (no longer in the series): 1 medium, 1 low" in status


# Scheduling ----------------------------------------------------------------------------------------

def window() -> tuple[date, date]:
    """The data migration workshop's recommended window: the week the plan's schedule holds it in
    (workshops/schedule.py)."""
    project = {"products": SETUP["products"].split(","), "goLive": GO_LIVE, "phase": SETUP["phase"]}
    profile = profile_from_answers(ANSWERS, project=project, today=date.today())
    item = next(r for r in recommend(profile, default_catalog(), today=date.today())
                if r.workshop_id == "data-migration")
    return item.window_start, item.window_end


def weekday_in_window(weekend: bool = False) -> date:
    day = window()[0]
    while (day.weekday() >= 5) != weekend:
        day += timedelta(days=1)
    return day


async def test_a_time_outside_the_recommended_window_is_asked_about_then_saved(bot: Harness):
    card = await ready(bot)
    first, last = window()
    day = last + timedelta(days=40)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=day.isoformat(), time="10:00")
    shown = card_text(body["value"])
    assert (f"{day:%d %b %Y} is outside the plan's recommended window for this workshop ({first:%d %b %Y} to "
            f"{last:%d %b %Y}). Schedule it anyway?") in shown
    assert "Not scheduled yet" in shown, "nothing saved before confirming"
    anyway = next(a for a in nodes(body["value"], of_type("Action.Execute")) if a["title"] == "Schedule anyway")
    assert anyway["data"]["confirmed"] is True and anyway["data"]["day"] == day.isoformat()
    value = {"action": {"type": "Action.Execute", "verb": "agenda.schedule", "data": anyway["data"]}}
    response = await bot.post(bot.activity("invoke", name="adaptiveCard/action", value=value, **{"from": ALAN}))
    saved = await response.json()
    assert "Time saved." in card_text(saved["value"]) and f"{day:%a %d %b %Y}, 10:00" in card_text(saved["value"])


async def test_a_time_outside_working_hours_or_on_a_weekend_is_asked_about(bot: Harness):
    card = await ready(bot)
    _, late = await press(bot, card, "agenda.schedule", ALAN, day=weekday_in_window().isoformat(), time="22:00")
    assert ("22:00 to 01:00 is outside working hours (08:00 to 18:00 in Europe/London). Schedule it anyway?"
            in card_text(late["value"]))
    saturday = weekday_in_window(weekend=True)
    _, weekend = await press(bot, card, "agenda.schedule", ALAN, day=saturday.isoformat(), time="10:00")
    assert f"{saturday:%A %d %b} is a weekend day. Schedule it anyway?" in card_text(weekend["value"])
    _, fine = await press(bot, card, "agenda.schedule", ALAN, day=weekday_in_window().isoformat(), time="10:00")
    assert "Time saved." in card_text(fine["value"]), "inside the window and working hours: saved at once"


async def test_the_schedule_form_shows_the_agenda_against_the_session_length(bot: Harness):
    card = await ready(bot)
    schedule_form = next(a["card"] for a in nodes(card, of_type("Action.ShowCard")) if a["title"] == "Schedule")
    assert "The agenda takes 175 minutes of the session's 3 hours." in card_text(schedule_form)
    _, longer = await press(bot, card, "agenda.edit", ALAN, newTitle="Archive", newMinutes="30")
    schedule_form = next(a["card"] for a in nodes(longer["value"], of_type("Action.ShowCard"))
                         if a["title"] == "Schedule")
    assert ("The agenda takes 205 minutes, more than the session's 3 hours: shorten it with Edit agenda."
            in card_text(schedule_form))


# The open actions card --------------------------------------------------------------------------

async def test_the_open_actions_card_refreshes_for_each_viewer_and_a_stale_done_shows_the_list_now(
        bot: Harness, connector):
    await running(bot)
    await record_outcomes(bot)  # "Measure throughput", owned by Alan
    every = card_of((await bot.say("actions all", **{"from": ADA}))[0])
    assert every["refresh"]["action"]["verb"] == "actions.refresh"
    assert set(every["refresh"]["userIds"]) == {"29:user1", "29:user2", "29:user3"}, "the owner and the leads"
    mine = card_of((await bot.say("actions", **{"from": ALAN}))[0])
    _, done = await press(bot, mine, "action.done", ALAN)
    assert "Done: Measure throughput" in card_text(done["value"])
    assert "action.done" not in execute_actions(card_of(connector.updates[-1])), "everyone's copy offers no Done"

    _, refreshed = await press(bot, every, "actions.refresh", ADA)
    assert "Nothing open" in card_text(refreshed["value"]) and "action.done" not in execute_actions(
        refreshed["value"]), "Teams shows Ada the list as it is now"
    _, stale = await press(bot, every, "action.done", ADA)
    shown = card_text(stale["value"])
    assert "Already done: Measure throughput, marked done by Alan Turing on" in shown and "Nothing open" in shown
