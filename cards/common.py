"""Building blocks shared by every card: pure functions from data to Adaptive Card dicts."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

# The one Markdown escaper, for TextBlocks, FactSet values and the bot's chat messages alike.
from workshops.markdown import escape, escape_line  # noqa: F401 (cards and dialogs import them from here)
from workshops.words import plural  # noqa: F401 (cards import it from here)
from texts import clock, t, t_count

CARD_VERSION = "1.5"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
PRODUCT_NAME = "Implementation Workshops"  # the app's name, the same in every language


FALLBACK_LIMIT = 300
_BOLD = re.compile(r"\*\*")


class Card(dict):
    """An Adaptive Card as card() makes it. Everything in cards/ is built of str, int, bool, list and dict,
    and the tests have the Adaptive Cards renderer parse every card, so a Card is plain JSON by
    construction: the connector sends it as it is, without checking it node by node (bot/wire.py). Code
    that adds to a card adds JSON values only. It is a dict to everything else (json.dumps writes it as
    one; deepcopy copies it, class kept)."""


def card(body: list, actions: Optional[list] = None) -> Card:
    """Every card the bot sends is made here, so every one carries `fallbackText` (what a client that
    cannot render Adaptive Cards shows instead): its first line of text."""
    result = Card({"type": "AdaptiveCard", "$schema": SCHEMA, "version": CARD_VERSION, "body": body,
                   "fallbackText": fallback_text(body)})
    if actions:
        result["actions"] = actions
    return result


def fallback_text(body: list) -> str:
    """The first TextBlock's text, bold marks dropped, on one line and cut short. User text in it stays
    escaped: some clients render fallbackText as Markdown."""
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "TextBlock" and isinstance(node.get("text"), str) and node["text"].strip():
                plain = " ".join(_BOLD.sub("", node["text"]).split())
                return plain[:FALLBACK_LIMIT] or PRODUCT_NAME
            stack.extend(reversed([v for v in node.values() if isinstance(v, (dict, list))]))
        elif isinstance(node, list):
            stack.extend(reversed(node))
    return PRODUCT_NAME


def heading(text: str, subtitle: Optional[str] = None) -> list:
    blocks = [{"type": "TextBlock", "text": text, "size": "Large", "weight": "Bolder", "wrap": True}]
    if subtitle:
        blocks.append({"type": "TextBlock", "text": subtitle, "isSubtle": True, "spacing": "None", "wrap": True})
    return blocks


# Status and messages are shown in Adaptive Cards' emphasis containers with default-coloured text:
# coloured text (pale green, yellow) on a white card is hard to read. `text(..., color=...)` and
# `notice` take the TextBlock colour names the cards use and show the matching container style.
STYLES = {"good": "good", "warning": "warning", "attention": "attention", "accent": "accent",
          "emphasis": "emphasis"}
_LAYOUT = ("spacing", "separator")  # set on the container, which is what sits in the layout


def text(value: str, **extra) -> dict:
    """A TextBlock; with `color` (Good, Warning, Attention, Accent, Emphasis), the same text inside a
    container of that style, so it stays readable."""
    style = STYLES.get(str(extra.pop("color", "")).lower())
    if style is None:
        return {"type": "TextBlock", "text": value, "wrap": True, **extra}
    layout = {k: extra.pop(k) for k in _LAYOUT if k in extra}
    return {"type": "Container", "style": style, **layout,
            "items": [{"type": "TextBlock", "text": value, "wrap": True, **extra}]}


def clock_time(at: str, time_zone: Optional[str]) -> str:
    """The time of day of an ISO instant in the team's time zone, as cards show it: "14:05 (Europe/London)"."""
    zone = time_zone or "UTC"
    return f"{clock(datetime.fromisoformat(at).astimezone(ZoneInfo(zone)))} ({escape(zone)})"


def duration_words(minutes: int) -> str:
    """"3 hours", "1 hour 30 minutes", "45 minutes"."""
    hours, rest = divmod(minutes, 60)
    parts = (([t_count("cards.common.hours", hours)] if hours else [])
             + ([t_count("cards.common.minutes", rest)] if rest or not hours else []))
    return " ".join(parts)


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


PEOPLE_DATASET = "graph.microsoft.com/users?scope=currentContext"  # Teams searches this conversation's people


def people_picker(id_: str, label: str, people: dict, value: str = "", **extra) -> dict:
    """Teams' People Picker: type a name to find someone in this conversation; its value is their
    aadObjectId. The roster's people ({aadObjectId: name}) are listed too, for clients without the
    search. Who may be chosen is still checked on the server (the roster), never taken from here."""
    return {**choice_set(id_, label, people, value, style="compact", **extra),
            "choices.data": {"type": "Data.Query", "dataset": PEOPLE_DATASET}}


def text_input(id_: str, label: str, value: str = "", **extra) -> dict:
    return {"type": "Input.Text", "id": id_, "label": label, "value": value, **extra}


_NUMBER = re.compile(r"[+-]?[0-9]{1,12}(\.[0-9]{1,6})?")


def number_value(value: object, default: int):
    """What an Input.Number shows for `value` as it was submitted: the number typed (even one out of
    range, so the form comes back as typed), or `default` when it is not a number at all."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not _NUMBER.fullmatch(value.strip()):
        return default  # ASCII digits only: float("٣") is 3.0, but the server refused it
    number = float(value)
    return int(number) if number.is_integer() else number


def field_error(errors: dict, field: str) -> list:
    """The server's message for one field, shown right under its input (in Teams' own red, as its
    input validation shows errors)."""
    if field not in errors:
        return []
    return [{"type": "TextBlock", "text": escape(errors[field]), "color": "Attention", "spacing": "None",
             "wrap": True}]


def form_errors_banner(errors: dict) -> list:
    if not errors:
        return []
    message = escape(errors["form"]) if "form" in errors else t("cards.common.fix_fields")
    return [text(message, color="Attention", weight="Bolder")]


def execute_button(title: str, verb: str, data: dict, **extra) -> dict:
    """Action.Execute (Universal Actions) with an Action.Submit fallback for older Teams clients;
    both carry the verb, so the bot handles them the same way."""
    payload = {"verb": verb, **data}
    return {"type": "Action.Execute", "title": title, "verb": verb, "data": payload,
            "fallback": {"type": "Action.Submit", "title": title, "data": payload}, **extra}


def notice(message: str, style: str = "Good") -> dict:
    """A short message about what just happened, in a container of its style (Good, Warning, Attention)."""
    return text(escape(message), color=style, weight="Bolder")
