"""A person's own views across the projects they are in: `my workshops` and `my actions`.

Every sentence a person reads here is a constant or a template below, so that the string catalogue
can take them over in one place."""

from __future__ import annotations

from typing import Mapping, Sequence

from .common import card, command_button, escape, heading, text
from .search_cards import state_label, when_text

MY_WORKSHOPS = "My workshops"
MY_ACTIONS = "My open actions"
NO_PROJECTS = ("You are not in any project yet. Once a project's roster lists you (its team types **roster**), "
               "its workshops and your actions show here.")
NO_WORKSHOPS = "No workshop of this project invites you yet."
NO_ACTIONS = "You have no open actions here."
ACROSS = "Across {} you are in."
HOW = {"mandatory": "mandatory for your role", "recommended": "recommended for your role",
       "answered": "you answered its invitation"}
RSVP = {"accept": "you accepted", "tentative": "you said maybe", "decline": "you declined"}
WHICH = "Type **my workshops** or **my actions**."
ONLY_HERE = ("**my {}** shows what you have in every project, so I answer it only in a personal chat with me. "
             "Open a chat with me and type it there.")


def _projects(count: int) -> str:
    return "one project" if count == 1 else f"{count} projects"


def _section(project: Mapping) -> dict:
    return {"type": "TextBlock", "text": escape(project.get("name") or project["projectId"]), "weight": "Bolder",
            "spacing": "Medium", "separator": True, "wrap": True}


def my_workshops_card(views: Sequence[tuple[Mapping, list[dict]]]) -> dict:
    """(project, its rows from workshops.personal.my_workshops) for each project the person is in."""
    body = heading(MY_WORKSHOPS, ACROSS.format(_projects(len(views))) if views else None)
    if not views:
        body.append(text(NO_PROJECTS))
    for project, rows in views:
        body.append(_section(project))
        if not rows:
            body.append(text(NO_WORKSHOPS, isSubtle=True, spacing="None"))
        for row in rows:
            about = [state_label(row["state"]), HOW[row["how"]]] + ([RSVP[row["rsvp"]]] if row["rsvp"] in RSVP else [])
            when = when_text({"start": row["start"], "durationMinutes": row["minutes"]}, project.get("timeZone"))
            body.append(text(f"**{escape(row['title'])}** · {' · '.join(about)}\n\n{when}", spacing="Small"))
    return card(body, [command_button("My actions", "my actions")])


def my_actions_card(views: Sequence[tuple[Mapping, list[dict]]], titles: Mapping[str, str]) -> dict:
    """(project, its open actions owned by the person) for each project; `titles` by workshop id."""
    body = heading(MY_ACTIONS, ACROSS.format(_projects(len(views))) if views else None)
    if not views:
        body.append(text(NO_PROJECTS))
    for project, actions in views:
        body.append(_section(project))
        if not actions:
            body.append(text(NO_ACTIONS, isSubtle=True, spacing="None"))
        for action in actions:
            due = f"**overdue**, due {action['due']}" if action["overdue"] else f"due {action['due']}"
            body.append(text(f"**{escape(action['title'])}** · {due}\n\n"
                             f"{escape(titles.get(action['workshopId'], action['workshopId']))}", spacing="Small"))
    return card(body, [command_button("My workshops", "my workshops")])
