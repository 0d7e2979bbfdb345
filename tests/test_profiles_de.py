"""Issue 15's profile table in German: the same workshops are recommended, the reasons, triage notes and
the go-live risk are German (no English text of workshops.json left in them), and they cite the same
facts as in English (the numbers and the names the answers gave)."""

import re
import string

import pytest

from catalog import default_catalog
from tests.test_profiles import CASES, planned
from texts import catalogue, speaking

FACTS = ("system:1:name", "system:2:name", "migration_sources", "peak_seasons")


def english_fragments() -> set[str]:
    """The literal pieces (between placeholders) of every English text of workshops.json that German
    says differently, leaving out pieces German uses too (product names, ": ", "EDI"); and the
    English workshop titles (triage notes name the workshop merged with)."""
    english, german = catalogue("en"), catalogue("de")
    ours = [key for key in english if key.startswith("workshops.") and english[key] != german[key]]

    def pieces(template: str) -> set[str]:
        return {literal.strip(" .,:;()") for literal, *_ in string.Formatter().parse(template)}

    shared = set().union(*(pieces(german[key]) for key in german if key.startswith("workshops.")))
    found = {p for key in ours for p in pieces(english[key]) - shared if len(p) >= 4 and re.search(r"[a-z]", p)}
    with speaking("de"):
        german_titles = {w.title for w in default_catalog().workshops}
    return found | ({w.title for w in default_catalog().workshops} - german_titles)


ENGLISH = english_fragments()
# Names both languages say alike (products, platforms, regulations): "Customer Service" is no English left.
NAMES = sorted({v for k, v in catalogue("en").items() if k.startswith("workshops.") and v == catalogue("de")[k]
                and "{" not in v}, key=len, reverse=True)


def english_left(text: str) -> list[str]:
    for name in NAMES:
        text = text.replace(name, " ")
    return sorted(p for p in ENGLISH if re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text))


def said(series) -> dict[str, str]:
    """Per workshop, everything the plan says about it; and the series' risk."""
    text = {r.workshop_id: " | ".join(r.reasons + (r.triage,)) for r in series.recommendations}
    return {**text, "risk": series.risk}


def numbers(text: str) -> list[str]:
    """The numbers a text cites, written either way ("2,000" and "2.000" are the same fact)."""
    return sorted(re.sub(r"[.,]", "", n) for n in re.findall(r"\d[\d.,]*\d|\d", text))


def test_the_english_pieces_are_many_and_distinctive():
    assert len(ENGLISH) > 150
    assert {"must perform", "Dropped for the short runway", "legal entities", "Data model design"} <= ENGLISH


@pytest.mark.parametrize("name", CASES)
def test_the_profile_table_in_german(name):
    case = CASES[name]
    english = planned(case)
    with speaking("de-DE"):
        german = planned(case)
    assert [(r.workshop_id, r.recommended, r.complexity, r.week) for r in german.recommendations] == \
        [(r.workshop_id, r.recommended, r.complexity, r.week) for r in english.recommendations]
    in_english, in_german = said(english), said(german)
    for where, text in in_german.items():
        left = english_left(text)
        assert not left, (where, left, text)
        assert numbers(text) == numbers(in_english[where]), (where, text, in_english[where])
        for fact in (case.answers.get(key) for key in FACTS):
            if fact and fact in in_english[where]:
                assert fact in text, (where, fact, text)


def test_reasons_cite_the_facts_in_german_words():
    with speaking("de-DE"):
        series = planned(CASES["large-finance-and-supply-chain"])
    reasons = {r.workshop_id: " | ".join(r.reasons) for r in series.recommendations}
    assert "SOX in 6 juristischen Personen" in reasons["security-model"]
    assert "EDI mit Suppliers und eine individuelle Echtzeit-Integration mit Service Bus" in reasons["integration"]
    assert "2.000 Benutzer und Benutzer in 5 Ländern" in reasons["solution-performance"]
    assert "4 von 12 Gap-Anforderungen sind kritisch" in reasons["gap-solution"]
    with speaking("de-DE"):
        live = planned(CASES["already-live"])
    cutover = next(r for r in live.recommendations if r.workshop_id == "cutover")
    assert cutover.reasons == ("Das Projekt ging am 3. Okt. 2026 live (Betreiben): der Cutover ist erledigt",)
