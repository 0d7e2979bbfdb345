"""The plan as a solution architect signs it, through the real adapter: a live project set up and
planned, the schedule as a timeline, a short runway triaged with "Go-live date at risk" counted by
`status`, `plan why`, and a plan saved by the old form still loading."""

from datetime import date, timedelta

import pytest

from app import STORE
from store import PROJECT_DATA
from tests.plugins.botapp import Harness, card_of, card_text, parse_cards
from tests.test_planning import ANSWERS, SETUP, inputs, set_up

BIG = {**ANSWERS, "legal_entities": "6", "regulations": "sox", "users": "1500", "countries": "3",
       "peak_seasons": "Black Friday", "system:4:name": "Service Bus", "system:4:kind": "custom",
       "system:4:timing": "real-time", "reporting": "advanced", "legacy_mapping": "true", "alm_maturity": "none"}
TEAMS_MESSAGE_LIMIT = 28 * 1024


@pytest.fixture
async def bot(personal_bot):
    return personal_bot


def day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


async def plan_with(bot: Harness, answers: dict, **setup) -> dict:
    await bot.say("setup")
    saved = card_text(card_of((await bot.send_value({**SETUP, **setup}))[-1]))
    assert "Project set up" in saved, saved
    await bot.say("plan")
    return card_of((await bot.send_value(answers))[-1])


def series_part(card: dict) -> tuple[str, str]:
    """(the series, what is not in it) as the plan card shows them."""
    shown = card_text(card)
    series, _, left_out = shown.partition("**Not in the series**")
    return series, left_out.split("**Changes**")[0]


async def test_a_live_project_is_set_up_and_planned_and_gets_post_go_live(bot: Harness):
    went_live = date.today() - timedelta(days=60)
    card = await plan_with(bot, BIG, phase="operate", goLive=went_live.isoformat())
    series, left_out = series_part(card)
    for title in ("Post go-live", "Business intelligence and analytics design", "Solution performance",
                  "Application lifecycle management strategy"):
        assert title in series, title
    for title in ("Data model design", "Gap solution design", "Cutover strategy", "Test strategy"):
        assert title not in series and title in left_out, title
    assert f"The project went live on {day(went_live)} (Operate): cutover is done" in left_out
    assert f"Still matters after go-live on {day(went_live)}" in series
    assert series.rindex("Post go-live") > series.rindex("Business intelligence"), "post go-live closes the series"


async def test_setup_refuses_a_past_go_live_unless_the_project_is_live(bot: Harness):
    await bot.say("setup")
    past = (date.today() - timedelta(days=30)).isoformat()
    again = card_text(card_of((await bot.send_value({**SETUP, "goLive": past}))[0]))
    assert "The estimated go-live must be in the future." in again
    future = (date.today() + timedelta(days=30)).isoformat()
    again = card_text(card_of((await bot.send_value({**SETUP, "goLive": future, "phase": "operate"}))[0]))
    assert "A project in Operate is live: give the date it went live (today or earlier)." in again
    saved = card_text(card_of((await bot.send_value({**SETUP, "goLive": past, "phase": "operate"}))[0]))
    assert "Project set up" in saved


async def test_the_plan_card_shows_the_schedule_as_a_timeline_from_this_week(bot: Harness):
    card = await plan_with(bot, BIG)
    shown = card_text(card)
    this_week = monday(date.today())
    assert "Timeline" in shown
    assert f"**Week of {this_week.day} {this_week:%b}**: Application lifecycle management strategy" in shown, (
        "ALM and the data model start in the review week, not months later")
    go_live = date.fromisoformat(SETUP["goLive"])
    assert f"**Go-live {day(go_live)}**" in shown
    assert shown.index("Cutover strategy (") < shown.index(f"**Go-live {day(go_live)}**") < shown.index(
        "Post go-live (")
    assert "Go-live date at risk" not in shown, "ten months hold the series at two a week"
    assert len(str(card).encode()) < TEAMS_MESSAGE_LIMIT
    assert parse_cards([("plan", card)]) == {"plan": []}


async def test_a_three_week_runway_is_triaged_and_status_counts_go_live_at_risk(bot: Harness):
    go_live = date.today() + timedelta(weeks=3)
    card = await plan_with(bot, BIG, goLive=go_live.isoformat())
    shown = card_text(card)
    assert f"Go-live date at risk: 11 workshops are due before go-live on {day(go_live)} (3 weeks away)" in shown
    assert "Merged into Cutover strategy, one session: the cutover plan carries the final migration" in shown
    assert "Shortened to 2 hours: with 3 weeks to go-live it covers the top risks only" in shown
    assert parse_cards([("plan", card)]) == {"plan": []}
    status = card_text(card_of((await bot.say("status"))[0]))
    assert "**Not ready for go-live**: 1 high-priority risk or issue open." in status
    assert "High: 1 · Medium: 0 · Low: 0" in status
    assert "The series plan (go-live date at risk): 1 high" in status

    # Go-live moved with setup, and the questions answered again: the risk is gone.
    await bot.say("setup")
    await bot.send_value({**SETUP, "goLive": (date.today() + timedelta(days=300)).isoformat()})
    assert "type plan again to re-plan" in card_text(card_of((await bot.say("plan"))[0]))
    await bot.say("plan again")
    replanned = card_text(card_of((await bot.send_value(BIG))[-1]))
    assert "Go-live date at risk" not in replanned
    assert "**On track for go-live**" in card_text(card_of((await bot.say("status"))[0]))


async def test_a_two_week_runway_drops_workshops_with_a_reason(bot: Harness):
    go_live = date.today() + timedelta(days=15)
    card = await plan_with(bot, BIG, goLive=go_live.isoformat())
    series, left_out = series_part(card)
    assert ("User experience design: Dropped for the short runway (2 weeks to go-live): the screens are built; "
            "collect users' feedback in post go-live") in left_out
    for title in ("Test strategy", "Cutover strategy", "Data migration strategy", "Post go-live"):
        assert title in series, "never dropped"


async def test_plan_why_explains_a_workshop_left_out_and_one_kept(bot: Harness):
    await plan_with(bot, ANSWERS)
    why = card_text(card_of((await bot.say("plan why bi"))[0]))
    assert "Why Business intelligence and analytics design?" in why and "**Not in the series**" in why
    assert ("The standard reports and workspaces of Finance and Supply Chain Management: BI and analytics design is "
            "for reporting beyond the standard product") in why
    card = card_of((await bot.say("plan why gap"))[0])
    assert parse_cards([("why", card)]) == {"why": []}
    why = card_text(card)
    assert "**In the series**" in why
    assert "2 of 4 gap requirements are critical and not supported by the standard Finance" in why
    assert "don't know a workshop" in (await bot.say("plan why nonsense"))[0]["text"]
    assert "Say which workshop" in (await bot.say("plan why"))[0]["text"]


async def test_a_plan_saved_by_the_old_form_still_loads_renders_and_is_read_into_the_new_one(bot: Harness,
                                                                                              tmp_path):
    await plan_with(bot, ANSWERS)
    old_go_live = (date.today() + timedelta(days=200)).isoformat()
    old_answers = {"products": "finance", "migration_volume": "high", "integrations": "office365,external",
                   "external_systems": "2", "gap_count": "4", "business_units": "2", "regulated": "true",
                   "high_volumes": "true", "geo_distributed": "true", "reporting": "standard",
                   "legacy_mapping": "false", "branding": "false", "alm_maturity": "basic", "go_live": old_go_live}
    store = bot.client.server.app[STORE]  # as the last version left it in the store (written through the app's cache)
    project_id = bot.place["conversation"]["id"]
    plan = await store.get(PROJECT_DATA, project_id, "plan")
    old = {k: v for k, v in plan.items() if not k.startswith("_") and k not in ("facts", "risk")}
    old["answers"] = old_answers
    old["items"] = [{k: v for k, v in item.items() if k not in ("week", "triage")} for item in plan["items"]]
    await store.upsert(PROJECT_DATA, old)
    card = card_of((await bot.say("plan"))[0])
    shown = card_text(card)
    assert "Workshop series" in shown and "Timeline" in shown and "**Week of" in shown
    assert f"go-live {day(date.fromisoformat(old_go_live))} is now" in shown, "the old answers' go-live differed"
    assert parse_cards([("old-plan", card)]) == {"old-plan": []}
    form = card_of((await bot.say("plan again"))[0])
    values = {k: str(v.get("value", "")) for k, v in inputs(form).items()}
    assert values["system:1:name"] == "External system 1" and values["system:2:name"] == "External system 2"
    assert values["regulations"] == "other" and values["countries"] == "2" and values["critical_gaps"] == "4"
    assert values["platforms"] == "office365"
    replanned = card_text(card_of((await bot.send_value({"form": "plan", **values}))[-1]))
    assert "Here is the recommended series" in replanned


async def test_the_weekly_capacity_is_a_setting(app_client, connector):
    from runtime.settings import Settings, SettingsError

    assert Settings.from_env({}, dotenv_path="").plan_workshops_per_week == 2
    assert Settings.from_env({"PLAN_WORKSHOPS_PER_WEEK": "3"}, dotenv_path="").plan_workshops_per_week == 3
    with pytest.raises(SettingsError, match="PLAN_WORKSHOPS_PER_WEEK"):
        Settings.from_env({"PLAN_WORKSHOPS_PER_WEEK": "lots"}, dotenv_path="")
    connector.clear()
    bot = Harness(await app_client(plan_workshops_per_week=1), connector, "personal")
    shown = card_text(await plan_with(bot, BIG))
    this_week = monday(date.today())
    assert f"**Week of {this_week.day} {this_week:%b}**: Application lifecycle management strategy (3 hours)\n" in shown


async def test_a_long_system_name_or_note_comes_back_next_to_its_field_as_typed(bot: Harness, tmp_path):
    from tests.test_forms import errors_next_to, values
    from tests.test_limits import stored

    await set_up(bot)
    form = card_of((await bot.say("plan"))[0])
    answers = {**values(form), "system:2:name": "S" * 61, "peak_seasons": "P" * 201}
    again = card_of((await bot.send_value({**form["actions"][0]["data"], **answers}))[0])
    assert errors_next_to(again) == {"system:2:name": "A system's name is at most 60 characters (this has 61).",
                                     "peak_seasons": "Peak seasons is at most 200 characters (this has 201)."}
    assert values(again)["system:2:name"] == "S" * 61 and values(again)["peak_seasons"] == "P" * 201
    assert await stored(tmp_path, bot, "plan") is None
