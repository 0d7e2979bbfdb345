"""Cards for choosing the series: the roster, the Blueprint Review questionnaire and the plan."""

from __future__ import annotations

from datetime import date
from typing import Mapping, Optional

from catalog import Catalog
from workshops.blueprint import ALM_MATURITY, INTEGRATIONS, MAX_COUNT, MIGRATION_VOLUMES, REPORTING
from workshops.people import ORGANISATIONS
from workshops.plan import APPROVED, removals
from workshops.project import PRODUCTS

from .common import (card, choice_set, command_button, escape, execute_button, field_error, form_errors_banner,
                     heading, notice, number_value, plural, text, text_input)

PLAN_FORM = "plan"
COMPLEXITY = {"low": "Low", "medium": "Medium", "high": "High"}


def _role_summary(catalog: Catalog, missing: list[str], planned: bool) -> list:
    """Before there is a series, the roles are checked against every workshop's, and the card says so."""
    blocks = [] if planned else [text(f"No series is planned yet, so these are the mandatory roles of all "
                                      f"{len(catalog.workshops)} workshops.", isSubtle=True)]
    if not missing:
        which = "the planned workshops" if planned else "every workshop"
        return blocks + [text(f"Every mandatory role of {which} is held by someone.", color="Good")]
    labels = ", ".join(catalog.role_label(r) for r in missing)
    return blocks + [text(f"Mandatory roles nobody holds yet: **{labels}**", color="Attention")]


def roster_card(project: Mapping, roster: Mapping, catalog: Catalog, *, missing_roles: list[str],
                editable: bool, message: Optional[str] = None, message_style: str = "Good",
                planned: bool = True) -> dict:
    """Admins get inputs; the save button carries the roster's version and what each input showed,
    so a save from an old card applies only what was changed on it. `planned`: whether
    `missing_roles` are of a series, or (before there is one) of every workshop."""
    members = sorted((roster.get("members") or {}).items(), key=lambda kv: kv[1].get("name", "").lower())
    body = heading("Roster and roles", escape(project.get("name", "")))
    if message:
        body.append(notice(message, message_style))
    body += _role_summary(catalog, missing_roles, planned)
    if not members:
        body.append(text("Nobody is on the roster yet."))
    role_options = dict(catalog.roles)
    shown = {}
    for aad, member in members:
        name = escape(member.get("name", "Unknown")) + ("" if member.get("inTeam", True) else " (left the team)")
        if editable:
            shown[f"roles:{aad}"] = ",".join(member.get("roles", []))
            shown[f"org:{aad}"] = member.get("organisation", "")
            body.append({"type": "Container", "separator": True, "items": [
                text(f"**{name}**"),
                choice_set(f"roles:{aad}", "Roles", role_options, shown[f"roles:{aad}"],
                           isMultiSelect=True, style="compact", placeholder="No role"),
                choice_set(f"org:{aad}", "Organisation", ORGANISATIONS, shown[f"org:{aad}"],
                           style="compact", placeholder="Not set"),
            ]})
        else:
            roles = ", ".join(catalog.role_label(r) for r in member.get("roles", [])) or "No role"
            org = ORGANISATIONS.get(member.get("organisation", ""), "")
            body.append(text(f"**{name}**: {roles}" + (f" ({org})" if org else ""), separator=True))
    actions = [command_button("Refresh from the team", "roster")]
    if editable:
        shown_data = {"version": int(roster.get("version") or 0), "shown": shown}
        actions.insert(0, execute_button("Save roles", "roster.save", shown_data))
    else:
        body.append(text("Only project admins (whoever set up the project, solution architects and project "
                         "managers) can change roles.", isSubtle=True))
    return card(body, actions)


def plan_form_card(values: Mapping, errors: Optional[dict] = None) -> dict:
    """The Solution Blueprint Review questions, prefilled from `values`."""
    errors = errors or {}
    get = lambda k, d="": str(values.get(k)) if values.get(k) not in (None, "") else d  # noqa: E731

    def toggle(id_: str, title: str) -> list:
        return [{"type": "Input.Toggle", "id": id_, "title": title, "value": get(id_, "false"),
                 "valueOn": "true", "valueOff": "false"}] + field_error(errors, id_)

    def number(id_: str, label: str, default: str) -> list:
        return [{"type": "Input.Number", "id": id_, "label": label, "min": 0, "max": MAX_COUNT,
                 "value": number_value(get(id_, default), int(default))}] + field_error(errors, id_)

    body = heading("Solution Blueprint Review", "Answer what the review found; I recommend the workshop series.")
    body += form_errors_banner(errors)
    body += [choice_set("products", "Products in scope", PRODUCTS, get("products"), multi=True)]
    body += field_error(errors, "products")
    body += [choice_set("migration_volume", "Data migration", MIGRATION_VOLUMES, get("migration_volume", "none"))]
    body += field_error(errors, "migration_volume")
    body += [choice_set("integrations", "Integrations", INTEGRATIONS, get("integrations"), multi=True)]
    body += field_error(errors, "integrations")
    body += number("external_systems", "How many external systems?", "0")
    body += number("gap_count", "Gap requirements the standard product does not meet", "0")
    body += number("business_units", "Business units", "1")
    body += toggle("regulated", "Regulations and compliance apply")
    body += toggle("high_volumes", "Large transaction volumes")
    body += toggle("geo_distributed", "Users in several geographies")
    body += [choice_set("reporting", "Reporting and BI", REPORTING, get("reporting", "none"))]
    body += field_error(errors, "reporting")
    body += toggle("legacy_mapping", "Users must map from a legacy system")
    body += toggle("branding", "Corporate branding or ISV look and feel matters")
    body += [choice_set("alm_maturity", "ALM maturity (build, release, environments)", ALM_MATURITY,
                        get("alm_maturity", "basic"))] + field_error(errors, "alm_maturity")
    body += [{"type": "Input.Date", "id": "go_live", "label": "Go-live", "value": get("go_live")}]
    body += field_error(errors, "go_live")
    return card(body, [{"type": "Action.Submit", "title": "Recommend the series", "data": {"form": PLAN_FORM}}])


def _when(item: Mapping) -> str:
    start, end = date.fromisoformat(item["windowStart"]), date.fromisoformat(item["windowEnd"])
    return f"{start:%d %b %Y} to {end:%d %b %Y}"


def _history_line(catalog: Catalog, entry: Mapping) -> str:
    who = escape((entry.get("by") or {}).get("name", "Someone"))
    when = entry.get("at", "")[:10]
    action = entry.get("action")
    if action == "approve":
        return f"{when}: {who} approved the series"
    if action == "recommend":
        return f"{when}: {who} answered the Blueprint Review questions"
    title = catalog.get(entry["workshopId"]).title if entry.get("workshopId") in catalog else "?"
    verb = "added" if action == "add" else "removed"
    return f"{when}: {who} {verb} {title}: {escape(entry.get('reason', ''))}"


def plan_card(project: Mapping, plan: Mapping, catalog: Catalog, *, message: Optional[str] = None,
              message_style: str = "Good", typed: Optional[Mapping] = None, errors: Optional[Mapping] = None) -> dict:
    """`typed` and `errors`: a change that was refused comes back in the change form as it was
    typed, with the error under its field."""
    items = sorted(plan.get("items", []), key=lambda i: i["order"])
    chosen = [i for i in items if i["included"]]
    left_out = [i for i in items if not i["included"]]
    body = heading("Workshop series", escape(project.get("name", "")))
    if message:
        body.append(notice(message, message_style))
    if plan.get("status") == APPROVED:
        by = escape((plan.get("approvedBy") or {}).get("name", ""))
        body.append(text(f"Approved by {by} on {plan.get('approvedAt', '')[:10]}", color="Good", weight="Bolder"))
    else:
        body.append(text("Awaiting approval by a solution architect", color="Warning", weight="Bolder"))
    body.append(text(f"{plural(len(chosen), 'workshop')}, go-live {project.get('goLive', '')}", isSubtle=True,
                     spacing="None"))
    for n, item in enumerate(chosen, start=1):
        workshop = catalog.get(item["workshopId"])
        hours = item["durationHours"]
        body.append({"type": "Container", "separator": True, "items": [
            text(f"**{n}. {workshop.title}**"),
            text(f"{COMPLEXITY[item['complexity']]} complexity, {plural(hours, 'hour')}, {_when(item)}",
                 isSubtle=True, spacing="None"),
            text("; ".join(escape(r) for r in item["reasons"]), size="Small", spacing="None"),
        ]})
    if left_out:
        body.append(text("**Not in the series**", spacing="Medium"))
        removed = removals(plan)
        for item in left_out:
            title, removal = catalog.get(item["workshopId"]).title, removed.get(item["workshopId"])
            if removal:  # taken out by hand: say who did and why, not why it was once recommended
                who = escape((removal.get("by") or {}).get("name", "Someone"))
                line = f"{title}: removed by {who} on {removal.get('at', '')[:10]}: {escape(removal.get('reason', ''))}"
            else:
                line = f"{title}: {escape(item['reasons'][0]) if item['reasons'] else ''}"
            body.append(text(line, size="Small", spacing="None"))
    history = [h for h in plan.get("changes", []) if h.get("action") in ("add", "remove", "approve")][-5:]
    if history:
        body.append(text("**Changes**", spacing="Medium"))
        body += [text(_history_line(catalog, h), size="Small", spacing="None") for h in history]

    version = {"version": plan.get("version", 0)}
    typed, errors = typed or {}, errors or {}
    shown = {k: typed[k] if isinstance(typed.get(k), str) else default
             for k, default in (("workshopId", ""), ("include", "remove"), ("reason", ""))}
    change_form = card([
        *field_error(errors, "form"),
        choice_set("workshopId", "Workshop", {w.id: w.title for w in catalog.workshops}, shown["workshopId"]),
        *field_error(errors, "workshopId"),
        choice_set("include", "Change", {"add": "Add to the series", "remove": "Remove from the series"},
                   shown["include"]),
        *field_error(errors, "include"),
        text_input("reason", "Why?", shown["reason"], isMultiline=True, maxLength=300),
        *field_error(errors, "reason"),
    ], [execute_button("Save the change", "plan.change", version)])
    actions = []
    if plan.get("status") != APPROVED:
        actions.append(execute_button("Approve the series", "plan.approve", version))
    actions.append({"type": "Action.ShowCard", "title": "Change the series", "card": change_form})
    return card(body, actions)
