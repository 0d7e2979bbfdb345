"""A German run of the chat: the main flows walked in de-DE through the real adapter, collecting every
text a user sees (messages, and every text, fact, button, label, placeholder and choice of every card),
with no English left in it. The proactive posts speak the language of whoever set up the project.

Proper names stay as they are in German: people, what the user typed, Microsoft's product names, the
Success by Design phase names, the command words the bot parses and the time zones' place names."""

import re
import string
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

import texts
from cards.commands import COMMANDS
from cards.project_cards import time_zone_input
from catalog import default_catalog
from tests.plugins.botapp import PEOPLE, Harness, aad, card_of, nodes
from tests.test_agenda import future_day
from tests.test_followup import outcome_answers, soon
from workshops.project import PHASES, PRODUCTS
from tests.test_planning import (ALAN, ANSWERS, GRACE, KATHERINE, SETUP, execute_actions, give_roles, press,
                                 set_up)

GERMAN = "de-DE"
# Common English words that German text never has as whole words.
ENGLISH_WORDS = re.compile(r"\b(the|and|you|your|is|are|this|that|with|for|to|of|only|nothing|please|not|has|have|"
                           r"been|from|there|yet|who|which|can)\b", re.IGNORECASE)
# German user input the walk types, so that what the user wrote is never mistaken for the bot's English.
TYPED = {"summary": "Migrationsansatz vereinbart.", "decisions": "Datenverwaltungsframework verwenden",
         "recommendations": "Frühzeitig eine Probemigration durchführen",
         "finding:new1:text": "Durchsatz bei 40 Mio. Zeilen unbekannt", "action:new1:title": "Durchsatz messen",
         "volumes": "40 Mio. Verkaufszeilen", "throughput": "2 Mio. Datensätze pro Stunde"}


def proper_names() -> set[str]:
    """Names that are the same in German: products and phases as Microsoft names them, the commands
    typed to the bot, and the time zones' places (the set-up form lists "Isle of Man")."""
    with texts.speaking(GERMAN):
        named = {*PRODUCTS.values(), *PHASES.values()}
    zones = {choice["title"] for choice in time_zone_input("")["choices"]}
    return named | zones | {command.usage.split(" <")[0].split(" [")[0] for command in COMMANDS}


# What may stay as it is in German: what users typed, and proper names.
KEPT = sorted({*PEOPLE, *(v for v in SETUP.values() if isinstance(v, str)), *(str(v) for v in ANSWERS.values()),
               *TYPED.values(), *proper_names(), "Microsoft Teams", "Microsoft Graph", "Dynamics 365",
               "Solution Blueprint Review", "Blueprint Review", "Go-live", "Europe/London"}, key=len, reverse=True)


@dataclass
class Seen:
    messages: list[str] = field(default_factory=list)  # plain sentences: chat replies, invoke answers
    cards: list[str] = field(default_factory=list)  # every text on every card

    def everything(self) -> list[str]:
        return self.messages + self.cards


def card_texts(card: dict) -> list[str]:
    """What a person reads on a card: texts, facts, button titles, input labels, placeholders, choices."""
    out = [card.get("fallbackText")]
    for node in nodes(card, lambda n: "type" in n):
        kind = str(node["type"])
        if kind in ("TextBlock", "TextRun"):
            out.append(node.get("text"))
        elif kind == "RichTextBlock":
            out += [i for i in node.get("inlines", []) if isinstance(i, str)]
        elif kind == "FactSet":
            out += [fact.get(k) for fact in node.get("facts", []) for k in ("title", "value")]
        elif kind.startswith("Action."):
            out += [node.get("title"), node.get("tooltip")]
        elif kind.startswith("Input."):
            out += [node.get(k) for k in ("label", "placeholder", "errorMessage", "title")]
            out += [choice.get("title") for choice in node.get("choices", []) if isinstance(choice, dict)]
    return [s for s in out if isinstance(s, str) and s.strip()]


def seen_in(seen: Seen, activity_or_body: dict) -> None:
    """Add what one posted activity, card update or invoke answer shows."""
    if activity_or_body.get("type") == "application/vnd.microsoft.activity.message":
        seen.messages.append(activity_or_body["value"])
    elif activity_or_body.get("type") == "application/vnd.microsoft.card.adaptive":
        seen.cards += card_texts(activity_or_body["value"])
    else:
        if activity_or_body.get("text"):
            seen.messages.append(activity_or_body["text"])
        for attachment in activity_or_body.get("attachments") or []:
            seen.cards += card_texts(attachment["content"])


@pytest.fixture
async def bot(app_client, connector) -> Harness:
    connector.clear()
    return Harness(await app_client(), connector, "personal", locale=GERMAN)


async def walk(bot: Harness) -> Seen:
    """The main flows, in German, from help to a person's own workshops; what the user saw."""
    answers: list[dict] = []

    async def pressed(card: dict, verb: str, who, **inputs) -> dict:
        _, body = await press(bot, card, verb, who, **inputs)
        answers.append(body)
        return body

    for typed in ("help", "workshops", "workshop cutover", "plann", "blah blah", "plan"):
        await bot.say(typed)
    await bot.say("setup")
    await bot.send_value({**SETUP, "name": "", "goLive": "2020-01-01"})  # the form again, with its errors
    await set_up(bot)
    await give_roles(bot)
    await bot.say("plan")
    await bot.send_value({**ANSWERS, "users": "many"})
    plan = card_of((await bot.send_value(ANSWERS))[-1])
    await pressed(plan, "plan.approve", KATHERINE)  # refused: she has no role
    await pressed(plan, "plan.approve", GRACE)
    await bot.say("plan why bi")
    agenda = card_of((await bot.say("agenda data migration"))[-1])
    await pressed(agenda, "agenda.rsvp", GRACE, response="accept")
    start = soon()
    when = {"day": start.strftime("%Y-%m-%d"), "time": start.strftime("%H:%M")}
    await pressed(agenda, "agenda.schedule", ALAN, **when)  # outside its window: asked first
    await pressed(agenda, "agenda.schedule", ALAN, **when, confirmed=True)
    scheduled_version = execute_actions(agenda)["agenda.schedule"]["data"]["version"] + 1
    await bot.say("checkin", **{"from": GRACE})
    attendance = card_of((await bot.say("attendance data migration", **{"from": ALAN}))[-1])
    await pressed(attendance, "attendance.save", ALAN, **{f"status:{aad(2)}": "late"})
    outcomes = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[-1])
    await pressed(outcomes, "outcome.save", ALAN, **outcome_answers(**TYPED, confirmed=True))
    mine = card_of((await bot.say("actions", **{"from": ALAN}))[-1])
    for typed in ("status", "export", "my workshops", "my actions", "my", "revoke"):
        await bot.say(typed, **{"from": ALAN})
    await pressed(mine, "action.done", ALAN)
    # refused: only a solution architect approves (Alan is a functional lead)
    response = await bot.post(bot.activity("invoke", name="adaptiveCard/action", **{"from": ALAN}, value={"action": {
        "type": "Action.Execute", "verb": "agenda.approve", "data": {"workshopId": "data-migration",
                                                                     "version": scheduled_version}}}))
    answers.append(await response.json())

    seen = Seen()
    for activity in bot.connector.sent + bot.connector.updates + answers:
        seen_in(seen, activity)
    return seen


def template_pattern(template: str):
    """A catalogue text as a pattern (its placeholders match anything), or None when it has too little
    text of its own to tell languages apart (a date format, a lone placeholder)."""
    pieces = [(literal, name) for literal, name, _, _ in string.Formatter().parse(template)]
    if len(re.findall(r"[^\W\d_]{3,}", "".join(literal for literal, _ in pieces))) < 1:
        return None
    body = "".join(re.escape(literal) + (".+?" if name is not None else "") for literal, name in pieces)
    return re.compile(rf"(?<!\w){body}(?!\w)")


def english_left(shown: list[str], prefixes: tuple = ("",), sentences: bool = False) -> list[tuple[str, str]]:
    """(key, text) of each English catalogue text (of keys starting with `prefixes`; only whole sentences
    when `sentences`) that differs from its German text and appears in what was shown."""
    english, german = texts.catalogue("en"), texts.catalogue("de")
    found = []
    for key, value in english.items():
        wanted = key.startswith(prefixes) and german.get(key) != value and (not sentences or value.endswith((".", "?")))
        pattern = template_pattern(value) if wanted else None
        hit = next((s for s in shown if pattern.search(s)), None) if pattern else None
        if hit:
            found.append((key, hit))
    return found


def titles() -> list[str]:
    """Workshop titles in both languages (names of things, allowed in a message the dialogs layer writes)."""
    catalog = default_catalog()
    found = {w.title for w in catalog.workshops}
    with texts.speaking(GERMAN):
        found |= {w.title for w in catalog.workshops}
    return sorted(found, key=len, reverse=True)


def without(text: str, kept: list[str]) -> str:
    for name in kept:
        text = text.replace(name, " ")
    return text


def english_words(shown: list[str], kept: list[str]) -> list[str]:
    return [s for s in shown if ENGLISH_WORDS.search(without(s, kept))]


def english_catalog_texts() -> list[str]:
    """The English catalog's titles, purposes and topics that read differently in German (all of them
    with more than one word while the catalog has no German yet)."""
    catalog = default_catalog()

    def read() -> list[str]:
        return [text for w in catalog.workshops for text in (w.title, w.purpose, *w.topics)]

    with texts.speaking("en"):
        english = read()
    with texts.speaking(GERMAN):
        german = read()
    differ = [e for e, g in zip(english, german) if e != g]
    return differ or [e for e in english if " " in e]


# What dialogs/ and bot/ say ------------------------------------------------------------------------

async def test_a_german_walk_shows_no_english_from_the_bot_or_its_dialogs(bot: Harness):
    seen = await walk(bot)
    assert len(seen.messages) >= 7 and len(seen.cards) > 100, "the walk saw the flows"
    ours = ("dialogs.", "bot.")
    assert english_left(seen.messages, ours) == []
    # On cards, what the dialogs say are sentences (a card's labels are the cards layer's, in English for now).
    assert english_left(seen.cards, ours, sentences=True) == []
    assert english_words(seen.messages, KEPT + titles()) == []
    with texts.speaking(GERMAN):
        expected = [texts.t("bot.handler.not_understood"), texts.t("dialogs.personal.which"),
                    texts.t("dialogs.plan.architects_approve"), texts.t("dialogs.agenda.architects_approve"),
                    texts.t("bot.handler.did_you_mean", command="plan"), texts.t("dialogs.links.how")]
        on_cards = [texts.t("dialogs.plan.approved"), texts.t("dialogs.agenda.rsvp_saved"),
                    texts.t("dialogs.attendance.saved"), texts.t("dialogs.outcomes.recorded")]
    assert [m for m in expected if m not in seen.messages] == []
    assert [m for m in on_cards if not any(m in s for s in seen.cards)] == []
    assert any(m.startswith("Eingecheckt bei ") for m in seen.messages)


async def test_setup_keeps_the_locale_and_proactive_posts_speak_it(app_client, connector, store_settings):
    """A reminder has no turn: it speaks the language of whoever set the project up."""
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo

    from app import STORE
    from bot.adapter import create_adapter
    from dialogs.reminders import Reminders
    from dialogs.context import PROJECT
    from store import find

    connector.clear()
    bot = Harness(await app_client(store_settings), connector, "channel", locale=GERMAN)
    await set_up(bot)
    await give_roles(bot)
    await bot.say("plan")
    await bot.send_value(ANSWERS)
    card = card_of((await bot.say("agenda data migration"))[-1])
    await press(bot, card, "agenda.rsvp", ALAN, response="accept")
    await press(bot, card, "agenda.schedule", ALAN, day=future_day(30), time="10:00", confirmed=True)
    store = bot.client.server.app[STORE]
    project_id = bot.place["channelData"]["team"]["id"]
    assert (await find(store, project_id, PROJECT))["locale"] == GERMAN

    start = datetime.fromisoformat(f"{future_day(30)}T10:00").replace(tzinfo=ZoneInfo("Europe/London"))
    reminders = Reminders(store, create_adapter(store_settings), default_catalog(), "",
                          clock=lambda: start.astimezone(timezone.utc) - timedelta(hours=23))
    before = len(connector.sent)
    assert await reminders.run_once() == 1
    text = connector.sent[before]["text"]
    with texts.speaking(GERMAN):
        day = texts.weekday_day(start)
    assert text.startswith("Erinnerung: **") and f"beginnt am {day} um 10:00 (Europe/London)." in text
    assert "Erforderliche Teilnehmende, die noch nicht zugesagt haben: Grace Hopper" in text
    assert english_words([without(text, KEPT + titles())], []) == []


async def test_the_turn_error_apology_is_german(app_client, connector, monkeypatch):
    from dialogs.browse import Browse

    async def explode(self, turn_context, argument):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(Browse, "send_help", explode)
    replies = await Harness(await app_client(), connector, "personal", locale=GERMAN).say("help")
    assert [r["text"].split(" (Ref. ")[0] for r in replies] == ["Leider ist bei mir etwas schiefgelaufen. "
                                                                 "Versuch es bitte gleich noch einmal."]


# Everything the user sees: needs the cards/, workshops/ and catalog/ layers --------------------------

async def test_a_german_walk_shows_no_english_catalogue_text_at_all(bot: Harness):
    shown = [without(s, KEPT) for s in (await walk(bot)).everything()]
    assert english_left(shown) == []
    catalog_texts = english_catalog_texts()
    assert [s for s in shown if any(text in s for text in catalog_texts)] == []


async def test_a_german_walk_shows_no_english_words_at_all(bot: Harness):
    assert english_words((await walk(bot)).everything(), KEPT) == []


async def test_an_edit_from_a_client_that_sends_no_locale_keeps_the_projects_language(app_client, connector):
    from app import STORE
    from dialogs.context import PROJECT
    from store import find

    german = Harness(await app_client(), connector, "channel", locale=GERMAN)
    await set_up(german)
    await set_up(Harness(german.client, connector, "channel", german.place, locale=""))
    project_id = german.place["channelData"]["team"]["id"]
    assert (await find(german.client.server.app[STORE], project_id, PROJECT))["locale"] == GERMAN
