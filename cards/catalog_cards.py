"""Cards about the workshop catalog: help, welcome, the list, one workshop, no match."""

from __future__ import annotations

from typing import Iterable

from cards.commands import COMMANDS
from catalog import Catalog, Workshop

from texts import t, t_count

from .common import PRODUCT_NAME as PRODUCT, card, command_button, escape, facts, heading, link_button, numbered, \
    section, text


def help_card() -> dict:
    return card(
        heading(PRODUCT, t("cards.catalog.what_i_can_do"))
        # Escaped: Teams renders Markdown in facts too, and would drop `<name>` as an unknown HTML tag.
        + [text(t("cards.catalog.what_it_does")), facts((escape(c.usage), c.description) for c in COMMANDS)],
        [command_button(t("cards.catalog.browse"), "workshops"),
         command_button(t("cards.catalog.cutover_button"), "workshop cutover")],
    )


def welcome_card() -> dict:
    return card(
        heading(t("cards.catalog.hello", product=PRODUCT))
        + [text(t("cards.catalog.what_it_does")), text(t("cards.catalog.to_start"))],
        [command_button(t("cards.catalog.browse"), "workshops"),
         command_button(t("cards.catalog.help_button"), "help")],
    )


def _duration(workshop: Workshop) -> str:
    low, high = workshop.duration_hours
    return t_count("cards.common.hours", low) if low == high else t("cards.catalog.hours_range", low=low, high=high)


def _roles(catalog: Catalog, slugs: Iterable[str]) -> str:
    return ", ".join(catalog.role_label(s) for s in slugs) or t("cards.catalog.no_roles")


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
                    {"type": "ActionSet",
                     "actions": [command_button(t("cards.catalog.details"), f"workshop {workshop.id}")]},
                ]},
            ],
        })
    count = t_count("cards.catalog.workshop_count", len(catalog.workshops))
    return card(heading(t("cards.catalog.workshops_title"), count)
                + [text(catalog.programme_note, isSubtle=True)] + rows)


def workshop_card(catalog: Catalog, workshop: Workshop) -> dict:
    when = t("cards.catalog.after_go_live" if workshop.timing == "post-go-live" else "cards.catalog.before_go_live")
    body = heading(workshop.title) + [
        text(workshop.purpose),
        facts([
            (t("cards.catalog.duration"), _duration(workshop)),
            (t("cards.catalog.when"), when),
            (t("cards.catalog.mandatory"), _roles(catalog, workshop.mandatory)),
            (t("cards.catalog.recommended"), _roles(catalog, workshop.recommended)),
        ]),
        section(t("cards.catalog.agenda_topics")),
        numbered(workshop.topics),
    ]
    if workshop.closes_engagement:
        body.append(text(t("cards.catalog.closes_engagement"), isSubtle=True))
    actions = []
    if workshop.learn_more:
        actions.append(link_button(t("cards.catalog.learn_more"), workshop.learn_more))
    actions.append(command_button(t("cards.catalog.all_workshops"), "workshops"))
    return card(body, actions)


SHOWN_NAME_LENGTH = 60  # what someone typed is echoed back at most this long


def shorten(text: str, limit: int = SHOWN_NAME_LENGTH) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def unknown_workshop_text(name: str, suggestions: Iterable[Workshop], command: str) -> str:
    """The one wording for a workshop name no command understood: what was typed (shortened and
    shown literally), the closest workshops as the command to type, and where to see them all."""
    if not name:
        return t("cards.catalog.which_workshop", command=command)
    said = t("cards.catalog.unknown_workshop", name=escape(shorten(name)))
    guesses = [f"**{command} {w.id}**" for w in suggestions]
    if guesses:
        said += t("cards.catalog.did_you_mean_these", guesses=t("cards.commands.or").join(guesses))
    return said + t("cards.catalog.see_them_all")


def workshop_not_found_card(name: str, suggestions: list[Workshop]) -> dict:
    body = [text(unknown_workshop_text(name, [], "workshop"))]
    if suggestions:
        body.append(text(t("cards.catalog.did_you_mean")))
    actions = [command_button(w.title, f"workshop {w.id}") for w in suggestions]
    actions.append(command_button(t("cards.catalog.all_workshops"), "workshops"))
    return card(body, actions)
