"""The chat commands the bot understands, and how a message becomes one.

Pure functions: no botbuilder imports, so routing is easy to test.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    description: str
    in_menu: bool = True  # Teams' command menu shows at most 10 per scope; `help` lists them all


# `help` lists these; the manifest's command menu takes those marked in_menu.
COMMANDS: tuple[Command, ...] = (
    Command("help", "help", "What the bot can do, with buttons for the common commands"),
    Command("workshops", "workshops", "The twelve implementation workshops at a glance"),
    Command("workshop", "workshop <name>", "One workshop: purpose, agenda, attendees, duration"),
    Command("setup", "setup", "Set up this team's project, or edit it"),
    Command("roster", "roster", "The team's members and their project roles"),
    Command("plan", "plan", "The workshop series: recommend it, change it, approve it"),
    Command("agenda", "agenda <workshop>", "A workshop's agenda card: tailor, approve, schedule, RSVP"),
    Command("checkin", "checkin [workshop]", "Check in to the workshop that is running now", in_menu=False),
    Command("attendance", "attendance <workshop>", "Who came, and whether every mandatory role was there", in_menu=False),
    Command("outcomes", "outcomes <workshop>", "Record decisions, findings, risks and action items"),
    Command("actions", "actions [mine|all|overdue]", "Open action items, with a Done button"),
    Command("status", "status", "The project at a glance and go-live readiness"),
    Command("export", "export", "Outcomes, findings and actions as CSV and Markdown", in_menu=False),
    Command("pin", "pin <workshop|series>", "Pin a workshop's page, or the series, as a channel tab", in_menu=False),
)

COMMAND_NAMES = tuple(c.name for c in COMMANDS)
MENU_COMMANDS = tuple(c for c in COMMANDS if c.in_menu)

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

_MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
_SPACE = re.compile(r"\s+")


def strip_mentions(text: Optional[str]) -> str:
    """Remove `<at>Bot</at>` mentions Teams puts in channel messages and fold white space."""
    if not text:
        return ""
    return _SPACE.sub(" ", _MENTION.sub(" ", text)).strip()


@dataclass(frozen=True)
class ParsedCommand:
    name: Optional[str]  # None: not a command we know
    argument: str
    text: str  # the cleaned text, for hints


def parse(text: Optional[str]) -> ParsedCommand:
    cleaned = strip_mentions(text)
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
