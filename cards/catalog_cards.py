"""Cards about the workshop catalog: help, welcome, the list, one workshop, no match."""

from __future__ import annotations

from typing import Iterable

from cards.commands import COMMANDS
from catalog import Catalog, Workshop

from .common import card, command_button, escape, facts, heading, link_button, numbered, section, text

PRODUCT = "Implementation Workshops"
WHAT_IT_DOES = (
    "I run the implementation workshops of your Dynamics 365 project: the solution architect "
    "chooses the series after the Solution Blueprint Review, I post each agenda as a card to "
    "approve and answer, and I record who attended and what was decided."
)


def help_card() -> dict:
    return card(
        heading(PRODUCT, "What I can do")
        # Escaped: Teams renders Markdown in facts too, and would drop `<name>` as an unknown HTML tag.
        + [text(WHAT_IT_DOES), facts((escape(c.usage), c.description) for c in COMMANDS)],
        [command_button("Browse workshops", "workshops"), command_button("Cutover strategy", "workshop cutover")],
    )


def welcome_card() -> dict:
    return card(
        heading(f"Hello from {PRODUCT}")
        + [
            text(WHAT_IT_DOES),
            text("To start, browse the twelve workshops, or type **help** to see every command. "
                 "In a channel, @mention me first."),
        ],
        [command_button("Browse workshops", "workshops"), command_button("Help", "help")],
    )


def _duration(workshop: Workshop) -> str:
    low, high = workshop.duration_hours
    return f"{low} hour" if low == high == 1 else (f"{low} hours" if low == high else f"{low} to {high} hours")


def _roles(catalog: Catalog, slugs: Iterable[str]) -> str:
    return ", ".join(catalog.role_label(s) for s in slugs) or "None"


def workshops_card(catalog: Catalog) -> dict:
    rows = []
    for workshop in catalog.workshops:
        rows.append({
            "type": "ColumnSet",
            "separator": True,
            "columns": [
                {"type": "Column", "width": "stretch", "verticalContentAlignment": "Center", "items": [
                    text(f"**{workshop.title}**"),
                    text(workshop.summary, isSubtle=True, spacing="None"),
                ]},
                {"type": "Column", "width": "auto", "verticalContentAlignment": "Center", "items": [
                    {"type": "ActionSet", "actions": [command_button("Details", f"workshop {workshop.id}")]},
                ]},
            ],
        })
    return card(heading("Implementation workshops", f"{len(catalog.workshops)} workshops")
                + [text(catalog.programme_note, isSubtle=True)] + rows)


def workshop_card(catalog: Catalog, workshop: Workshop) -> dict:
    when = "After go-live" if workshop.timing == "post-go-live" else "Before go-live"
    body = heading(workshop.title) + [
        text(workshop.purpose),
        facts([
            ("Duration", _duration(workshop)),
            ("When", when),
            ("Mandatory", _roles(catalog, workshop.mandatory)),
            ("Recommended", _roles(catalog, workshop.recommended)),
        ]),
        section("Agenda topics"),
        numbered(workshop.topics),
    ]
    if workshop.closes_engagement:
        body.append(text("Holding this workshop closes the engagement.", isSubtle=True))
    actions = []
    if workshop.learn_more:
        actions.append(link_button("Learn more", workshop.learn_more))
    actions.append(command_button("All workshops", "workshops"))
    return card(body, actions)


SHOWN_NAME_LENGTH = 60  # what someone typed is echoed back at most this long


def shorten(text: str, limit: int = SHOWN_NAME_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unknown_workshop_text(name: str, suggestions: Iterable[Workshop], command: str) -> str:
    """The one wording for a workshop name no command understood: what was typed (shortened and
    shown literally), the closest workshops as the command to type, and where to see them all."""
    if not name:
        return f"Which workshop? For example: **{command} cutover**."
    text = f"I don't know a workshop called “{escape(shorten(name))}”."
    guesses = [f"**{command} {w.id}**" for w in suggestions]
    if guesses:
        text += f" Did you mean {' or '.join(guesses)}?"
    return text + " Type **workshops** to see them all."


def workshop_not_found_card(name: str, suggestions: list[Workshop]) -> dict:
    body = [text(unknown_workshop_text(name, [], "workshop"))]
    if suggestions:
        body.append(text("Did you mean one of these?"))
    actions = [command_button(w.title, f"workshop {w.id}") for w in suggestions]
    actions.append(command_button("All workshops", "workshops"))
    return card(body, actions)
