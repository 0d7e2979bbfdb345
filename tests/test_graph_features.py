"""Features that use Microsoft Graph, through the real bot against the local Graph stand-in: the
attendance report imported by hand, and pinning tabs (the calendar event is in tests/test_meeting.py)."""

from datetime import datetime, timedelta, timezone

import pytest

from tests.plugins.botapp import Harness, aad, card_of, card_text
from tests.test_agenda import future_day, ready
from tests.test_planning import ALAN, execute_actions, press, view


@pytest.fixture
async def bot(app_client, connector, graph) -> Harness:
    connector.clear()
    return Harness(await app_client(graph=graph.client), connector, "channel")


async def schedule(bot: Harness, day: str) -> dict:
    card = await ready(bot)
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=day, time="14:30", confirmed=True)
    return body["value"]


async def test_attendance_is_imported_from_the_meeting_report(bot: Harness, graph):
    from tests.test_followup import move_start

    await schedule(bot, future_day(30))
    (meeting_id,) = graph.server.meetings
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
    await move_start(bot, start)  # the meeting has taken place: its report is there to import
    graph.server.add_report(meeting_id, start.isoformat().replace("+00:00", "Z"), [
        {"identity": {"id": aad(2), "displayName": "Grace Hopper"}, "emailAddress": "grace@contoso.example",
         "totalAttendanceInSeconds": 3600,
         "attendanceIntervals": [{"joinDateTime": start.isoformat().replace("+00:00", "Z"),
                                  "leaveDateTime": (start + timedelta(hours=1)).isoformat().replace("+00:00", "Z"),
                                  "durationInSeconds": 3600}]}])
    card = card_of((await bot.say("attendance data migration", **{"from": ALAN}))[0])
    assert "attendance.import" in execute_actions(card)
    _, body = await press(bot, card, "attendance.import", ALAN)
    shown = card_text(body["value"])
    assert "Imported 1 attendance record from the Teams meeting." in shown
    assert "Mandatory roles present: Solution architect" in shown


async def test_approving_an_agenda_pins_its_tab_in_the_channel_once(bot: Harness, graph, connector):
    import asyncio

    from tests.test_planning import GRACE

    team = bot.place["channelData"]["team"]["id"]
    graph.server.install_app(team, external_id="")
    card = await ready(bot)
    _, approved = await press(bot, card, "agenda.approve", GRACE)
    for _ in range(100):  # the pin runs after the invoke is answered
        if any("pinned" in card_text(card_of(a)).lower() for a in connector.sent if a.get("attachments")):
            break
        await asyncio.sleep(0.05)
    tabs = graph.server.graph_requests("POST", "/tabs")
    assert len(tabs) == 1
    assert tabs[0].body["displayName"] == "Data migration strategy"
    assert "/tabs/workshop/data-migration" in tabs[0].body["configuration"]["contentUrl"]
    # Changed and approved again: the tab exists already, so no second one.
    _, edited = await press(bot, approved["value"], "agenda.edit", ALAN, newTitle="Archive scope", newMinutes="10")
    await press(bot, await view(bot, edited["value"], GRACE), "agenda.approve", GRACE)
    await asyncio.sleep(0.3)
    assert len(graph.server.graph_requests("POST", "/tabs")) == 1
