"""One project's whole life through the real adapter, as a team lives it: set-up, roles, the series,
one workshop from draft to closed, and post go-live closing the engagement. In each state the
actions it refuses are tried, and every reply the user sees is checked."""

from datetime import datetime, timedelta, timezone

from tests.plugins.botapp import Harness, card_of, card_text
from tests.test_agenda import agenda_card
from tests.test_followup import LONDON, move_start, record_outcomes, schedule_at, soon
from tests.test_lifecycle import EARLY, ENGAGEMENT_CLOSED, said
from tests.test_planning import (ADA, ALAN, ANSWERS, GRACE, KATHERINE, SETUP, execute_actions, give_roles, press,
                                 view)

TITLE = "Data migration strategy"


async def test_a_project_from_set_up_to_post_go_live_closed(personal_bot: Harness):
    bot = personal_bot

    async def text(command: str, who=ALAN) -> str:
        """The text of the one reply a command gets."""
        replies = await bot.say(command, **{"from": who})
        assert len(replies) == 1, [r.get("text") for r in replies]
        reply = replies[0]
        return reply.get("text") or card_text(card_of(reply))

    # Before set-up, commands that need a project say so and offer it.
    assert "set up" in (await text("status", ADA)).lower()
    assert "this chat" in (await text("plan", ADA))

    # Set-up, roles, the series.
    await bot.say("setup", **{"from": ADA})
    saved = card_text(card_of((await bot.send_value(SETUP, **{"from": ADA}))[-1]))
    assert "Project set up" in saved and "roster" in saved
    await give_roles(bot)
    assert (await text("agenda data migration")).startswith(f"{TITLE} is not in the project's series")
    await bot.say("plan", **{"from": ALAN})
    series = card_of((await bot.send_value(ANSWERS, **{"from": ALAN}))[-1])
    assert "Here is the recommended series" in card_text(series)
    _, refused = await press(bot, series, "plan.approve", KATHERINE)
    assert said(refused) == "Only a solution architect can approve the series."
    _, approved = await press(bot, series, "plan.approve", GRACE)
    assert "Series approved." in said(approved)

    # Draft: nothing to check in to, outcomes need a confirmation, it cannot be closed.
    card = await agenda_card(bot)
    assert "**Draft**" in card_text(card)
    assert await text("checkin data migration", KATHERINE) == (
        f"{TITLE} is not scheduled yet, so there is nothing to check in to.")
    _, edit = await press(bot, card, "agenda.edit", KATHERINE, **{"minutes:t1": "30"})
    assert said(edit) == "Only leads, solution architects and project managers can change the agenda."
    early = await record_outcomes(bot)
    assert EARLY in said(early) and "Record outcomes anyway" in str(early["value"])

    # Scheduled and approved: check-in opens shortly before the start.
    start = soon(30).replace(second=0, microsecond=0)
    card = await schedule_at(bot, card, start, confirmed=True)
    assert "Time saved" in card_text(card)
    local = f"on {start.astimezone(LONDON):%a %d %b %Y at %H:%M} (Europe/London)"
    assert await text("checkin data migration", KATHERINE) == (
        f"{TITLE} starts {local}. Check-in opens 15 minutes before the start.")
    graces = await view(bot, card, GRACE)
    _, agenda_approved = await press(bot, graces, "agenda.approve", GRACE)
    assert "Agenda approved." in said(agenda_approved)
    _, again = await press(bot, graces, "agenda.approve", GRACE)  # the card from before, pressed again
    assert "This card was out of date, so nothing changed." in said(again) and "Approved by Grace" in said(again)
    _, answered = await press(bot, card, "agenda.rsvp", KATHERINE, response="accept")
    assert "Thanks, your answer is saved." in said(answered)
    card = agenda_approved["value"]  # the card as it is now

    # Running: RSVPs and agenda changes are closed; check-in is open.
    await move_start(bot, (datetime.now(LONDON) - timedelta(minutes=5)).astimezone(timezone.utc))
    _, rsvp = await press(bot, card, "agenda.rsvp", GRACE, response="tentative")
    assert f"{TITLE} is under way, so RSVPs are closed." in said(rsvp)
    _, edit = await press(bot, card, "agenda.edit", ALAN, **{"minutes:t1": "30"})
    assert "so its agenda can no longer change." in said(edit)
    assert (await text("checkin", KATHERINE)).startswith(f"Checked in to {TITLE}: present since")
    assert "**Running now**" in card_text(await agenda_card(bot))

    # Held: outcomes recorded; nothing about the meeting can change any more.
    held = await record_outcomes(bot)
    assert "Outcomes recorded." in said(held) and "Held" in said(held)
    _, rsvp = await press(bot, card, "agenda.rsvp", GRACE, response="decline")
    assert f"{TITLE} has been held, so it takes no more RSVPs." in said(rsvp)
    _, moved = await press(bot, card, "agenda.schedule", ALAN, day=(start + timedelta(days=7)).strftime("%Y-%m-%d"),
                           time="10:00", confirmed=True)
    assert f"{TITLE} has been held, so it can no longer be rescheduled." in said(moved)
    plan = card_of((await bot.say("plan", **{"from": ALAN}))[-1])
    _, removed = await press(bot, plan, "plan.change", ALAN, workshopId="data-migration", include="remove",
                             reason="Not needed")
    assert "so it stays in the series" in said(removed)
    status = await text("status")
    assert "**Not ready for go-live**: 1 high-priority risk or issue open." in status

    # Closed: no check-ins, no RSVPs, closing twice says so.
    _, closed = await press(bot, held["value"], "session.close", ALAN)
    assert "Workshop closed." in said(closed)
    _, twice = await press(bot, held["value"], "session.close", ALAN)
    assert "already closed" in said(twice)
    assert await text("checkin data migration", KATHERINE) == f"{TITLE} is closed, so check-in is closed too."
    _, rsvp = await press(bot, card, "agenda.rsvp", GRACE, response="accept")
    assert f"{TITLE} is closed, so it takes no more RSVPs." in said(rsvp)
    assert "agenda.rsvp" not in execute_actions(await agenda_card(bot))

    # Post go-live closes the engagement; the series can no longer change.
    await agenda_card(bot, "post go live")
    final = await record_outcomes(bot, name="post go live", confirmed=True, accomplishments="Live on time",
                                  lessons="Start data migration earlier", assessment="Stable")
    assert "Lessons learned" in said(final)
    _, done = await press(bot, final["value"], "session.close", ALAN)
    assert "Post go-live is closed: the engagement is complete." in said(done)
    plan = card_of((await bot.say("plan", **{"from": ALAN}))[-1])
    _, added = await press(bot, plan, "plan.change", ALAN, workshopId="user-experience", include="add",
                           reason="Late UX review")
    assert ENGAGEMENT_CLOSED in said(added)
    assert await text("plan again") == ENGAGEMENT_CLOSED
    assert "Engagement closed" in await text("status")
    assert not any("went wrong" in (a.get("text") or "") for a in bot.connector.sent), "no turn failed on the way"
