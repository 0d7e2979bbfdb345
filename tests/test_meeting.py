"""The workshop inside its Teams meeting, through the real adapter and the Graph stand-in: the calendar
event with the invitees, and the meeting's own events (start, joins, leave, end) giving attendance and
the coverage card without anyone typing a command."""

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from app import BOT, STORE
from dialogs.meeting import END, JOIN, LEAVE, START, meeting_thread
from tests.plugins.botapp import BOT_ID, TENANT, Harness, aad, card_of, card_text, nodes, of_type, user
from tests.test_agenda import future_day, ready
from tests.test_followup import move_start
from tests.test_planning import ADA, ALAN, press, roster_card

KATHERINE = user(4)


@pytest.fixture
async def bot(app_client, connector, graph) -> Harness:
    connector.clear()
    graph.server.catalog[""] = "catalog-local"  # the bot runs without an app id here: its manifest id is ""
    return Harness(await app_client(graph=graph.client), connector, "channel")


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


async def settle_outbox(bot: Harness) -> None:
    """Run the outbox work that is waiting (adding the app to a new meeting's chat), as its loop would."""
    outbox = bot.client.server.app[BOT].services.outbox
    clock = outbox.clock
    outbox.clock = lambda: clock() + timedelta(minutes=2)
    try:
        await outbox.run_due()
    finally:
        outbox.clock = clock


async def scheduled(bot: Harness, day: str = "", settle: bool = True) -> dict:
    """Ready agenda, Katherine a customer stakeholder (recommended), then Alan schedules it (and, with
    `settle`, the outbox work that follows is done)."""
    card = await ready(bot)
    await press(bot, await roster_card(bot), "roster.save", ADA, **{
        f"roles:{aad(2)}": "solution-architect", f"org:{aad(2)}": "partner",
        f"roles:{aad(3)}": "functional-lead", f"org:{aad(3)}": "customer",
        f"roles:{aad(4)}": "customer-stakeholder", f"org:{aad(4)}": "customer"})
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=day or future_day(30), time="14:30",
                          confirmed=True)
    if settle:
        await settle_outbox(bot)
    return body["value"]


def in_meeting(bot: Harness, join_url: str) -> Harness:
    """The meeting's chat, as Teams sends its events: a group chat whose id is the meeting's thread."""
    place = {"conversation": {"id": meeting_thread(join_url), "conversationType": "groupChat", "isGroup": True,
                              "tenantId": TENANT},
             "channelData": {"tenant": {"id": TENANT}, "meeting": {"id": "MCMxOTptZWV0aW5nX3N0YW5kLWlu"}}}
    return Harness(bot.client, bot.connector, "groupChat", place)


async def meeting_event(chat: Harness, name: str, value: dict, **fields) -> dict:
    activity = chat.activity("event", name=name, value=value, **fields)
    response = await chat.post(activity)
    assert response.status in (200, 201), await response.text()
    return activity


def member(who: dict, role: str = "Attendee") -> dict:
    return {"user": {"tenantId": TENANT, "objectId": who["aadObjectId"], **who},
            "meeting": {"inMeeting": True, "role": role}}


async def session_of(bot: Harness) -> dict:
    store = bot.client.server.app[STORE]
    team = bot.place["channelData"]["team"]["id"]
    return await store.get("projects", team, "session:data-migration")


async def test_scheduling_puts_a_teams_meeting_on_the_organisers_calendar_with_the_invitees(bot: Harness, graph):
    card = await scheduled(bot)
    (event,) = graph.server.live_events()
    assert event["organizer"] == aad(3), "on the calendar of the lead who scheduled it"
    assert event["isOnlineMeeting"] is True and event["onlineMeetingProvider"] == "teamsForBusiness"
    invited = {a["emailAddress"]["address"]: a["type"] for a in event["attendees"]}
    assert invited == {"user2@contoso.example": "required", "user4@contoso.example": "optional"}, \
        "mandatory people required, recommended optional, addresses from the Teams members API"
    first_start = event["start"]["dateTime"]
    start = datetime.fromisoformat(first_start + "+00:00")
    assert datetime.fromisoformat(event["end"]["dateTime"] + "+00:00") - start == timedelta(hours=3)
    links = {a["title"]: a["url"] for a in nodes(card, of_type("Action.OpenUrl"))}
    assert links["Join meeting"] == event["onlineMeeting"]["joinUrl"]

    _, moved = await press(bot, card, "agenda.schedule", ALAN, day=future_day(31), time="09:30", confirmed=True)
    assert "Time saved." in card_text(moved["value"])
    (patched,) = graph.server.graph_requests("PATCH", "/events/")
    assert patched.body["start"]["dateTime"] != first_start and patched.body["start"]["dateTime"].endswith("09:30:00")
    assert len(graph.server.live_events()) == 1, "rescheduling moves the event; it makes no second one"


async def test_a_new_meeting_gets_the_app_in_its_chat_with_the_chat_permissions(bot: Harness, graph):
    await scheduled(bot, settle=False)
    (event,) = graph.server.live_events()
    thread = meeting_thread(event["onlineMeeting"]["joinUrl"])
    assert graph.server.chat_apps == {}, "not while the lead waits for the card"
    outbox = bot.client.server.app[BOT].services.outbox
    now = outbox.clock()
    outbox.clock = lambda: now + timedelta(minutes=2)
    assert await outbox.run_due() == 1
    assert graph.server.chat_apps == {thread: {"catalog-local": ["OnlineMeeting.ReadBasic.Chat",
                                                                 "OnlineMeetingParticipant.Read.Chat"]}}


async def test_a_graph_outage_keeps_the_time_and_the_event_is_made_later_once(bot: Harness, graph):
    graph.server.fail_next(10, 503)
    card = await scheduled(bot, settle=False)
    shown = card_text(card)
    assert "Time saved." in shown and "not on the calendar yet" in shown and "14:30" in shown
    assert graph.server.live_events() == []
    graph.server.failures.clear()
    graph.server.fail_next(1, 429, retry_after="0")  # throttled once more, then answered
    outbox = bot.client.app[BOT].services.outbox
    now = outbox.clock()
    outbox.clock = lambda: now + timedelta(minutes=2)
    assert await outbox.run_due() == 1
    assert len(graph.server.live_events()) == 1
    assert await outbox.run_due() == 0, "made once"
    assert (await session_of(bot))["meeting"]["joinUrl"] == graph.server.live_events()[0]["onlineMeeting"]["joinUrl"]


async def test_a_lost_answer_to_the_create_makes_no_second_event(bot: Harness, graph):
    await scheduled(bot)
    (event,) = graph.server.live_events()
    client = bot.client.app[BOT].services.graph
    again = await client.create_event(graph.tenant, aad(3), {k: event[k] for k in (
        "subject", "body", "start", "end", "attendees", "isOnlineMeeting", "onlineMeetingProvider")},
        event["transactionId"])
    assert again["id"] == event["id"] and len(graph.server.live_events()) == 1


async def test_the_meeting_gives_attendance_and_a_coverage_card_with_no_typed_command(bot: Harness, graph,
                                                                                     connector):
    await scheduled(bot)
    (event,) = graph.server.live_events()
    join_url = event["onlineMeeting"]["joinUrl"]
    chat = in_meeting(bot, join_url)
    now = datetime.now(timezone.utc).replace(microsecond=0)

    await move_start(bot, now - timedelta(minutes=2))
    await meeting_event(chat, START, {"Id": "MCMxOTptZWV0aW5n", "JoinUrl": join_url, "Title": event["subject"],
                                      "MeetingType": "Scheduled", "StartTime": iso(now)})
    session = await session_of(bot)
    assert session["meeting"]["startedAt"]
    posted = [a for a in connector.sent if a["_conversation"] == chat.place["conversation"]["id"]]
    assert any("Data migration strategy" in card_text(card_of(a)) for a in posted), "the agenda, in the meeting"

    await meeting_event(chat, JOIN, {"members": [member(user(2), "Organizer")]})
    await move_start(bot, now - timedelta(minutes=25))  # Katherine comes 25 minutes in
    joined = await meeting_event(chat, JOIN, {"members": [member(KATHERINE)]})
    await chat.post(joined)  # Teams delivers the join again
    await meeting_event(chat, LEAVE, {"members": [member(KATHERINE)]})
    marks = (await session_of(bot))["attendance"]
    assert marks[aad(2)]["status"] == "present" and marks[aad(2)]["source"] == "meeting"
    assert marks[aad(4)]["status"] == "late" and marks[aad(4)]["leftAt"]

    meeting_id = next(iter(graph.server.meetings))
    start = now - timedelta(minutes=25)
    graph.server.add_report(meeting_id, iso(start), [
        {"identity": {"id": aad(n), "displayName": name}, "emailAddress": f"user{n}@contoso.example",
         "totalAttendanceInSeconds": 1800,
         "attendanceIntervals": [{"joinDateTime": iso(start + timedelta(minutes=late)),
                                  "leaveDateTime": iso(start + timedelta(minutes=60)), "durationInSeconds": 1800}]}
        for n, name, late in ((2, "Grace Hopper", 0), (4, "Katherine Johnson", 25), (5, "Edsger Dijkstra", 1))])
    before = len(connector.sent)
    ended = await meeting_event(chat, END, {"Id": "MCMxOTptZWV0aW5n", "JoinUrl": join_url, "Title": event["subject"],
                                            "MeetingType": "Scheduled", "EndTime": iso(now + timedelta(hours=1))})
    coverage = [card_text(card_of(a)) for a in connector.sent[before:]]
    assert len(coverage) == 1
    assert "the meeting has ended" in coverage[0] and "3 people attended." in coverage[0]
    assert "Mandatory roles present: Solution architect" in coverage[0]
    assert "No technical lead was present" in coverage[0]
    records = graph.server.graph_requests("GET", "/attendanceRecords")
    assert len(records) == 2, "the report's two pages were read"
    marks = (await session_of(bot))["attendance"]
    assert marks[aad(5)]["status"] == "present" and marks[aad(5)]["source"] == "meeting"

    await chat.post(ended)  # a redelivered end
    await bot.client.app[BOT].services.outbox.run_due()
    assert len(connector.sent) == before + 1, "one coverage card"


async def test_when_the_report_cannot_be_read_the_end_says_so_and_the_card_comes_later(bot: Harness, graph,
                                                                                       connector):
    await scheduled(bot)
    (event,) = graph.server.live_events()
    chat = in_meeting(bot, event["onlineMeeting"]["joinUrl"])
    now = datetime.now(timezone.utc).replace(microsecond=0)
    await move_start(bot, now - timedelta(minutes=5))
    await meeting_event(chat, JOIN, {"members": [member(user(2))]})
    graph.server.down = True
    before = len(connector.sent)
    await meeting_event(chat, END, {"Id": "x", "JoinUrl": event["onlineMeeting"]["joinUrl"],
                                    "MeetingType": "Scheduled", "EndTime": iso(now)})
    assert [a.get("text") for a in connector.sent[before:]] == [
        "The meeting has ended. I'll post who came here once Teams has the attendance report."]
    graph.server.down = False
    meeting_id = next(iter(graph.server.meetings))
    graph.server.add_report(meeting_id, iso(now), [
        {"identity": {"id": aad(2), "displayName": "Grace Hopper"}, "totalAttendanceInSeconds": 60,
         "attendanceIntervals": [{"joinDateTime": iso(now), "leaveDateTime": iso(now), "durationInSeconds": 60}]}])
    outbox = bot.client.app[BOT].services.outbox
    clock = outbox.clock()
    outbox.clock = lambda: clock + timedelta(minutes=2)
    assert await outbox.run_due() == 1
    cards = [card_text(card_of(a)) for a in connector.sent[before + 1:]]
    assert len(cards) == 1 and "1 person attended." in cards[0]


async def test_added_to_the_meeting_chat_before_the_start_the_bot_posts_the_agenda_there_once(bot: Harness, graph,
                                                                                             connector):
    await scheduled(bot)
    (event,) = graph.server.live_events()
    chat = in_meeting(bot, event["onlineMeeting"]["joinUrl"])
    before = len(connector.sent)
    added = chat.activity("conversationUpdate", membersAdded=[{"id": BOT_ID, "name": "Workshops"}])
    assert (await chat.post(added)).status in (200, 201)
    (posted,) = connector.sent[before:]
    assert posted["_conversation"] == chat.place["conversation"]["id"]
    assert "Data migration strategy" in card_text(card_of(posted)) and "Accept" in card_text(card_of(posted))
    await meeting_event(chat, START, {"Id": "x", "JoinUrl": event["onlineMeeting"]["joinUrl"],
                                      "MeetingType": "Scheduled", "StartTime": iso(datetime.now(timezone.utc))})
    assert len(connector.sent) == before + 1, "not posted again when the meeting starts"


async def test_events_from_a_meeting_the_bot_did_not_schedule_change_nothing(bot: Harness, connector):
    chat = in_meeting(bot, "https://teams.microsoft.com/l/meetup-join/19%3ameeting_other%40thread.v2/0")
    before = len(connector.sent)
    await meeting_event(chat, JOIN, {"members": [member(user(2))]})
    await meeting_event(chat, END, {"Id": "x", "JoinUrl": "https://example.invalid/", "EndTime": iso(datetime.now())})
    await asyncio.sleep(0)
    assert connector.sent[before:] == []


async def test_a_workshop_taken_out_of_the_series_has_its_event_cancelled_once_graph_answers(bot: Harness, graph):
    await scheduled(bot)
    (event,) = graph.server.live_events()
    plan_card = card_of((await bot.say("plan", **{"from": ALAN}))[-1])
    graph.server.fail_next(10, 503)
    status, body = await press(bot, plan_card, "plan.change", ALAN, workshopId="data-migration", include="remove",
                               reason="The customer migrates nothing after all")
    assert status == 200 and "Series changed" in card_text(body["value"])
    outbox = bot.client.server.app[BOT].services.outbox
    now = outbox.clock()
    outbox.clock = lambda: now + timedelta(minutes=2)
    await outbox.run_due()
    assert graph.server.live_events() == [event], "Graph is down: the cancellation waits for a retry"
    graph.server.failures.clear()
    outbox.clock = lambda: now + timedelta(minutes=10)
    assert await outbox.run_due() == 1
    assert graph.server.live_events() == [] and event["cancelComment"]
    assert (await session_of(bot))["meeting"]["cancelledAt"]


async def test_an_event_deleted_in_outlook_is_made_again_when_the_workshop_is_moved(bot: Harness, graph):
    card = await scheduled(bot)
    (event,) = graph.server.live_events()
    event["cancelled"] = True  # the organiser deleted it in Outlook
    _, moved = await press(bot, card, "agenda.schedule", ALAN, day=future_day(32), time="10:00", confirmed=True)
    assert "not on the calendar" not in card_text(moved["value"])
    (again,) = graph.server.live_events()
    assert again["id"] != event["id"] and again["start"]["dateTime"].endswith("10:00:00")
    links = {a["title"]: a["url"] for a in nodes(moved["value"], of_type("Action.OpenUrl"))}
    assert links["Join meeting"] == again["onlineMeeting"]["joinUrl"]


async def test_after_a_cancellation_the_next_time_makes_one_new_event_and_then_moves_it(bot: Harness, graph):
    from store import update

    card = await scheduled(bot)
    team = bot.place["channelData"]["team"]["id"]
    store = bot.client.server.app[STORE]
    meetings, outbox = bot.client.server.app[BOT].flows.meetings, bot.client.server.app[BOT].services.outbox

    async def in_series(included: bool) -> None:
        await update(store, "projects", team, "plan", lambda doc: {**doc, "items": [
            {**i, "included": included} if i["workshopId"] == "data-migration" else i for i in doc["items"]]})
        record = await meetings.sync_soon(team, "data-migration", (await session_of(bot))["version"], aad(3), TENANT)
        assert await outbox.run(record)

    await in_series(False)
    assert graph.server.live_events() == []
    await in_series(True)  # back in the series, at the same time
    (second,) = graph.server.live_events()
    _, moved = await press(bot, card, "agenda.schedule", ALAN, day=future_day(33), time="11:00", confirmed=True)
    assert [e["id"] for e in graph.server.live_events()] == [second["id"]], "moved, not made a third time"
    assert second["start"]["dateTime"].endswith("11:00:00")


async def test_a_meeting_that_runs_over_still_checks_in_who_joins(bot: Harness, graph):
    await scheduled(bot)
    (event,) = graph.server.live_events()
    chat = in_meeting(bot, event["onlineMeeting"]["joinUrl"])
    now = datetime.now(timezone.utc).replace(microsecond=0)
    await move_start(bot, now - timedelta(hours=3, minutes=5))  # three hours planned, five minutes over
    await meeting_event(chat, START, {"Id": "x", "JoinUrl": event["onlineMeeting"]["joinUrl"],
                                      "MeetingType": "Scheduled", "StartTime": iso(now - timedelta(hours=3))})
    await meeting_event(chat, JOIN, {"members": [member(KATHERINE)]})
    assert (await session_of(bot))["attendance"][aad(4)]["status"] == "late"
    text = card_text(card_of((await bot.say("agenda data migration", **{"from": ALAN}))[-1]))
    assert "Running now" in text
