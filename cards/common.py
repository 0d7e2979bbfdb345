"""Building blocks shared by every card: pure functions from data to Adaptive Card dicts."""

from __future__ import annotations

from typing import Iterable, Optional

# The one Markdown escaper, for TextBlocks, FactSet values and the bot's chat messages alike.
from workshops.markdown import escape, escape_line  # noqa: F401 (cards and dialogs import them from here)

CARD_VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"


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


def choice_set(id_: str, label: str, options: dict, value: str = "", multi: bool = False, **extra) -> dict:
    """A dropdown (or, for multi, checkboxes) over {value: title}."""
    element = {"type": "Input.ChoiceSet", "id": id_, "label": label, "value": value,
               "choices": [{"title": t, "value": v} for v, t in options.items()], **extra}
    if multi:
        element.update(isMultiSelect=True, style="expanded")
    return element


def text_input(id_: str, label: str, value: str = "", **extra) -> dict:
    return {"type": "Input.Text", "id": id_, "label": label, "value": value, **extra}


def field_error(errors: dict, field: str) -> list:
    """The server's message for one field, shown under its input."""
    if field not in errors:
        return []
    return [{"type": "TextBlock", "text": escape(errors[field]), "color": "Attention", "spacing": "None",
             "wrap": True}]


def form_errors_banner(errors: dict) -> list:
    if not errors:
        return []
    message = escape(errors["form"]) if "form" in errors else "Please fix the fields marked below."
    return [{"type": "TextBlock", "text": message, "color": "Attention", "weight": "Bolder", "wrap": True}]


def execute_button(title: str, verb: str, data: dict, **extra) -> dict:
    """Action.Execute (Universal Actions) with an Action.Submit fallback for older Teams clients;
    both carry the verb, so the bot handles them the same way."""
    payload = {"verb": verb, **data}
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": payload,
            "fallback": {"type": "Action.Submit", "title": title, "data": payload}, **extra}


def notice(message: str, style: str = "Good") -> dict:
    return {"type": "TextBlock", "text": escape(message), "color": style, "wrap": True, "weight": "Bolder"}
