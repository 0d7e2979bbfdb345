"""The chat commands the bot understands: `help` lists them all, the manifest's command menu
takes those marked in_menu, and bot/commands.py routes a message to one."""

from __future__ import annotations

from dataclasses import dataclass


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
    Command("plan", "plan [again|why <workshop>]",
            "The workshop series: recommend it, change it, approve it; why a workshop is in or out"),
    Command("agenda", "agenda <workshop>", "A workshop's agenda card: tailor, approve, schedule, RSVP"),
    Command("checkin", "checkin [workshop]", "Check in to the workshop that is running now", in_menu=False),
    Command("attendance", "attendance <workshop>", "Who came, and whether every mandatory role was there", in_menu=False),
    Command("outcomes", "outcomes <workshop>", "Record decisions, findings, risks and action items"),
    Command("actions", "actions [mine|all|overdue]", "Open action items, with a Done button"),
    Command("status", "status", "The project at a glance and go-live readiness"),
    Command("export", "export", "Outcomes, findings and actions as CSV and Markdown", in_menu=False),
    Command("pin", "pin <workshop|series>", "Pin a workshop's page, or the series, as a channel tab", in_menu=False),
    Command("revoke", "revoke links", "Stop every tab, calendar and export link issued so far (admins)",
            in_menu=False),
)

COMMAND_NAMES = tuple(c.name for c in COMMANDS)
MENU_COMMANDS = tuple(c for c in COMMANDS if c.in_menu)
