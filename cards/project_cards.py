"""Cards for project set-up: the form, the saved project, and the nudge to set up first."""

from __future__ import annotations

import functools
import importlib.resources
import zoneinfo
from typing import Mapping, Optional

from workshops.project import PHASES, PRODUCTS

from .common import (card, choice_set, command_button, escape, facts, field_error, form_errors_banner, heading,
                     text, text_input)

SETUP_FORM = "setup"
SHOWN_ZONE_LENGTH = 64  # a value outside the list (a stored alias, or what was typed) is offered back up to this long


@functools.lru_cache(maxsize=1)
def _zone_choices() -> tuple[dict, ...]:
    """The zones countries use (tzdata's zone.tab: 418 of the ~600 IANA names; the rest are old
    aliases such as US/Eastern and Etc/GMT+5), titled by place so a search for "oslo" or "new york"
    finds them, sorted by title, UTC first. All ~600 under their full names would make the set-up
    card about 36 KB, over the 28 KB Teams takes in one message; this list keeps it near 24 KB."""
    table = (importlib.resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    zones = {line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")}
    zones &= zoneinfo.available_timezones()
    titled = sorted(((zone.split("/", 1)[-1].replace("_", " ").replace("/", " / "), zone) for zone in zones),
                    key=lambda pair: pair[0].lower())
    return ({"title": "UTC", "value": "UTC"},) + tuple({"title": t, "value": v} for t, v in titled)


def time_zone_input(current: str) -> dict:
    """Search-as-you-type over the time zones, `current` chosen (and offered even when it is not
    in the list, so a stored alias or what was typed comes back as it was)."""
    choices = list(_zone_choices())
    current = current if len(current) <= SHOWN_ZONE_LENGTH else ""  # not echoed: it would swell the card
    if current and current not in {c["value"] for c in choices}:
        choices.insert(1, {"title": current, "value": current})
    return {"type": "Input.ChoiceSet", "id": "timeZone", "label": "Team time zone", "style": "filtered",
            "value": current, "choices": choices, "placeholder": "Type a city, for example London"}


def setup_form_card(values: Mapping, errors: Optional[dict] = None, *, editing: bool = False) -> dict:
    """`values` are the form's answers (an existing project's, or what the user last sent)."""
    errors = errors or {}
    get = lambda k, d="": values.get(k) if isinstance(values.get(k), str) else d  # noqa: E731
    body = heading("Edit the project" if editing else "Set up the project",
                   "One project per team: the workshops, roster and plan all belong to it.")
    body += form_errors_banner(errors)
    body += [text_input("name", "Project name", get("name"), isRequired=True, maxLength=120,
                        errorMessage="Give the project a name.")] + field_error(errors, "name")
    body += [text_input("customer", "Customer", get("customer"), isRequired=True, maxLength=120,
                        errorMessage="Name the customer.")] + field_error(errors, "customer")
    body += [text_input("partner", "Implementation partner", get("partner"), isRequired=True, maxLength=120,
                        errorMessage="Name the implementation partner.")]
    body += field_error(errors, "partner")
    body += [choice_set("products", "Products in scope", PRODUCTS, get("products"), multi=True)]
    body += field_error(errors, "products")
    body += [{"type": "Input.Date", "id": "goLive", "label": "Go-live: the estimated date, or in Operate the date it went live", "value": get("goLive")}]
    body += field_error(errors, "goLive")
    body += [choice_set("phase", "Current phase", PHASES, get("phase", "initiate"))] + field_error(errors, "phase")
    body += [time_zone_input(get("timeZone", "UTC"))] + field_error(errors, "timeZone")
    # `editing` rides along with the answers, so a form shown again with errors keeps its heading.
    return card(body, [{"type": "Action.Submit", "title": "Save project",
                        "data": {"form": SETUP_FORM, "editing": editing}}])


def project_facts(project: Mapping) -> dict:
    products = ", ".join(PRODUCTS.get(p, p) for p in project.get("products", []))
    return facts([
        ("Customer", escape(project.get("customer", ""))),
        ("Partner", escape(project.get("partner", ""))),
        ("Products", products),
        ("Go-live", project.get("goLive", "")),
        ("Phase", PHASES.get(project.get("phase", ""), "")),
        ("Time zone", escape(project.get("timeZone", "UTC"))),
    ])


def _next_step(roles_given: bool, planned: bool) -> tuple[str, list]:
    """What the team does next after set-up, from what it has done already."""
    if not roles_given and not planned:
        return ("Next: give people their roles with **roster**, then answer the Blueprint Review questions "
                "with **plan** to get the recommended workshop series.",
                [command_button("Roster", "roster"), command_button("Plan the series", "plan")])
    if not planned:
        return ("Next: answer the Blueprint Review questions with **plan** to get the recommended workshop "
                "series.", [command_button("Plan the series", "plan")])
    if not roles_given:
        return ("Next: give people their roles with **roster**, so each workshop has its mandatory attendees.",
                [command_button("Roster", "roster"), command_button("The series", "plan")])
    return ("Roles are given and the series is planned. Open a workshop's agenda with **agenda** and its "
            "name, or see where the project stands with **status**.",
            [command_button("Status", "status"), command_button("The series", "plan")])


def project_saved_card(project: Mapping, *, created: bool, roles_given: bool = False, planned: bool = False) -> dict:
    title = "Project set up" if created else "Project updated"
    next_step, buttons = _next_step(roles_given, planned)
    return card(heading(title, escape(project.get("name", ""))) + [project_facts(project), text(next_step)], buttons)


def needs_setup_card(command: str, where: str = "team") -> dict:
    """`where`: "team" in a team's channels (one project per team), "chat" in a group or personal chat."""
    return card(
        [text(f"**{escape(command)}** needs a project, and this {where} has none yet. "
              "Set one up first: it takes a minute.")],
        [command_button("Set up the project", "setup")],
    )
