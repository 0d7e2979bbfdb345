"""Cards for project set-up: the form, the saved project, and the nudge to set up first."""

from __future__ import annotations

import functools
import importlib.resources
import zoneinfo
from typing import Mapping, Optional

from texts import t
from workshops.project import PHASES, PRODUCTS

from .common import (card, choice_set, command_button, escape, facts, field_error, form_errors_banner, heading,
                     text, text_input)

SETUP_FORM = "setup"
SHOWN_ZONE_LENGTH = 64  # a value outside the list (a stored alias, or what was typed) is offered back up to this long


TIME_ZONE_DATASET = "timeZones"  # the set-up form's typeahead: the bot answers its application/search
MAX_ZONE_RESULTS = 15  # Teams shows at most 15 choices of a typeahead search
# Offered before anything is typed: where Dynamics 365 projects are most often run from. Typing searches
# all of them (the bot answers, zone_matches); a client without typeahead keeps this list and the value.
COMMON_ZONES = ("Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Brussels",
                "Europe/Amsterdam", "Europe/Berlin", "Europe/Zurich", "Europe/Vienna", "Europe/Rome",
                "Europe/Madrid", "Europe/Copenhagen", "Europe/Oslo", "Europe/Stockholm", "Europe/Helsinki",
                "Europe/Warsaw", "Europe/Prague", "Europe/Istanbul", "Africa/Johannesburg", "Asia/Dubai",
                "Asia/Kolkata", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Australia/Sydney",
                "Pacific/Auckland", "America/Sao_Paulo", "America/Mexico_City", "America/New_York",
                "America/Toronto", "America/Chicago", "America/Denver", "America/Los_Angeles")


@functools.lru_cache(maxsize=1)
def _zone_choices() -> tuple[dict, ...]:
    """The zones countries use (tzdata's zone.tab: 418 of the ~600 IANA names; the rest are old
    aliases such as US/Eastern and Etc/GMT+5), titled by place so a search for "oslo" or "new york"
    finds them, sorted by title, UTC first."""
    table = (importlib.resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    zones = {line.split("\t")[2] for line in table.splitlines() if line and not line.startswith("#")}
    zones &= zoneinfo.available_timezones()
    titled = sorted(((zone.split("/", 1)[-1].replace("_", " ").replace("/", " / "), zone) for zone in zones),
                    key=lambda pair: pair[0].lower())
    return ({"title": "UTC", "value": "UTC"},) + tuple({"title": t, "value": v} for t, v in titled)


@functools.lru_cache(maxsize=1)
def _zones_by_value() -> dict[str, dict]:
    return {c["value"]: c for c in _zone_choices()}


def zone_matches(query: str, skip: int = 0, count: int = MAX_ZONE_RESULTS) -> list[dict]:
    """The typeahead's answer: zones whose place or name contains `query` (any case; spaces and
    underscores alike), those starting with it first; all of them, in order, for a blank query."""
    wanted = " ".join(query.replace("_", " ").split()).casefold()
    found = [c for c in _zone_choices()
             if wanted in c["title"].casefold() or wanted in c["value"].replace("_", " ").casefold()]
    found.sort(key=lambda c: not c["title"].casefold().startswith(wanted))  # stable: by title within each
    return found[skip:skip + min(count, MAX_ZONE_RESULTS)]


def time_zone_input(current: str) -> dict:
    """A typeahead over every time zone, `current` chosen: the common ones are in the card, the rest
    come from the bot as the user types (the whole list would make the set-up form about 24 KB, close
    to the 28 KB Teams takes in one message). `current` is offered even when it is not in the list, so a
    stored alias or what was typed comes back as it was."""
    by_value = _zones_by_value()
    choices = [by_value["UTC"]] + [by_value[zone] for zone in COMMON_ZONES if zone in by_value]
    current = current if len(current) <= SHOWN_ZONE_LENGTH else ""  # not echoed: it would swell the card
    if current and current not in {c["value"] for c in choices}:
        choices.insert(1, by_value.get(current, {"title": current, "value": current}))
    return {"type": "Input.ChoiceSet", "id": "timeZone", "label": t("cards.project.time_zone_label"),
            "style": "filtered", "value": current, "choices": choices,
            "choices.data": {"type": "Data.Query", "dataset": TIME_ZONE_DATASET},
            "placeholder": t("cards.project.time_zone_placeholder")}


def setup_form_card(values: Mapping, errors: Optional[dict] = None, *, editing: bool = False) -> dict:
    """`values` are the form's answers (an existing project's, or what the user last sent)."""
    errors = errors or {}
    get = lambda k, d="": values.get(k) if isinstance(values.get(k), str) else d  # noqa: E731
    body = heading(t("cards.project.edit_title" if editing else "cards.project.setup_title"),
                   t("cards.project.one_per_team"))
    body += form_errors_banner(errors)
    for id_ in ("name", "customer", "partner"):
        body += [text_input(id_, t(f"cards.project.{id_}_label"), get(id_), isRequired=True, maxLength=120,
                            errorMessage=t(f"cards.project.{id_}_missing"))] + field_error(errors, id_)
    body += [choice_set("products", t("cards.project.products_label"), PRODUCTS, get("products"), multi=True)]
    body += field_error(errors, "products")
    body += [{"type": "Input.Date", "id": "goLive", "label": t("cards.project.go_live_label"), "value": get("goLive")}]
    body += field_error(errors, "goLive")
    body += [choice_set("phase", t("cards.project.phase_label"), PHASES, get("phase", "initiate"))]
    body += field_error(errors, "phase")
    body += [time_zone_input(get("timeZone", "UTC"))] + field_error(errors, "timeZone")
    # `editing` rides along with the answers, so a form shown again with errors keeps its heading.
    return card(body, [{"type": "Action.Submit", "title": t("cards.project.save"),
                        "data": {"form": SETUP_FORM, "editing": editing}}])


def project_facts(project: Mapping) -> dict:
    products = ", ".join(PRODUCTS.get(p, p) for p in project.get("products", []))
    return facts([
        (t("cards.project.customer"), escape(project.get("customer", ""))),
        (t("cards.project.partner"), escape(project.get("partner", ""))),
        (t("cards.project.products"), products),
        (t("cards.project.go_live"), project.get("goLive", "")),
        (t("cards.project.phase"), PHASES.get(project.get("phase", ""), "")),
        (t("cards.project.time_zone"), escape(project.get("timeZone", "UTC"))),
    ])


def _next_step(roles_given: bool, planned: bool) -> tuple[str, list]:
    """What the team does next after set-up, from what it has done already."""
    roster, plan = command_button(t("cards.project.roster"), "roster"), command_button(t("cards.project.plan"), "plan")
    series = command_button(t("cards.project.the_series"), "plan")
    if not roles_given and not planned:
        return t("cards.project.next_roles_and_plan"), [roster, plan]
    if not planned:
        return t("cards.project.next_plan"), [plan]
    if not roles_given:
        return t("cards.project.next_roles"), [roster, series]
    return t("cards.project.next_agenda"), [command_button(t("cards.search.status"), "status"), series]


def project_saved_card(project: Mapping, *, created: bool, roles_given: bool = False, planned: bool = False) -> dict:
    title = t("cards.project.set_up" if created else "cards.project.updated")
    next_step, buttons = _next_step(roles_given, planned)
    return card(heading(title, escape(project.get("name", ""))) + [project_facts(project), text(next_step)], buttons)


def needs_setup_card(command: str, where: str = "team") -> dict:
    """`where`: "team" in a team's channels (one project per team), "chat" in a group or personal chat."""
    return card(
        [text(t(f"cards.project.needs_setup.{'chat' if where == 'chat' else 'team'}", command=escape(command)))],
        [command_button(t("cards.project.setup_title"), "setup")],
    )
