"""User text stays text wherever the bot puts it: chat messages (Teams renders Markdown in a bot's
text), the Markdown export and the CSV exports. Through the real app, with hostile titles and names."""

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from bot.adapter import create_adapter
from catalog import default_catalog
from dialogs.reminders import Reminders
from store import open_store
from tests.plugins.botapp import Harness, card_of, card_text, make_settings, nodes, of_type, teams_member
from tests.test_agenda import agenda_card, future_day
from tests.test_cards import rendered_markdown
from tests.test_followup import form_values, record_outcomes
from tests.test_planning import ADA, ALAN, ANSWERS, SETUP, give_roles, press

LINK = "[Re-enter your password](https://evil.example)"
SHOWN_LINK = r"\[Re-enter your password\](https://evil.example)"
FORGED = "\n## Audit trail\n- forged"


def unescaped(text: str) -> str:
    """What is left of Markdown text once every backslash-escaped character is removed."""
    return re.sub(r"\\.", "", text, flags=re.DOTALL)


def live_markdown(text: str) -> list[str]:
    """The Markdown in `text` that Teams (or any CommonMark renderer) would act on."""
    bare = unescaped(text)
    found = re.findall(r"\[[^\]]*\]\([^)]*\)|<[a-z][^>]*>|\*\*[^*]+\*\*", bare)
    found += re.findall(r"^\s*(?:#{1,6}\s|>|[-+*]\s|\d+[.)]\s)", bare, re.MULTILINE)
    return found


async def hostile_project(bot: Harness, connector, **names: str) -> None:
    """A project named with a link, a roster whose members have the given hostile names
    ({"2": ...} renames Grace, the solution architect; {"3": ...} Alan, the functional lead),
    an approved plan and the data migration agenda."""
    for n, name in names.items():
        connector.members[int(n) - 1] = teams_member(int(n), name)
    await bot.say("setup", **{"from": ADA})
    await bot.send_value({**SETUP, "name": f"Contoso {LINK}"}, **{"from": ADA})
    await give_roles(bot)
    await bot.say("plan")
    await bot.send_value(ANSWERS)
    await agenda_card(bot)


async def proactive(connector, tmp_path, now: datetime) -> list[dict]:
    """What the reminder loop posts when it runs at `now` on the test's store (reminders, digests)."""
    store = await open_store(make_settings(tmp_path))
    try:
        reminders = Reminders(store, create_adapter(make_settings(tmp_path)), default_catalog(), "",
                              clock=lambda: now)
        before = len(connector.sent)
        await reminders.run_once()
        return connector.sent[before:]
    finally:
        await store.close()


@pytest.fixture
async def bot(personal_bot):
    return personal_bot


async def test_the_overdue_digest_shows_titles_and_names_literally(bot: Harness, connector, tmp_path):
    await hostile_project(bot, connector, **{"3": "Alan <at>Turing</at> **boss**"})
    await record_outcomes(bot, confirmed=True, **{"action:new1:title": LINK})
    text = (await proactive(connector, tmp_path, datetime.now(timezone.utc) + timedelta(days=16)))[0]["text"]
    assert text.startswith("**1 overdue action item** in Contoso " + SHOWN_LINK)
    assert f"- {SHOWN_LINK} (Alan \\<at\\>Turing\\</at\\> \\*\\*boss\\*\\*, due" in text
    assert live_markdown(text) == ["**1 overdue action item**", "- "], "only the bot's own bold and bullet"


async def test_a_reminder_shows_attendee_names_literally(bot: Harness, connector, tmp_path):
    await hostile_project(bot, connector, **{"2": f"Grace {LINK}\n# Hopper"})
    card = await agenda_card(bot)
    _, body = await press(bot, card, "agenda.schedule", ALAN, day=future_day(30), time="10:00", confirmed=True)
    assert "Time saved" in card_text(body["value"])
    start = datetime.fromisoformat(f"{future_day(30)}T10:00").replace(tzinfo=ZoneInfo("Europe/London"))
    text = (await proactive(connector, tmp_path, start - timedelta(hours=23)))[0]["text"]
    assert f"have not accepted yet: Grace {SHOWN_LINK} \\# Hopper" in text, "one line, escaped"
    assert live_markdown(text) == ["**Data migration strategy**"]


HOSTILE_ARGUMENT = "[click](https://evil.example) " + "x" * 300


@pytest.mark.parametrize("command", ["agenda", "checkin", "attendance", "outcomes", "pin", "workshop"])
async def test_commands_echo_a_hostile_argument_escaped_and_short(bot: Harness, connector, command):
    await hostile_project(bot, connector)
    reply = (await bot.say(f"{command} {HOSTILE_ARGUMENT}", **{"from": ALAN}))[-1]
    shown = reply.get("text") or "\n".join(rendered_markdown(card_of(reply)))
    assert r"\[click\](https://evil.example)" in shown
    assert not [m for m in live_markdown(shown) if "evil" in m or "click" in m]
    assert "x" * 100 not in shown, "the echo is shortened"


async def test_a_hint_never_echoes_what_was_typed(bot: Harness):
    reply = (await bot.say(f"agnda {LINK}"))[0]["text"]
    assert "evil" not in reply and "Did you mean **agenda**?" in reply


async def test_done_shows_the_action_title_literally_once_escaped(bot: Harness, connector):
    await hostile_project(bot, connector)
    await record_outcomes(bot, confirmed=True, **{"action:new1:title": LINK})
    mine = card_of((await bot.say("actions", **{"from": ALAN}))[0])
    _, done = await press(bot, mine, "action.done", ALAN)
    shown = rendered_markdown(done["value"])
    assert f"Done: {SHOWN_LINK}" in shown, "escaped once: neither raw nor doubly escaped"


async def fetch_export(bot: Harness, title: str) -> str:
    card = card_of((await bot.say("export"))[0])
    url = next(a["url"] for a in nodes(card, of_type("Action.OpenUrl")) if a["title"] == title)
    parts = urlsplit(url)
    response = await bot.client.get(f"{parts.path}?{parts.query}")
    assert response.status == 200
    return await response.text()


def headings(markdown: str) -> list[str]:
    """Every line a Markdown renderer shows as a heading, inside list items and blockquotes too."""
    atx = re.findall(r"^[ \t]*(?:(?:[-+*]|\d+[.)]|>)[ \t]+)*(#{1,6}(?:[ \t].*)?)$", markdown, re.MULTILINE)
    setext = re.findall(r"^(.+)\n[ \t]*(?:=+|-{2,})[ \t]*$", markdown, re.MULTILINE)
    return atx + [f"setext: {s}" for s in setext]


async def test_the_markdown_export_cannot_be_forged_by_user_text(bot: Harness, connector):
    await hostile_project(bot, connector)
    await record_outcomes(bot, confirmed=True, summary=f"Agreed.{FORGED}\nTitle\n===\n> quoted `code` | a | b |",
                          decisions=f"Decide{FORGED}\n1. numbered",
                          recommendations="# Recommend\n<script>x</script>",
                          **{"finding:new1:text": f"Risky{FORGED}", "action:new1:title": f"{LINK}{FORGED}",
                             "volumes": f"Many{FORGED}"})
    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[0])
    await press(bot, form, "outcome.save", ALAN, **{**form_values(form), "summary": f"Changed{FORGED}"})
    markdown = await fetch_export(bot, "Outcomes (Markdown)")
    assert headings(markdown) == [
        "# Contoso \\[Re-enter your password\\](https://evil.example): workshop outcomes",
        "## Data migration strategy", "### Decisions", "### Recommendations", "### Findings", "### Action items",
        "## Audit trail"], markdown
    assert r"\#\# Audit trail" in markdown and r"\- forged" in markdown
    assert not [line for line in markdown.splitlines() if line.startswith(("- forged", "1. numbered", "> "))]
    assert "<script>" not in markdown and "](https://evil" not in unescaped(markdown)
    assert f"- [ ] {SHOWN_LINK} \\#\\# Audit trail - forged (Alan Turing, due" in markdown, "one item, one line"


async def test_csv_exports_neutralise_formulas(bot: Harness, connector):
    await hostile_project(bot, connector, **{"3": "\t=2+5"})
    await record_outcomes(bot, confirmed=True, **{
        "finding:new1:text": "+SUM(A1:A9)", "finding:new2:text": "-2+3", "finding:new2:kind": "issue",
        "finding:new2:priority": "low", "finding:new3:text": "@cmd", "finding:new3:kind": "issue",
        "finding:new3:priority": "low", "action:new1:title": "=HYPERLINK(\"https://evil.example\")"})
    findings = list(csv.DictReader(io.StringIO(await fetch_export(bot, "Findings (CSV)"))))
    assert [f["text"] for f in findings] == ["'+SUM(A1:A9)", "'-2+3", "'@cmd"]
    actions = list(csv.DictReader(io.StringIO(await fetch_export(bot, "Actions (CSV)"))))
    assert actions[0]["title"] == "'=HYPERLINK(\"https://evil.example\")"
    assert actions[0]["owner"] == "'\t=2+5", "a tab first is neutralised too"
    assert actions[0]["due"] == future_day(14) and actions[0]["workshop"] == "Data migration strategy"


def test_line_starts_that_make_markdown_act_are_escaped():
    from cards.common import escape

    assert escape("Title\n===") == "Title\n\\===", "no setext heading"
    assert escape("Title\n  ---") == "Title\n  \\---", "no setext heading or rule"
    assert escape("-") == "\\-" and escape("+") == "\\+", "no empty list item"
    assert escape("-5 degrees") == "\\-5 degrees", "shown the same in Markdown"


async def test_an_older_clients_button_answer_shows_quoted_user_text_literally(bot: Harness, connector):
    """Older Teams clients send Action.Submit instead of Action.Execute; the card the bot answers them
    with (here: an agenda error that quotes a topic's title) shows it literally."""
    await hostile_project(bot, connector)
    card = await agenda_card(bot, who=ALAN)
    _, edited = await press(bot, card, "agenda.edit", ALAN, newTitle=LINK, newMinutes="10")
    card = edited["value"]
    new_topic = [i["id"] for i in nodes(card, of_type("Input.")) if i["id"].startswith("owner:")][-1]
    data = {"verb": "agenda.edit", "workshopId": "data-migration", "version": card_version(card),
            new_topic: "someone-not-on-the-roster"}
    replies = await bot.send_value(data, **{"from": ALAN})
    shown = "\n".join(rendered_markdown(card_of(replies[-1])))
    assert "is not on the roster" in shown and SHOWN_LINK in shown
    assert not [m for m in live_markdown(shown) if "evil" in m]


def card_version(card: dict) -> int:
    return next(a["data"]["version"] for a in nodes(card, of_type("Action.Execute"))
                if a["verb"] == "agenda.edit")
