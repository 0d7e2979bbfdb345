"""Cards for project set-up: the form, the saved project, and the nudge to set up first."""

from __future__ import annotations

from typing import Mapping, Optional

from workshops.project import PHASES, PRODUCTS

from .common import (card, choice_set, command_button, escape, facts, field_error, form_errors_banner, heading,
                     text, text_input)

SETUP_FORM = "setup"


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
    body += [{"type": "Input.Date", "id": "goLive", "label": "Estimated go-live", "value": get("goLive")}]
    body += field_error(errors, "goLive")
    body += [choice_set("phase", "Current phase", PHASES, get("phase", "initiate"))] + field_error(errors, "phase")
    body += [text_input("timeZone", "Team time zone (IANA name)", get("timeZone", "UTC"),
                        placeholder="Europe/London")] + field_error(errors, "timeZone")
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


def project_saved_card(project: Mapping, *, created: bool) -> dict:
    title = "Project set up" if created else "Project updated"
    return card(
        heading(title, escape(project.get("name", ""))) + [
            project_facts(project),
            text("Next: give people their roles with **roster**, then answer the Blueprint Review questions "
                 "with **plan** to get the recommended workshop series."),
        ],
        [command_button("Roster", "roster"), command_button("Plan the series", "plan")],
    )


def needs_setup_card(command: str) -> dict:
    return card(
        [text(f"**{escape(command)}** needs a project, and this team has none yet. "
              "Set one up first: it takes a minute.")],
        [command_button("Set up the project", "setup")],
    )
