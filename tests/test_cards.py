"""Every card the bot can send parses clean in the Adaptive Cards renderer."""

from cards import catalog_cards
from catalog import default_catalog
from tests.plugins.botapp import parse_cards


def all_cards() -> list[tuple[str, dict]]:
    catalog = default_catalog()
    cards = [
        ("help", catalog_cards.help_card()),
        ("welcome", catalog_cards.welcome_card()),
        ("workshops", catalog_cards.workshops_card(catalog)),
        ("not-found", catalog_cards.workshop_not_found_card("cutovr", catalog.closest("cutovr"))),
        ("not-found-hostile", catalog_cards.workshop_not_found_card("<script>alert(1)</script> **x** [a](b)", [])),
        ("which-workshop", catalog_cards.workshop_not_found_card("", [])),
    ]
    cards += [(f"workshop:{w.id}", catalog_cards.workshop_card(catalog, w)) for w in catalog.workshops]
    return cards


def test_every_card_parses_without_warnings():
    cards = all_cards()
    results = parse_cards(cards)
    assert set(results) == {name for name, _ in cards}
    problems = {name: events for name, events in results.items() if events}
    assert problems == {}


def test_the_checker_does_report_a_broken_card():
    broken = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlok", "text": "x"}]}
    assert parse_cards([("broken", broken)])["broken"]


def test_cards_are_version_1_5():
    for name, card in all_cards():
        assert card["version"] == "1.5", name
