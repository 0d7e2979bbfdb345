"""The chat commands the bot understands: `help` lists them all, the manifest's command menu of each
scope takes those offered there, and bot/commands.py routes a message to one.

Scopes are Teams' names: `team` (a channel), `groupChat`, `personal`. A command `works` in some scopes
(typed elsewhere, the bot says where it works) and is `offered` in the menu of fewer: a project is a
team's or a group chat's, so the personal menu offers the catalog and your own views, not `setup`
or `pin`, even though a personal chat can hold a project too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

SCOPES = ("team", "groupChat", "personal")
EVERYWHERE = frozenset(SCOPES)
SHARED = frozenset({"team", "groupChat"})
TEAM = frozenset({"team"})
PERSONAL = frozenset({"personal"})
SCOPE_WORDS = {"team": "a team channel", "groupChat": "a group chat", "personal": "a personal chat with me"}


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    description: str
    in_menu: bool = True  # Teams' command menu shows at most 10 per scope; `help` lists them all
    works: frozenset = EVERYWHERE  # where typing it does something
    offered: frozenset = SHARED  # whose command menu shows it (when in_menu)
    title: str = ""  # the menu's title, when it is more than the name ("my workshops")

    @property
    def menu_title(self) -> str:
        return self.title or self.name


# `help` lists these; each scope's command menu takes those in_menu and offered there.
COMMANDS: tuple[Command, ...] = (
    Command("help", "help", "What the bot can do, with buttons for the common commands", offered=EVERYWHERE),
    Command("workshops", "workshops", "The twelve implementation workshops at a glance", offered=EVERYWHERE),
    Command("workshop", "workshop <name>", "One workshop: purpose, agenda, attendees, duration", offered=EVERYWHERE),
    Command("my", "my workshops", "Your workshops in every project you are in", works=PERSONAL, offered=PERSONAL,
            title="my workshops"),
    Command("my", "my actions", "Your open action items in every project you are in", works=PERSONAL,
            offered=PERSONAL, title="my actions"),
    Command("setup", "setup", "Set up this team's project, or edit it"),
    Command("roster", "roster", "The team's members and their project roles"),
    Command("plan", "plan [again|why <workshop>]",
            "The workshop series: recommend it, change it, approve it; why a workshop is in or out"),
    Command("agenda", "agenda <workshop>", "A workshop's agenda card: tailor, approve, schedule, RSVP"),
    Command("checkin", "checkin [workshop]", "Check in to the workshop that is running now", in_menu=False),
    Command("attendance", "attendance <workshop>", "Who came, and whether every mandatory role was there", in_menu=False),
    Command("outcomes", "outcomes <workshop>", "Record decisions, findings, risks and action items"),
    Command("actions", "actions [mine|all|overdue]", "Open action items, with a Done button"),
    Command("status", "status", "The project at a glance and go-live readiness"),
    Command("export", "export", "Outcomes, findings and actions as CSV and Markdown", in_menu=False),
    Command("pin", "pin <workshop|series>", "Pin a workshop's page, or the series, as a channel tab", in_menu=False,
            offered=TEAM),
    Command("revoke", "revoke links", "Stop every tab, calendar and export link issued so far (admins)",
            in_menu=False),
)

COMMAND_NAMES = tuple(dict.fromkeys(c.name for c in COMMANDS))


def menu_commands(scope: str) -> tuple[Command, ...]:
    """The commands the command menu of `scope` offers, in `help`'s order."""
    return tuple(c for c in COMMANDS if c.in_menu and scope in c.offered)


def scope_of(conversation_type: Optional[str]) -> str:
    """Teams' conversationType (channel, groupChat, personal) as a manifest scope."""
    return {"channel": "team", "groupChat": "groupChat"}.get(conversation_type or "", "personal")


def not_here(name: str, scope: str) -> Optional[str]:
    """What the bot answers when `name` is typed where it does not work, or None when it works there."""
    works = next((c.works for c in COMMANDS if c.name == name), EVERYWHERE)
    if scope in works:
        return None
    where = " or ".join(SCOPE_WORDS[s] for s in SCOPES if s in works)
    return f"**{name}** works in {where}, not here. Type **help** to see what works here."
