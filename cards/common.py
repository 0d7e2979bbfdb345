"""Building blocks shared by every card: pure functions from data to Adaptive Card dicts."""

from __future__ import annotations

import re
from typing import Iterable, Optional

CARD_VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

# Characters that Teams' card markdown would interpret; escaped so user text stays text.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>])")


def escape(text: object) -> str:
    """Show `text` literally in a TextBlock: no markdown, no links, no lists."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def card(body: list, actions: Optional[list] = None) -> dict:
    result = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": CARD_VERSION, "body": body}
    if actions:
        result["actions"] = actions
    return result


def heading(text: str, subtitle: Optional[str] = None) -> list:
    blocks = [{"type": "TextBlock", "text": text, "size": "Large", "weight": "Bolder", "wrap": True}]
    if subtitle:
        blocks.append({"type": "TextBlock", "text": subtitle, "isSubtle": True, "spacing": "None", "wrap": True})
    return blocks


def text(value: str, **extra) -> dict:
    return {"type": "TextBlock", "text": value, "wrap": True, **extra}


def section(title: str) -> dict:
    return {"type": "TextBlock", "text": title, "weight": "Bolder", "spacing": "Medium", "wrap": True}


def facts(pairs: Iterable[tuple[str, str]]) -> dict:
    return {"type": "FactSet", "facts": [{"title": t, "value": v} for t, v in pairs]}


def numbered(items: Iterable[str]) -> dict:
    lines = [f"{i}. {item}" for i, item in enumerate(items, start=1)]
    return text("\n".join(lines))


def command_button(title: str, command: str) -> dict:
    """A button that runs a chat command, as if the user had typed it.

    Plain Submit data rather than Teams' imBack: the Agents Playground ignores imBack,
    and in Teams the bot gets the same command either way.
    """
    return {"type": "Action.Submit", "title": title, "data": {"command": command}}


def link_button(title: str, url: str) -> dict:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


def as_attachment(adaptive_card: dict) -> dict:
    return {"contentType": CONTENT_TYPE, "content": adaptive_card}
