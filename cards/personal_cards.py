"""A person's own views across the projects they are in: `my workshops` and `my actions`.

Every sentence a person reads here is a catalogue key cards.personal.*."""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from texts import t, t_count

from .common import card, command_button, escape, heading, text
from .search_cards import state_label, when_text


def _projects(count: int) -> str:
    return t("cards.personal.across", projects=t_count("cards.personal.projects", count))


def _section(project: Mapping) -> dict:
    return {"type": "TextBlock", "text": escape(project.get("name") or project["projectId"]), "weight": "Bolder",
            "spacing": "Medium", "separator": True, "wrap": True}


def _across_projects(title: str, views: Sequence[tuple[Mapping, list[dict]]], nothing: str,
                     line: Callable[[Mapping, dict], str], button: dict) -> dict:
    """One section per project with a line per item (`nothing` when it has none)."""
    body = heading(title, _projects(len(views)) if views else None)
    if not views:
        body.append(text(t("cards.personal.no_projects")))
    for project, items in views:
        body.append(_section(project))
        if not items:
            body.append(text(nothing, isSubtle=True, spacing="None"))
        body += [text(line(project, item), spacing="Small") for item in items]
    return card(body, [button])


def my_workshops_card(views: Sequence[tuple[Mapping, list[dict]]]) -> dict:
    """(project, its rows from workshops.personal.my_workshops) for each project the person is in."""
    def line(project: Mapping, row: dict) -> str:
        about = [state_label(row["state"]), t(f"cards.personal.how.{row['how']}")]
        if row["rsvp"] in ("accept", "tentative", "decline"):
            about.append(t(f"cards.personal.rsvp.{row['rsvp']}"))
        when = when_text({"start": row["start"], "durationMinutes": row["minutes"]}, project.get("timeZone"))
        return f"**{escape(row['title'])}** · {' · '.join(about)}\n\n{when}"

    return _across_projects(t("cards.personal.my_workshops"), views, t("cards.personal.no_workshops"), line,
                            command_button(t("cards.personal.my_actions_button"), "my actions"))


def my_actions_card(views: Sequence[tuple[Mapping, list[dict]]], titles: Mapping[str, str]) -> dict:
    """(project, its open actions owned by the person) for each project; `titles` by workshop id."""
    def line(_project: Mapping, action: dict) -> str:
        due = t("cards.personal.overdue" if action["overdue"] else "cards.outcome.due_on", due=action["due"])
        return (f"**{escape(action['title'])}** · {due}\n\n"
                f"{escape(titles.get(action['workshopId'], action['workshopId']))}")

    return _across_projects(t("cards.personal.my_actions"), views, t("cards.personal.no_actions"), line,
                            command_button(t("cards.personal.my_workshops"), "my workshops"))
