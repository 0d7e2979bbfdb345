"""Every card the bot sends carries `fallbackText`, for clients that cannot render Adaptive Cards: its
first line, with user text still escaped. Checked over every card the card tests build, the new
search and personal cards, and every card a whole project's worth of chat actually sent."""

import ast
import re
from pathlib import Path

from tests import test_cards
from tests.plugins.botapp import Harness, nodes
from tests.test_agenda import ready
from tests.test_followup import record_outcomes
from tests.test_planning import ALAN

ROOT = Path(__file__).resolve().parents[1]
UNESCAPED = re.compile(r"(?<!\\)<b>|(?<!\\)\]\(")  # a tag or a link that would act


def every_built_card() -> list[tuple[str, dict]]:
    from cards import personal_cards, search_cards
    from catalog import default_catalog

    catalog = default_catalog()
    workshop = catalog.get("cutover")
    hostile = "**<b>x</b>** [a](https://evil.example)"
    project = {"projectId": "p", "name": hostile, "timeZone": "Europe/Berlin", "goLive": "2027-01-01"}
    session = {"start": "2026-12-01T13:00:00+00:00", "durationMinutes": 120}
    built = [("search-workshop", search_cards.workshop_result_card(catalog, workshop)),
             ("search-session", search_cards.session_card(project, workshop, session, "approved", "https://x.example")),
             ("search-series", search_cards.series_card(project, [("Cutover strategy", "Planned")])),
             ("my-workshops-none", personal_cards.my_workshops_card([])),
             ("my-actions", personal_cards.my_actions_card([(project, [])], {}))]
    for lister in (test_cards.all_cards, test_cards.planning_cards, test_cards.form_and_status_cards,
                   test_cards.lifecycle_cards):
        built += lister()
    return built


def assert_fallback(name: str, card: dict) -> None:
    text = card.get("fallbackText")
    assert isinstance(text, str) and text.strip(), name
    assert len(text) <= 300 and "\n" not in text, name
    assert not UNESCAPED.search(text), f"{name}: user text must stay escaped: {text!r}"


def test_every_card_the_cards_build_has_fallback_text():
    built = every_built_card()
    assert len(built) > 40
    for name, card in built:
        assert_fallback(name, card)


def test_no_card_is_made_anywhere_but_cards_common():
    """A card made by hand elsewhere would miss its fallbackText."""
    makers = []
    for folder in ("cards", "dialogs", "bot", "tabs", "workshops"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and node.value == "AdaptiveCard":
                    makers.append(str(path.relative_to(ROOT)))
    assert makers == ["cards/common.py"]


async def test_every_card_sent_in_a_projects_life_has_fallback_text(personal_bot: Harness, connector):
    await ready(personal_bot)
    for command in ("help", "workshops", "workshop cutover", "roster", "plan", "status", "actions all", "export",
                    "outcomes data migration", "pin series", "my workshops", "my actions", "workshop nonsense"):
        await personal_bot.say(command)
    body = await record_outcomes(personal_bot, who=ALAN, confirmed=True)
    sent = [a["content"] for activity in connector.sent + connector.updates for a in activity.get("attachments") or []
            if a.get("contentType") == "application/vnd.microsoft.card.adaptive"]
    sent.append(body["value"])
    assert len(sent) > 15
    for n, card in enumerate(sent):
        for inner in nodes(card, lambda node: node.get("type") == "AdaptiveCard"):  # Action.ShowCard's too
            assert_fallback(f"sent card {n}: {card.get('fallbackText')}", inner)
