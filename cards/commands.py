"""The chat commands the bot understands: `help` lists them all, the manifest's command menu of each
scope takes those offered there, and bot/commands.py routes a message to one.

Scopes are Teams' names: `team` (a channel), `groupChat`, `personal`. A command `works` in some scopes
(typed elsewhere, the bot says where it works) and is `offered` in the menu of fewer: a project is a
team's or a group chat's, so the personal menu offers the catalog and your own views, not `setup`
or `pin`, even though a personal chat can hold a project too."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from texts import t

SCOPES = ("team", "groupChat", "personal")
EVERYWHERE = frozenset(SCOPES)
SHARED = frozenset({"team", "groupChat"})
TEAM = frozenset({"team"})
PERSONAL = frozenset({"personal"})


def scope_words(scope: str) -> str:
    """"a team channel", "a group chat", "a personal chat with me"."""
    return t(f"cards.commands.scope.{scope}")


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    key: str  # its description is the catalogue's cards.commands.<key> (the usage and name stay as typed)
    in_menu: bool = True  # Teams' command menu shows at most 10 per scope; `help` lists them all
    works: frozenset = EVERYWHERE  # where typing it does something
    offered: frozenset = SHARED  # whose command menu shows it (when in_menu)
    title: str = ""  # the menu's title, when it is more than the name ("my workshops")

    @property
    def description(self) -> str:
        return t(f"cards.commands.{self.key}")

    @property
    def menu_title(self) -> str:
        return self.title or self.name


# `help` lists these; each scope's command menu takes those in_menu and offered there.
COMMANDS: tuple[Command, ...] = (
    Command("help", "help", "help", offered=EVERYWHERE),
    Command("workshops", "workshops", "workshops", offered=EVERYWHERE),
    Command("workshop", "workshop <name>", "workshop", offered=EVERYWHERE),
    Command("my", "my workshops", "my_workshops", works=PERSONAL, offered=PERSONAL, title="my workshops"),
    Command("my", "my actions", "my_actions", works=PERSONAL, offered=PERSONAL, title="my actions"),
    Command("setup", "setup", "setup"),
    Command("roster", "roster", "roster"),
    Command("plan", "plan [again|why <workshop>]", "plan"),
    Command("agenda", "agenda <workshop>", "agenda"),
    Command("checkin", "checkin [workshop]", "checkin", in_menu=False),
    Command("attendance", "attendance <workshop>", "attendance", in_menu=False),
    Command("outcomes", "outcomes <workshop>", "outcomes"),
    Command("actions", "actions [mine|all|overdue]", "actions"),
    Command("status", "status", "status"),
    Command("export", "export", "export", in_menu=False),
    Command("pin", "pin <workshop|series>", "pin", in_menu=False, offered=TEAM),
    Command("revoke", "revoke links", "revoke", in_menu=False),
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
    where = t("cards.commands.or").join(scope_words(s) for s in SCOPES if s in works)
    return t("cards.commands.not_here", name=name, where=where)
