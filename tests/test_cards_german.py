"""Every card builder speaks German inside `texts.speaking("de-DE")`: the cards still parse clean in the
Adaptive Cards renderer, and none shows a sentence, label or button of the English catalogue
(texts/en/cards.json) where the German one differs. The English texts of other layers (workshops'
labels, the catalog's workshop descriptions) are theirs and not looked for here."""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
import string
from datetime import datetime, timezone

import texts
from cards.commands import COMMANDS
import workshops
from tests.plugins.botapp import nodes, parse_cards
from tests.test_fallback_text import every_built_card
from texts import speaking

READ = ("text", "title", "label", "placeholder", "errorMessage", "fallbackText")  # what a person reads


def more_cards() -> list[tuple[str, dict]]:
    """The builders the English card tests do not enumerate."""
    from cards import meeting_cards, outcome_cards, personal_cards, plan_cards, project_cards, tab_cards
    from catalog import default_catalog
    from workshops import agenda
    from workshops import plan as plans
    from workshops.recommend import profile_from_answers, recommend

    catalog = default_catalog()
    workshop = catalog.get("data-migration")
    now = datetime(2026, 12, 2, 10, tzinfo=timezone.utc)
    project = {"projectId": "p", "name": "Contoso", "goLive": "2027-09-01", "timeZone": "Europe/Berlin",
               "products": ["finance"], "phase": "implement"}
    roster = {"members": {"a": {"name": "Alan", "roles": ["solution-architect"], "userId": "29:a"}}}
    held = {**agenda.new_session("p", workshop, 3), "status": agenda.HELD, "start": now.isoformat(),
            "attendance": {"a": {"name": "Alan", "status": "late"}}}
    outcome = {"summary": "S", "decisions": ["D"], "recommendations": [],
               "findings": [{"kind": "risk", "priority": "high", "text": "F", "open": False}],
               "actions": [{"title": "A", "owner": "a", "due": "2026-12-09", "done": True}]}
    answers = {"products": "finance", "migration_volume": "high", "gap_count": "3", "go_live": "2027-09-01"}
    profile = profile_from_answers(answers, project=project, today=now.date())
    plan = plans.new_plan("p", recommend(profile, catalog, today=now.date()), answers,
                          {"aadObjectId": "a", "name": "Alan"}, now)
    changed = plans.change(plan, "alm", False, "Not needed", {"aadObjectId": "a", "name": "Alan"}, now)
    status = {"engagement_closed": False, "ready": True, "blocking": [], "overdue": 0, "series": [],
              "open_by_priority": {}}
    row = {"title": "Cutover", "state": None, "how": "mandatory", "rsvp": "tentative",
           "start": now.isoformat(), "minutes": 60}
    action = {"title": "A", "due": "2026-12-01", "overdue": True, "workshopId": workshop.id}
    return [
        ("coverage", meeting_cards.coverage_card(project, held, workshop, catalog, roster, note="N")),
        ("outcome-summary", outcome_cards.outcome_summary_card(project, held, workshop, catalog, roster, outcome,
                                                                message="M")),
        ("export", outcome_cards.export_card(project, {"Findings (CSV)": "https://x.example/f"}, "M")),
        ("status-ready", outcome_cards.status_card(project, status, catalog)),
        ("status-closed", outcome_cards.status_card(project, {**status, "engagement_closed": True}, catalog)),
        ("actions-overdue-none", outcome_cards.actions_card(project, [], catalog, roster, scope="overdue",
                                                             viewer="a", can_complete_any=True)),
        ("why-changed", plan_cards.why_card(project, changed, catalog, "alm")),
        ("why-in", plan_cards.why_card(project, plan, catalog, "data-migration")),
        ("why-out", plan_cards.why_card(project, plan, catalog, "post-go-live")),
        ("plan-missing-workshop", plan_cards.why_card(project, {"items": []}, catalog, "alm")),
        ("plan-out-of-date", plan_cards.plan_card({**project, "goLive": "2027-10-01", "phase": "prepare"},
                                                  {**changed, "facts": {"goLive": "2027-09-01", "products": ["x"],
                                                                        "phase": "implement"}}, catalog)),
        ("project-created", project_cards.project_saved_card(project, created=True, roles_given=True, planned=True)),
        ("pinned", tab_cards.pinned_card("Cutover", "https://x.example/tab")),
        ("pin-by-hand", tab_cards.pin_by_hand_card("Cutover", "https://x.example/page", note="N")),
        ("pin-failed", tab_cards.pin_failed_card("Cutover", "R", "cutover")),
        ("my-workshops", personal_cards.my_workshops_card([(project, [row]), (project, [])])),
        ("my-actions-some", personal_cards.my_actions_card([(project, [action])], {workshop.id: workshop.title})),
    ]


def english_phrases(layer: str = "cards") -> dict[str, str]:
    """{phrase: key}: the literal words of every English <layer>.json text whose German differs,
    placeholders cut out, long enough to be words and not words the German texts use too ("Go-live",
    the command words)."""
    english, german = texts.catalogue("en"), texts.catalogue("de")
    ours = {k: v for k, v in english.items() if k.startswith(f"{layer}.") and german[k] != v}
    said_in_german = " ".join(v for k, v in german.items() if k.startswith(f"{layer}."))
    theirs = set(not_ours()) | {word for c in COMMANDS for word in (c.name, c.usage, c.menu_title)}
    found = {}
    for key, template in ours.items():
        for literal, *_ in string.Formatter().parse(template):
            phrase = literal.strip(" .,:;()*·⚠-").strip()
            if (len(phrase) >= 4 and re.search(r"[A-Za-z]{3}", phrase) and phrase not in theirs
                    and not words_in(phrase, said_in_german)):
                found[phrase] = key
    return found


def words_in(phrase: str, value: str) -> bool:
    return re.search(rf"(?<![A-Za-z]){re.escape(phrase)}(?![A-Za-z])", value) is not None


def read_texts(card: dict) -> list[str]:
    return [node[k] for node in nodes(card, lambda node: True) for k in READ if isinstance(node.get(k), str)]


def not_ours() -> list[str]:
    """Texts on cards that other layers own and that may be English: the workshop catalog's words (in
    either language), and the labels workshops/ holds at module level. Longest first, to be cut out whole."""
    from catalog import default_catalog

    catalog, found = default_catalog(), set()
    for locale in ("en", "de"):  # the catalog may say its workshops in German, with English names in them
        with speaking(locale):
            found |= {catalog.programme_note, *catalog.roles.values()}
            for w in catalog.workshops:
                found |= {w.title, w.summary, w.purpose, *w.topics, w.learn_more_title or ""}
    for info in pkgutil.iter_modules(workshops.__path__):
        for value in vars(importlib.import_module(f"workshops.{info.name}")).values():
            if isinstance(value, dict):
                found |= {v for v in value.values() if isinstance(v, str)}
    return sorted((f for f in found if f), key=len, reverse=True)


def english_on(english: dict, german: dict, phrases: dict[str, str], allowed: list[str]) -> list[str]:
    """The English phrases of ours the German card shows. A text the German card shows exactly as the
    English one does (a name, a reason workshops/ wrote, a word of the catalog) is ours only when it is
    one of our phrases whole; a text that changed must hold none of them."""
    shown = []
    said, asked = read_texts(english), read_texts(german)
    assert len(said) == len(asked)  # the same card, in other words
    for before, value in zip(said, asked):
        if value == before:
            whole = value.strip(" .,:;()*·⚠-").strip()
            shown += [f"{whole!r} ({phrases[whole]})"] if whole in phrases and value not in allowed else []
            continue
        value = any_of(tuple(allowed)).sub(" ", value)
        shown += [f"{match!r} ({phrases[match]})" for match in any_of(tuple(phrases)).findall(value)]
    return shown


@functools.lru_cache(maxsize=None)
def any_of(words: tuple[str, ...]) -> re.Pattern:
    """Any of `words` as whole words, the longest first."""
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z])(?:{alternatives})(?![A-Za-z])")


def both_languages() -> list[tuple[str, dict, dict]]:
    english = every_built_card() + more_cards()
    with speaking("de-DE"):
        german = every_built_card() + more_cards()
    assert [n for n, _ in english] == [n for n, _ in german]
    return [(name, en, de) for (name, en), (_, de) in zip(english, german)]


def test_every_card_in_german_parses_and_shows_no_english_of_ours():
    built = both_languages()
    assert len(built) > 55
    problems = {name: events for name, events in parse_cards([(n, de) for n, _, de in built]).items() if events}
    assert problems == {}
    phrases, allowed = english_phrases(), not_ours()
    assert len(phrases) > 200
    english = {name: found for name, en, de in built if (found := english_on(en, de, phrases, allowed))}
    assert english == {}


def blanked(card):
    """The card with every text a person reads emptied: against it, every text of `card` has changed."""
    if isinstance(card, dict):
        return {k: "" if k in READ and isinstance(v, str) else blanked(v) for k, v in card.items()}
    return [blanked(v) for v in card] if isinstance(card, list) else card


def test_the_check_finds_english_where_there_is_some():
    """The English cards, checked as if they were German, show our English on every one of them."""
    phrases, allowed = english_phrases(), not_ours()
    built = both_languages()
    assert all(english_on(blanked(en), en, phrases, allowed) for _, en, _ in built)
