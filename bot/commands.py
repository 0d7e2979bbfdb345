"""How a message becomes one of the chat commands (listed in cards/commands.py).

Pure functions: no botbuilder imports, so routing is easy to test.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Optional

from cards.commands import COMMAND_NAMES


# Words people type that mean a command.
ALIASES = {
    "?": "help",
    "hi": "help",
    "hello": "help",
    "start": "help",
    "menu": "help",
    "list": "workshops",
    "catalog": "workshops",
    "catalogue": "workshops",
    "details": "workshop",
    "show": "workshop",
    "project": "setup",
    "team": "roster",
    "roles": "roster",
    "series": "plan",
    "agendas": "agenda",
    "check-in": "checkin",
    "here": "checkin",
    "outcome": "outcomes",
    "action": "actions",
    "todo": "actions",
    "readiness": "status",
    "tab": "pin",
}

_MENTION_OPEN = re.compile(r"<at", re.IGNORECASE)
_MENTION_CLOSE = re.compile(r"</at>", re.IGNORECASE)
_SPACE = re.compile(r"\s+")
# A command and its argument are a few words at the start of a message; the rest is not read.
COMMAND_TEXT_LIMIT = 1000


def strip_mentions(text: Optional[str]) -> str:
    """Remove `<at>Bot</at>` mentions Teams puts in channel messages and fold white space.

    One left-to-right scan. A pattern such as `<at[^>]*>.*?</at>` retries from every `<at` to the end
    of the text when nothing closes it: quadratic, 47 s for 128 KB of `<at>`. Here, once an `<at` has
    no `>` or no `</at>` after it, no later one has either, and the scan stops.
    """
    if not text:
        return ""
    kept, position = [], 0
    while (opening := _MENTION_OPEN.search(text, position)) is not None:
        tag_end = text.find(">", opening.end())
        closing = _MENTION_CLOSE.search(text, tag_end + 1) if tag_end >= 0 else None
        if closing is None:
            break
        kept.append(text[position:opening.start()])
        position = closing.end()
    kept.append(text[position:])
    return _SPACE.sub(" ", " ".join(kept)).strip()


@dataclass(frozen=True)
class ParsedCommand:
    name: Optional[str]  # None: not a command we know
    argument: str
    text: str  # the cleaned text, for hints


def parse(text: Optional[str]) -> ParsedCommand:
    cleaned = strip_mentions((text or "")[:COMMAND_TEXT_LIMIT])
    head, _, rest = cleaned.partition(" ")
    word = head.lower().strip("/!.,:;")
    name = word if word in COMMAND_NAMES else ALIASES.get(word)
    return ParsedCommand(name=name, argument=rest.strip(), text=cleaned)


def submitted_command(value: object) -> Optional[str]:
    """The command a card's Submit button carries (`{"command": "workshop cutover"}`), or None."""
    if isinstance(value, dict) and isinstance(value.get("command"), str) and value["command"].strip():
        return value["command"][:200]
    return None


def closest_command(text: str) -> Optional[str]:
    """The command a mistyped word most likely meant, or None when nothing is close."""
    word = text.split(" ", 1)[0].lower() if text else ""
    if not word:
        return None
    candidates = list(COMMAND_NAMES) + list(ALIASES)
    match = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    if not match:
        return None
    return ALIASES.get(match[0], match[0])
