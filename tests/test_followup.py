"""After a workshop, through the real adapter: check-in, attendance and coverage, outcomes with
workshop-specific fields and an audit trail, actions, status and readiness, and exports."""

import csv
import io
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from store import PROJECT_DATA, open_store
from tests.plugins.botapp import Harness, aad, card_of, card_text, make_settings, nodes, of_type
from tests.test_agenda import agenda_card, future_day, ready
from tests.test_planning import ALAN, GRACE, KATHERINE, execute_actions, press

LONDON = ZoneInfo("Europe/London")


def soon(minutes: int = 5) -> datetime:
    """A start a few minutes ahead (scheduling must be in the future), so check-in is already open."""
    return datetime.now(LONDON) + timedelta(minutes=minutes)


@pytest.fixture
async def bot(personal_bot):
    return personal_bot


async def schedule_at(bot: Harness, card: dict, start: datetime, **extra) -> dict:
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=start.strftime("%Y-%m-%d"),
                          time=start.strftime("%H:%M"), **extra)
    return body["value"]


async def scheduled_soon(bot: Harness) -> dict:
    """The data migration workshop, scheduled to start in a few minutes (confirmed: it is outside
    its recommended window)."""
    card = await schedule_at(bot, await ready(bot), soon(), confirmed=True)
    assert "Time saved" in card_text(card), card_text(card)
    return card


async def move_start(bot: Harness, start: datetime, workshop_id: str = "data-migration") -> None:
    """Move a stored session's start, as the clock moving on would (the bot only schedules ahead)."""
    from app import STORE
    from bot.web import read_activity
    from dialogs.context import project_key
    from store import update

    store = bot.client.server.app[STORE]
    project = project_key(read_activity(bot.activity("message")))
    await update(store, PROJECT_DATA, project, f"session:{workshop_id}", lambda doc: {**doc, "start": start.isoformat()})


async def running(bot: Harness, minutes_ago: int = 5) -> dict:
    """The data migration workshop, started `minutes_ago` and still running."""
    card = await scheduled_soon(bot)
    await move_start(bot, (datetime.now(LONDON) - timedelta(minutes=minutes_ago)).astimezone(timezone.utc))
    return card


def form_values(card: dict) -> dict:
    """What a Teams client submits for a form left as it is: every input's current value."""
    return {i["id"]: str(i.get("value", "")) for i in nodes(card, of_type("Input."))}


def outcome_answers(**extra) -> dict:
    return {"summary": "Agreed the migration approach.", "covered": "t1,t2",
            "decisions": "Use the Data management framework\nMigrate 3 years of history",
            "recommendations": "Run a mock migration early",
            "finding:new1:text": "Throughput unknown for 40M lines", "finding:new1:kind": "risk",
            "finding:new1:priority": "high",
            "action:new1:title": "Measure throughput", "action:new1:owner": aad(3),
            "action:new1:due": future_day(14),
            "volumes": "40 million sales lines", "throughput": "2 million records an hour", **extra}


async def record_outcomes(bot: Harness, who=ALAN, name="data migration", **extra) -> dict:
    """Record outcomes (pass confirmed=True for a workshop that has not started)."""
    form = card_of((await bot.say(f"outcomes {name}", **{"from": who}))[-1])
    _, body = await press(bot, form, "outcome.save", who, **outcome_answers(**extra))
    return body


async def test_checkin_during_a_running_workshop(bot: Harness):
    await ready(bot)
    assert "No workshop is running" in (await bot.say("checkin"))[0]["text"]
    card = await agenda_card(bot)
    scheduled = await schedule_at(bot, card, soon(), confirmed=True)
    assert "attendance.checkin" in execute_actions(scheduled)
    reply = (await bot.say("checkin", **{"from": GRACE}))[0]["text"]
    assert reply.startswith("Checked in to Data migration strategy: present since")
    shown = card_text(card_of((await bot.say("attendance data migration"))[0]))
    assert "Mandatory roles present: Solution architect" in shown
    assert "No technical lead was present" in shown


async def test_a_lead_marks_attendance_and_adds_someone_who_came(bot: Harness):
    await scheduled_soon(bot)
    card = card_of((await bot.say("attendance data migration", **{"from": ALAN}))[0])
    _, body = await press(bot, card, "attendance.save", ALAN, **{
        f"status:{aad(2)}": "late", "guest": aad(4)})
    shown = card_text(body["value"])
    assert "Attendance saved." in shown
    assert "Katherine Johnson (came without an invitation)" in shown
    _, refused = await press(bot, card, "attendance.save", KATHERINE, **{f"status:{aad(2)}": "absent"})
    assert refused["value"].startswith("Only leads")


async def test_outcomes_are_validated_recorded_and_summarised(bot: Harness, connector, tmp_path):
    await running(bot)
    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[0])
    shown = card_text(form)
    assert "Data volumes" in shown and "Expected throughput" in shown, "workshop-specific fields"
    _, bad = await press(bot, form, "outcome.save", ALAN, summary="", **{
        "action:new1:title": "Orphan", "action:new1:owner": "nobody", "action:new1:due": "2020-01-01"})
    shown = card_text(bad["value"])
    assert "Write a short summary" in shown and "from the roster" in shown and "in the past" in shown

    before = len(connector.sent)
    _, body = await press(bot, form, "outcome.save", ALAN, **outcome_answers())
    summary = card_text(body["value"])
    assert "Outcomes recorded." in summary and "Held" in summary
    assert "Risk (high): Throughput unknown for 40M lines" in summary
    assert "Measure throughput: Alan Turing, due" in summary
    assert "40 million sales lines" in summary
    posted = [card_text(card_of(a)) for a in connector.sent[before:] if a.get("attachments")]
    assert any("Outcomes: Data migration strategy" in p for p in posted), "a summary is posted in the thread"

    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[0])
    _, edited = await press(bot, form, "outcome.save", ALAN,
                            **{**form_values(form), "summary": "Approach agreed, with one risk."})
    assert "Outcomes updated." in card_text(edited["value"])
    _, stale = await press(bot, form, "outcome.save", GRACE, **{**form_values(form), "summary": "Stale edit"})
    assert "Someone saved these outcomes since" in card_text(stale["value"])

    store = await open_store(make_settings(tmp_path))
    try:
        audit = await store.query(PROJECT_DATA, bot.place["conversation"]["id"], doc_type="audit")
    finally:
        await store.close()
    audit = [a for a in audit if a["record"] == "outcome:data-migration"]  # the roles given first are audited too
    assert [a["by"]["name"] for a in audit] == ["Alan Turing", "Alan Turing"]
    assert audit[1]["changes"] == ["summary: Agreed the migration approach. → Approach agreed, with one risk."]


async def test_only_leads_record_outcomes(bot: Harness):
    await scheduled_soon(bot)
    assert (await bot.say("outcomes data migration", **{"from": KATHERINE}))[0]["text"].startswith("Only leads")


async def test_gap_solution_outcomes_have_a_group_per_gap(bot: Harness):
    await ready(bot)
    await agenda_card(bot, "gap")
    body = await record_outcomes(bot, name="gap", confirmed=True, **{
        "gaps:1:requirement": "Intercompany rebates", "gaps:1:solution": "Extension on trade agreements",
        "gaps:1:alternatives": "ISV rebate module", "gaps:1:risks": "Upgrade effort",
        "gaps:1:dependencies": "Pricing design"})
    shown = card_text(body["value"])
    assert "**Gap 1**" in shown and "Alternatives (ISV or workaround): ISV rebate module" in shown


async def test_actions_done_by_owner_and_status_readiness(bot: Harness):
    await running(bot)
    await record_outcomes(bot)
    mine = card_of((await bot.say("actions", **{"from": ALAN}))[0])
    assert "Measure throughput" in card_text(mine)
    assert "Nothing open" in card_text(card_of((await bot.say("actions mine", **{"from": GRACE}))[0]))
    status = card_text(card_of((await bot.say("status"))[0]))
    assert "Not ready for go-live" in status and "High: 1" in status
    assert "Data migration strategy: Held" in status

    others = card_of((await bot.say("actions all", **{"from": KATHERINE}))[0])
    assert "action.done" not in execute_actions(others), "not hers, and she is not a lead"
    _, done = await press(bot, mine, "action.done", ALAN)
    assert "Done: Measure throughput" in card_text(done["value"])
    assert "Nothing open" in card_text(done["value"])

    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[0])
    finding = next(i["id"] for i in nodes(form, of_type("Input.Toggle")) if i["id"].endswith(":open"))
    _, body = await press(bot, form, "outcome.save", ALAN, **{**form_values(form), finding: "false"})
    status = card_text(card_of((await bot.say("status"))[0]))
    assert "On track for go-live" in status


async def test_closing_post_go_live_closes_the_engagement(bot: Harness):
    await ready(bot)
    await agenda_card(bot, "post go live")
    body = await record_outcomes(bot, name="post go live", confirmed=True, **{
        "accomplishments": "Live on time", "lessons": "Start data migration earlier", "assessment": "Stable"})
    assert "Lessons learned" in card_text(body["value"])
    _, closed = await press(bot, body["value"], "session.close", ALAN)
    assert "the engagement is complete" in card_text(closed["value"])
    assert "Engagement closed" in card_text(card_of((await bot.say("status"))[0]))


async def test_exports_parse_back_and_need_a_valid_link(bot: Harness):
    await running(bot)
    await record_outcomes(bot, **{"finding:new2:text": "=HYPERLINK(\"http://evil\")", "finding:new2:kind": "issue",
                                  "finding:new2:priority": "low"})
    card = card_of((await bot.say("export"))[0])
    urls = {a["title"]: a["url"] for a in nodes(card, of_type("Action.OpenUrl"))}

    async def fetch(title: str, mangle=lambda q: q):
        parts = urlsplit(urls[title])
        return await bot.client.get(f"{parts.path}?{mangle(parts.query)}")

    findings = list(csv.DictReader(io.StringIO(await (await fetch("Findings (CSV)")).text())))
    assert findings[0] == {"workshop": "Data migration strategy", "kind": "risk", "priority": "high", "open": "yes",
                           "text": "Throughput unknown for 40M lines"}
    assert findings[1]["text"].startswith("'="), "formulas are neutralised for spreadsheets"
    actions = list(csv.DictReader(io.StringIO(await (await fetch("Actions (CSV)")).text())))
    assert actions[0]["owner"] == "Alan Turing" and actions[0]["done"] == "no"
    markdown = await (await fetch("Outcomes (Markdown)")).text()
    assert "## Data migration strategy" in markdown and "- [ ] Measure throughput (Alan Turing" in markdown
    assert "## Audit trail" in markdown and "Alan Turing, Data migration strategy: recorded the outcomes" in markdown
    forged = await fetch("Actions (CSV)", lambda q: q.replace("token=", "token=0"))
    assert forged.status == 403


async def test_every_card_of_the_follow_up_parses_clean(bot: Harness, connector):
    from tests.plugins.botapp import parse_cards

    await running(bot)
    await bot.say("checkin", **{"from": GRACE})
    responses = [card_of((await bot.say("attendance data migration", **{"from": ALAN}))[0])]
    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[0])
    responses.append(form)
    _, bad = await press(bot, form, "outcome.save", ALAN, summary="")
    responses.append(bad["value"])
    responses.append((await record_outcomes(bot))["value"])
    await agenda_card(bot, "gap")
    responses.append(card_of((await bot.say("outcomes gap", **{"from": ALAN}))[0]))
    for command in ("actions all", "actions overdue", "status", "export"):
        responses.append(card_of((await bot.say(command, **{"from": ALAN}))[0]))
    sent = [a["attachments"][0]["content"] for a in connector.sent if a.get("attachments")]
    results = parse_cards([(f"card{n}", c) for n, c in enumerate(responses + sent)])
    assert {k: v for k, v in results.items() if v} == {}


async def test_import_without_a_meeting_is_refused_clearly(bot: Harness):
    await scheduled_soon(bot)
    card = card_of((await bot.say("attendance data migration", **{"from": ALAN}))[0])
    value = {"action": {"type": "Action.Execute", "verb": "attendance.import",
                        "data": {"workshopId": "data-migration"}}}
    response = await bot.post(bot.activity("invoke", name="adaptiveCard/action", value=value, **{"from": ALAN}))
    body = await response.json()
    assert "no attendance report to import" in body["value"]
    assert "attendance.import" not in execute_actions(card), "the button is only offered with a meeting"
