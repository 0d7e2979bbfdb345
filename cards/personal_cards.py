"""A person's own views across the projects they are in: `my workshops` and `my actions`.

Every sentence a person reads here is a catalogue key cards.personal.*."""

from __future__ import annotations

from typing import Mapping, Sequence

from texts import t, t_count

from .common import card, command_button, escape, heading, text
from .search_cards import state_label, when_text


def _projects(count: int) -> str:
    return t("cards.personal.across", projects=t_count("cards.personal.projects", count))


def _section(project: Mapping) -> dict:
    return {"type": "TextBlock", "text": escape(project.get("name") or project["projectId"]), "weight": "Bolder",
            "spacing": "Medium", "separator": True, "wrap": True}


def my_workshops_card(views: Sequence[tuple[Mapping, list[dict]]]) -> dict:
    """(project, its rows from workshops.personal.my_workshops) for each project the person is in."""
    body = heading(t("cards.personal.my_workshops"), _projects(len(views)) if views else None)
    if not views:
        body.append(text(t("cards.personal.no_projects")))
    for project, rows in views:
        body.append(_section(project))
        if not rows:
            body.append(text(t("cards.personal.no_workshops"), isSubtle=True, spacing="None"))
        for row in rows:
            about = [state_label(row["state"]), t(f"cards.personal.how.{row['how']}")]
            if row["rsvp"] in ("accept", "tentative", "decline"):
                about.append(t(f"cards.personal.rsvp.{row['rsvp']}"))
            when = when_text({"start": row["start"], "durationMinutes": row["minutes"]}, project.get("timeZone"))
            body.append(text(f"**{escape(row['title'])}** · {' · '.join(about)}\n\n{when}", spacing="Small"))
    return card(body, [command_button(t("cards.personal.my_actions_button"), "my actions")])


def my_actions_card(views: Sequence[tuple[Mapping, list[dict]]], titles: Mapping[str, str]) -> dict:
    """(project, its open actions owned by the person) for each project; `titles` by workshop id."""
    body = heading(t("cards.personal.my_actions"), _projects(len(views)) if views else None)
    if not views:
        body.append(text(t("cards.personal.no_projects")))
    for project, actions in views:
        body.append(_section(project))
        if not actions:
            body.append(text(t("cards.personal.no_actions"), isSubtle=True, spacing="None"))
        for action in actions:
            due = t("cards.personal.overdue" if action["overdue"] else "cards.outcome.due_on", due=action["due"])
            body.append(text(f"**{escape(action['title'])}** · {due}\n\n"
                             f"{escape(titles.get(action['workshopId'], action['workshopId']))}", spacing="Small"))
    return card(body, [command_button(t("cards.personal.my_workshops"), "my workshops")])
