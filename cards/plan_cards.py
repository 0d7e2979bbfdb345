"""Cards for choosing the series: the roster, the Blueprint Review questionnaire and the plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping, Optional

from catalog import Catalog
from workshops.blueprint import (ALM_MATURITY, ALM_OWNERS, KINDS, MAX_COUNT, MAX_NAME, MAX_NOTE, MAX_SYSTEMS,
                                 MAX_USERS, MIGRATED, MIGRATION_VOLUMES, PLATFORMS, REGULATIONS, REPORTING,
                                 SYSTEM_KINDS, SYSTEM_ROW, TIMINGS)
from workshops.people import GRANT_PERSON, GRANT_ROLE, ORGANISATIONS
from workshops.plan import APPROVED, removals
from workshops.project import PHASES, PRODUCTS

from .common import (card, choice_set, command_button, escape, execute_button, field_error, form_errors_banner,
                     heading, notice, number_value, people_picker, plural, section, text, text_input)

PLAN_FORM = "plan"
MAX_PROJECT_LINE = 300
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
    if editable and members:
        body += _grant_picker(members, role_options)
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


def _grant_picker(members: list, role_options: dict) -> list:
    """Give someone a role by name: Teams' People Picker, and the role; saved with the card."""
    people = {aad: m.get("name", "Unknown") for aad, m in members if m.get("inTeam", True)}
    return [{"type": "Container", "separator": True, "items": [
        text("**Give someone a role**"),
        people_picker(GRANT_PERSON, "Person", people, "", placeholder="Type a name"),
        choice_set(GRANT_ROLE, "Role", role_options, "", style="compact", placeholder="Choose a role")]}]


def _system_rows(values: Mapping, errors: dict, get) -> list:
    """One row per integrated system (name, kind, batch or real-time): those given, and two blank."""
    named = [int(m.group(1)) for k in values
             if (m := SYSTEM_ROW.fullmatch(str(k))) and m.group(2) == "name" and get(k)]
    rows = []
    for n in range(1, min(MAX_SYSTEMS, max(3, max(named, default=0) + 2)) + 1):
        ids = [f"system:{n}:{f}" for f in ("name", "kind", "timing")]
        inputs = [text_input(ids[0], f"System {n}", get(ids[0]), maxLength=MAX_NAME,
                             placeholder="e.g. Suppliers, Service Bus"),
                  choice_set(ids[1], "How", SYSTEM_KINDS, get(ids[1], "standard"), style="compact"),
                  choice_set(ids[2], "When", TIMINGS, get(ids[2], "batch"), style="compact")]
        rows.append({"type": "ColumnSet", "spacing": "Small", "columns": [
            {"type": "Column", "width": width, "items": [element] + field_error(errors, element["id"])}
            for width, element in zip(("stretch", "auto", "auto"), inputs)]})
    return rows


def plan_form_card(values: Mapping, errors: Optional[dict] = None) -> dict:
    """The Solution Blueprint Review questions, prefilled from `values`. The project's products,
    go-live and phase are shown (`values["project"]`, see `project_line`), not asked: `setup`
    edits them; the submit button carries that line so the form shows it again with errors."""
    errors = errors or {}
    shown = str(values.get("project") or "")[:MAX_PROJECT_LINE]
    get = lambda k, d="": str(values.get(k)) if values.get(k) not in (None, "") else d  # noqa: E731

    def toggle(id_: str, title: str) -> list:
        return [{"type": "Input.Toggle", "id": id_, "title": title, "value": get(id_, "false"),
                 "valueOn": "true", "valueOff": "false"}] + field_error(errors, id_)

    def number(id_: str, label: str, default: str, high: int = MAX_COUNT) -> list:
        return [{"type": "Input.Number", "id": id_, "label": label, "min": 0, "max": high,
                 "value": number_value(get(id_, default), int(default))}] + field_error(errors, id_)

    def choose(id_: str, label: str, options: Mapping, default: str = "", many: bool = False) -> list:
        extra = {"isMultiSelect": True} if many else {}
        return [choice_set(id_, label, dict(options), get(id_, default), style="compact", **extra)] + field_error(
            errors, id_)

    def note(id_: str, label: str, hint: str) -> list:
        return [text_input(id_, label, get(id_), maxLength=MAX_NOTE, placeholder=hint)] + field_error(errors, id_)

    body = heading("Solution Blueprint Review", "Answer what the review found; I recommend the workshop series.")
    body += form_errors_banner(errors)
    if shown:
        body.append(text(f"{escape(shown)}. Change these with **setup**.", isSubtle=True))
    body += choose("kind", "Kind of project", KINDS, "greenfield")
    body.append(section("Organisation and users"))
    body += number("legal_entities", "Legal entities", "1") + number("business_units", "Business units", "1")
    body += choose("regulations", "Regulations that apply", REGULATIONS, many=True)
    body += number("users", "Users (0 if not known yet)", "0", MAX_USERS) + number("countries", "Countries", "1")
    body += note("peak_seasons", "Peak seasons", "e.g. Black Friday, year-end close")
    body += toggle("high_volumes", "Large transaction volumes")
    body.append(section("Integrations"))
    body += choose("platforms", "Platforms", PLATFORMS, many=True) + _system_rows(values, errors, get)
    body.append(section("Data migration"))
    body += choose("migration_volume", "Volume", MIGRATION_VOLUMES, "none")
    body += note("migration_sources", "From", "e.g. AX 2012, Salesforce")
    body += choose("migrated", "What is migrated", MIGRATED, many=True)
    body.append(section("Gaps, reporting and experience"))
    body += number("gap_count", "Gap requirements the standard product does not meet", "0")
    body += number("critical_gaps", "Of which critical (high impact, high risk)", "0")
    body += choose("reporting", "Reporting and BI", REPORTING, "none")
    body += toggle("legacy_mapping", "Users must map from a legacy system")
    body += toggle("branding", "Corporate branding or ISV look and feel matters")
    body.append(section("Application lifecycle management"))
    body += choose("alm_maturity", "ALM maturity (build, release, environments)", ALM_MATURITY, "basic")
    body += choose("alm_owner", "Who runs ALM", ALM_OWNERS, "partner")
    return card(body, [{"type": "Action.Submit", "title": "Recommend the series",
                        "data": {"form": PLAN_FORM, "project": shown}}])


def project_line(project: Mapping) -> str:
    """The project's facts the plan is made for, as set up: products, go-live, phase."""
    products = ", ".join(PRODUCTS.get(p, p) for p in project.get("products", [])) or "no products"
    return (f"{products}; go-live {_day(project.get('goLive'))}; "
            f"phase {PHASES.get(project.get('phase', ''), 'not set')}")


def _day(value: object) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return "not set"
    return f"{day.day} {day:%b %Y}"


def _when(item: Mapping) -> str:
    start, end = date.fromisoformat(item["windowStart"]), date.fromisoformat(item["windowEnd"])
    return f"{start:%d %b %Y} to {end:%d %b %Y}"


def _week(item: Mapping) -> date:
    """The Monday of the week a workshop is held in; a plan saved before the schedule existed, or
    a workshop added by hand, has only a window: its first week."""
    start = date.fromisoformat(item.get("week") or item["windowStart"])
    return start - timedelta(days=start.weekday())


def timeline(chosen: list, catalog: Catalog, go_live: object) -> list:
    """The schedule, one line per week that holds workshops, with go-live in its place."""
    weeks: dict[date, list[str]] = {}
    for item in chosen:
        title = catalog.get(item["workshopId"]).title
        weeks.setdefault(_week(item), []).append(f"{title} ({plural(item['durationHours'], 'hour')})")
    try:
        marker = date.fromisoformat(str(go_live))
    except ValueError:
        marker = None
    lines, marked = [section("Timeline")], marker is None
    for monday in sorted(weeks):
        if not marked and monday >= marker:  # a week that holds go-live holds workshops before it
            lines.append(text(f"**Go-live {_day(go_live)}**", spacing="None", color="Accent"))
            marked = True
        lines.append(text(f"**Week of {monday.day} {monday:%b}**: {'; '.join(weeks[monday])}", size="Small",
                          spacing="None"))
    if not marked:
        lines.append(text(f"**Go-live {_day(go_live)}**", spacing="None", color="Accent"))
    return lines


def plan_facts(plan: Mapping) -> dict:
    """The go-live, products and phase a plan was made for (a plan from before issue 15 kept the
    go-live and products among its answers)."""
    facts = plan.get("facts") or {}
    if facts:
        return dict(facts)
    answers = plan.get("answers") or {}
    products = [p.strip() for p in str(answers.get("products", "")).split(",") if p.strip()]
    return {k: v for k, v in (("goLive", answers.get("go_live")), ("products", products)) if v}


def _out_of_date(project: Mapping, plan: Mapping) -> str:
    """What changed in set-up since the plan was made, in words, or ""."""
    made_for, said = plan_facts(plan), []
    if made_for.get("goLive") and made_for["goLive"] != project.get("goLive"):
        said.append(f"go-live {_day(made_for['goLive'])} is now {_day(project.get('goLive'))}")
    if made_for.get("products") and list(made_for["products"]) != list(project.get("products", [])):
        said.append("the products changed")
    if made_for.get("phase") and made_for["phase"] != project.get("phase"):
        said.append(f"the phase is now {PHASES.get(project.get('phase', ''), '')}")
    return "; ".join(said)


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
    body.append(text(f"{plural(len(chosen), 'workshop')}: {escape(project_line(project))}", isSubtle=True,
                     spacing="None"))
    changed = _out_of_date(project, plan)
    if changed:
        body.append(notice(f"Set-up changed since this plan was made ({changed}): type plan again to re-plan.",
                           "Warning"))
    if (plan.get("risk") or {}).get("text"):
        body.append(notice(plan["risk"]["text"], "Attention"))
    body += timeline(chosen, catalog, project.get("goLive"))
    for n, item in enumerate(chosen, start=1):
        workshop = catalog.get(item["workshopId"])
        hours = item["durationHours"]
        body.append({"type": "Container", "separator": True, "items": [
            text(f"**{n}. {workshop.title}**"),
            text(f"{COMPLEXITY[item['complexity']]} complexity, {plural(hours, 'hour')}, {_when(item)}",
                 isSubtle=True, spacing="None"),
            text("; ".join(escape(r) for r in item["reasons"]), size="Small", spacing="None"),
        ] + ([text(escape(item["triage"]), size="Small", spacing="None", color="Warning")]
             if item.get("triage") else [])})
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


def why_card(project: Mapping, plan: Mapping, catalog: Catalog, workshop_id: str) -> dict:
    """`plan why <workshop>`: why a workshop is in the series or was left out, in the plan's own
    reasons, and who changed that by hand."""
    workshop = catalog.get(workshop_id)
    item = next((i for i in plan.get("items", []) if i["workshopId"] == workshop_id), None)
    body = heading(f"Why {workshop.title}?", escape(project.get("name", "")))
    if item is None:
        return card(body + [text("The plan has no answer for this workshop: type plan again to re-plan.")])
    by_hand = None
    for entry in plan.get("changes", []):  # the latest add or remove since the questions were answered
        if entry.get("action") == "recommend":
            by_hand = None
        elif entry.get("action") in ("add", "remove") and entry.get("workshopId") == workshop_id:
            by_hand = entry
    if item["included"]:
        verdict = (f"**In the series**, week of {_week(item).day} {_week(item):%b %Y}, "
                   f"{plural(item['durationHours'], 'hour')}")
    else:
        verdict = "**Not in the series**"
    body.append(text(verdict, color="Good" if item["included"] else "Warning"))
    if by_hand:
        who = escape((by_hand.get("by") or {}).get("name", "Someone"))
        verb = "Added" if by_hand["action"] == "add" else "Removed"
        body.append(text(f"{verb} by {who} on {by_hand.get('at', '')[:10]}: {escape(by_hand.get('reason', ''))}"))
    said = "Recommended because:" if item["recommended"] else "Not recommended:"
    body.append(text(said, weight="Bolder", spacing="Medium"))
    body.append(text("\n".join(f"- {escape(r)}" for r in item["reasons"])))
    if item.get("triage"):
        body.append(text(escape(item["triage"]), color="Warning"))
    return card(body, [command_button("The series", "plan")])
