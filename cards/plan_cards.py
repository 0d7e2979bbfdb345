"""Cards for choosing the series: the roster, the Blueprint Review questionnaire and the plan."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Mapping, Optional

from catalog import Catalog
from workshops.blueprint import (ALM_MATURITY, ALM_OWNERS, KINDS, MAX_COUNT, MAX_NAME, MAX_NOTE, MAX_SYSTEMS,
                                 MAX_USERS, MIGRATED, MIGRATION_VOLUMES, PLATFORMS, REGULATIONS, REPORTING,
                                 SYSTEM_KINDS, SYSTEM_ROW, TIMINGS)
from texts import day as texts_day, t, t_count
from workshops.people import GRANT_PERSON, GRANT_ROLE, ORGANISATIONS
from workshops.plan import APPROVED, removals
from workshops.project import PHASES, PRODUCTS

from .common import (card, choice_set, command_button, escape, execute_button, field_error, form_errors_banner,
                     heading, notice, number_value, people_picker, section, text, text_input)

PLAN_FORM = "plan"
MAX_PROJECT_LINE = 300


def _hours(n: int) -> str:
    return t_count("cards.common.hours", n)


def _role_summary(catalog: Catalog, missing: list[str], planned: bool) -> list:
    """Before there is a series, the roles are checked against every workshop's, and the card says so."""
    blocks = [] if planned else [text(t("cards.plan.no_series_yet", n=len(catalog.workshops)), isSubtle=True)]
    if not missing:
        return blocks + [text(t("cards.plan.all_held_planned" if planned else "cards.plan.all_held_every"),
                              color="Good")]
    labels = ", ".join(catalog.role_label(r) for r in missing)
    return blocks + [text(t("cards.plan.unfilled", labels=labels), color="Attention")]


def roster_card(project: Mapping, roster: Mapping, catalog: Catalog, *, missing_roles: list[str],
                editable: bool, message: Optional[str] = None, message_style: str = "Good",
                planned: bool = True) -> dict:
    """Admins get inputs; the save button carries the roster's version and what each input showed,
    so a save from an old card applies only what was changed on it. `planned`: whether
    `missing_roles` are of a series, or (before there is one) of every workshop."""
    members = sorted((roster.get("members") or {}).items(), key=lambda kv: kv[1].get("name", "").lower())
    body = heading(t("cards.plan.roster_title"), escape(project.get("name", "")))
    if message:
        body.append(notice(message, message_style))
    body += _role_summary(catalog, missing_roles, planned)
    if not members:
        body.append(text(t("cards.plan.roster_empty")))
    role_options = dict(catalog.roles)
    shown = {}
    if editable and members:
        body += _grant_picker(members, role_options)
    for aad, member in members:
        name = escape(member.get("name", t("cards.plan.unknown"))) + ("" if member.get("inTeam", True)
                                                                      else t("cards.plan.left_team"))
        if editable:
            shown[f"roles:{aad}"] = ",".join(member.get("roles", []))
            shown[f"org:{aad}"] = member.get("organisation", "")
            body.append({"type": "Container", "separator": True, "items": [
                text(f"**{name}**"),
                choice_set(f"roles:{aad}", t("cards.plan.roles"), role_options, shown[f"roles:{aad}"],
                           isMultiSelect=True, style="compact", placeholder=t("cards.plan.no_role")),
                choice_set(f"org:{aad}", t("cards.plan.organisation"), ORGANISATIONS, shown[f"org:{aad}"],
                           style="compact", placeholder=t("cards.plan.not_set")),
            ]})
        else:
            roles = ", ".join(catalog.role_label(r) for r in member.get("roles", [])) or t("cards.plan.no_role")
            org = ORGANISATIONS.get(member.get("organisation", ""), "")
            body.append(text(f"**{name}**: {roles}" + (f" ({org})" if org else ""), separator=True))
    actions = [command_button(t("cards.plan.refresh_roster"), "roster")]
    if editable:
        shown_data = {"version": int(roster.get("version") or 0), "shown": shown}
        actions.insert(0, execute_button(t("cards.plan.save_roles"), "roster.save", shown_data))
    else:
        body.append(text(t("cards.plan.admins_only"), isSubtle=True))
    return card(body, actions)


def _grant_picker(members: list, role_options: dict) -> list:
    """Give someone a role by name: Teams' People Picker, and the role; saved with the card."""
    people = {aad: m.get("name", t("cards.plan.unknown")) for aad, m in members if m.get("inTeam", True)}
    return [{"type": "Container", "separator": True, "items": [
        text(t("cards.plan.give_role")),
        people_picker(GRANT_PERSON, t("cards.plan.person"), people, "", placeholder=t("cards.plan.type_a_name")),
        choice_set(GRANT_ROLE, t("cards.plan.role"), role_options, "", style="compact",
                   placeholder=t("cards.plan.choose_role"))]}]


def _system_rows(values: Mapping, errors: dict, get) -> list:
    """One row per integrated system (name, kind, batch or real-time): those given, and two blank."""
    named = [int(m.group(1)) for k in values
             if (m := SYSTEM_ROW.fullmatch(str(k))) and m.group(2) == "name" and get(k)]
    rows = []
    for n in range(1, min(MAX_SYSTEMS, max(3, max(named, default=0) + 2)) + 1):
        ids = [f"system:{n}:{f}" for f in ("name", "kind", "timing")]
        inputs = [text_input(ids[0], t("cards.plan.system", n=n), get(ids[0]), maxLength=MAX_NAME,
                             placeholder=t("cards.plan.system_hint")),
                  choice_set(ids[1], t("cards.plan.system_how"), SYSTEM_KINDS, get(ids[1], "standard"),
                             style="compact"),
                  choice_set(ids[2], t("cards.catalog.when"), TIMINGS, get(ids[2], "batch"), style="compact")]
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

    # Each question's label is the catalogue's cards.plan.q.<id>, a free-text one's hint cards.plan.hint.<id>.
    def toggle(id_: str) -> list:
        return [{"type": "Input.Toggle", "id": id_, "title": t(f"cards.plan.q.{id_}"), "value": get(id_, "false"),
                 "valueOn": "true", "valueOff": "false"}] + field_error(errors, id_)

    def number(id_: str, default: str, high: int = MAX_COUNT) -> list:
        return [{"type": "Input.Number", "id": id_, "label": t(f"cards.plan.q.{id_}"), "min": 0, "max": high,
                 "value": number_value(get(id_, default), int(default))}] + field_error(errors, id_)

    def choose(id_: str, options: Mapping, default: str = "", many: bool = False) -> list:
        extra = {"isMultiSelect": True} if many else {}
        return [choice_set(id_, t(f"cards.plan.q.{id_}"), dict(options), get(id_, default), style="compact",
                           **extra)] + field_error(errors, id_)

    def note(id_: str) -> list:
        return [text_input(id_, t(f"cards.plan.q.{id_}"), get(id_), maxLength=MAX_NOTE,
                           placeholder=t(f"cards.plan.hint.{id_}"))] + field_error(errors, id_)

    def part(name: str) -> dict:
        return section(t(f"cards.plan.part.{name}"))

    body = heading("Solution Blueprint Review", t("cards.plan.form_subtitle"))
    body += form_errors_banner(errors)
    if shown:
        body.append(text(t("cards.plan.change_with_setup", facts=escape(shown)), isSubtle=True))
    body += choose("kind", KINDS, "greenfield")
    body.append(part("organisation"))
    body += number("legal_entities", "1") + number("business_units", "1")
    body += choose("regulations", REGULATIONS, many=True)
    body += number("users", "0", MAX_USERS) + number("countries", "1")
    body += note("peak_seasons")
    body += toggle("high_volumes")
    body.append(part("integrations"))
    body += choose("platforms", PLATFORMS, many=True) + _system_rows(values, errors, get)
    body.append(part("migration"))
    body += choose("migration_volume", MIGRATION_VOLUMES, "none")
    body += note("migration_sources")
    body += choose("migrated", MIGRATED, many=True)
    body.append(part("gaps"))
    body += number("gap_count", "0") + number("critical_gaps", "0")
    body += choose("reporting", REPORTING, "none")
    body += toggle("legacy_mapping") + toggle("branding")
    body.append(part("alm"))
    body += choose("alm_maturity", ALM_MATURITY, "basic") + choose("alm_owner", ALM_OWNERS, "partner")
    return card(body, [{"type": "Action.Submit", "title": t("cards.plan.recommend"),
                        "data": {"form": PLAN_FORM, "project": shown}}])


def project_line(project: Mapping) -> str:
    """The project's facts the plan is made for, as set up: products, go-live, phase."""
    products = ", ".join(PRODUCTS.get(p, p) for p in project.get("products", [])) or t("cards.plan.no_products")
    return t("cards.plan.project_line", products=products, go_live=_day(project.get("goLive")),
             phase=PHASES.get(project.get("phase", ""), t("cards.plan.not_set_lower")))


def _short(day: date, year: bool = True) -> str:
    """"2 Dec 2026" (the day not padded, unlike texts.day), or "2 Dec"."""
    month = t("texts.months").split()[day.month - 1]
    return t("cards.plan.short_day" if year else "cards.plan.short_day_no_year", d=day.day, month=month,
             year=day.year)


def _day(value: object) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        return t("cards.plan.not_set_lower")
    return _short(day)


def _when(item: Mapping) -> str:
    start, end = date.fromisoformat(item["windowStart"]), date.fromisoformat(item["windowEnd"])
    return t("cards.plan.window", start=texts_day(start), end=texts_day(end))


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
        weeks.setdefault(_week(item), []).append(f"{title} ({_hours(item['durationHours'])})")
    try:
        marker = date.fromisoformat(str(go_live))
    except ValueError:
        marker = None
    lines, marked = [section(t("cards.plan.timeline"))], marker is None
    go_live_line = text(t("cards.plan.go_live_mark", day=_day(go_live)), spacing="None", color="Accent")
    for monday in sorted(weeks):
        if not marked and monday >= marker:  # a week that holds go-live holds workshops before it
            lines.append(go_live_line)
            marked = True
        week = t("cards.plan.week_line", week=_short(monday, year=False), workshops="; ".join(weeks[monday]))
        lines.append(text(week, size="Small", spacing="None"))
    if not marked:
        lines.append(go_live_line)
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
        said.append(t("cards.plan.go_live_moved", was=_day(made_for['goLive']), now=_day(project.get('goLive'))))
    if made_for.get("products") and list(made_for["products"]) != list(project.get("products", [])):
        said.append(t("cards.plan.products_changed"))
    if made_for.get("phase") and made_for["phase"] != project.get("phase"):
        said.append(t("cards.plan.phase_changed", phase=PHASES.get(project.get('phase', ''), '')))
    return "; ".join(said)


def _history_line(catalog: Catalog, entry: Mapping) -> str:
    who = escape((entry.get("by") or {}).get("name", t("cards.outcome.someone")))
    when = entry.get("at", "")[:10]
    action = entry.get("action")
    if action in ("approve", "recommend"):
        return t(f"cards.plan.history.{action}", when=when, who=who)
    title = catalog.get(entry["workshopId"]).title if entry.get("workshopId") in catalog else "?"
    return t("cards.plan.history.add" if action == "add" else "cards.plan.history.remove", when=when, who=who,
             title=title, reason=escape(entry.get('reason', '')))


def plan_card(project: Mapping, plan: Mapping, catalog: Catalog, *, message: Optional[str] = None,
              message_style: str = "Good", typed: Optional[Mapping] = None, errors: Optional[Mapping] = None) -> dict:
    """`typed` and `errors`: a change that was refused comes back in the change form as it was
    typed, with the error under its field."""
    items = sorted(plan.get("items", []), key=lambda i: i["order"])
    chosen = [i for i in items if i["included"]]
    left_out = [i for i in items if not i["included"]]
    body = heading(t("cards.plan.series_title"), escape(project.get("name", "")))
    if message:
        body.append(notice(message, message_style))
    if plan.get("status") == APPROVED:
        by = escape((plan.get("approvedBy") or {}).get("name", ""))
        body.append(text(t("cards.plan.approved", by=by, on=plan.get('approvedAt', '')[:10]), color="Good",
                         weight="Bolder"))
    else:
        body.append(text(t("cards.plan.awaiting"), color="Warning", weight="Bolder"))
    body.append(text(f"{t_count('cards.catalog.workshop_count', len(chosen))}: {escape(project_line(project))}",
                     isSubtle=True, spacing="None"))
    changed = _out_of_date(project, plan)
    if changed:
        body.append(notice(t("cards.plan.out_of_date", changed=changed), "Warning"))
    if (plan.get("risk") or {}).get("text"):
        body.append(notice(plan["risk"]["text"], "Attention"))
    body += timeline(chosen, catalog, project.get("goLive"))
    for n, item in enumerate(chosen, start=1):
        workshop = catalog.get(item["workshopId"])
        hours = item["durationHours"]
        body.append({"type": "Container", "separator": True, "items": [
            text(f"**{n}. {workshop.title}**"),
            text(t(f"cards.plan.complexity.{item['complexity']}", hours=_hours(hours), window=_when(item)),
                 isSubtle=True, spacing="None"),
            text("; ".join(escape(r) for r in item["reasons"]), size="Small", spacing="None"),
        ] + ([text(escape(item["triage"]), size="Small", spacing="None", color="Warning")]
             if item.get("triage") else [])})
    if left_out:
        body.append(text(t("cards.plan.not_in_series"), spacing="Medium"))
        removed = removals(plan)
        for item in left_out:
            title, removal = catalog.get(item["workshopId"]).title, removed.get(item["workshopId"])
            if removal:  # taken out by hand: say who did and why, not why it was once recommended
                who = escape((removal.get("by") or {}).get("name", t("cards.outcome.someone")))
                line = t("cards.plan.removed_line", title=title, who=who, on=removal.get('at', '')[:10],
                         reason=escape(removal.get('reason', '')))
            else:
                line = f"{title}: {escape(item['reasons'][0]) if item['reasons'] else ''}"
            body.append(text(line, size="Small", spacing="None"))
    history = [h for h in plan.get("changes", []) if h.get("action") in ("add", "remove", "approve")][-5:]
    if history:
        body.append(text(t("cards.plan.changes"), spacing="Medium"))
        body += [text(_history_line(catalog, h), size="Small", spacing="None") for h in history]

    version = {"version": plan.get("version", 0)}
    typed, errors = typed or {}, errors or {}
    shown = {k: typed[k] if isinstance(typed.get(k), str) else default
             for k, default in (("workshopId", ""), ("include", "remove"), ("reason", ""))}
    change_form = card([
        *field_error(errors, "form"),
        choice_set("workshopId", t("cards.plan.workshop"), {w.id: w.title for w in catalog.workshops},
                   shown["workshopId"]),
        *field_error(errors, "workshopId"),
        choice_set("include", t("cards.plan.change"), {"add": t("cards.plan.add"), "remove": t("cards.plan.remove")},
                   shown["include"]),
        *field_error(errors, "include"),
        text_input("reason", t("cards.plan.why"), shown["reason"], isMultiline=True, maxLength=300),
        *field_error(errors, "reason"),
    ], [execute_button(t("cards.plan.save_change"), "plan.change", version)])
    actions = []
    if plan.get("status") != APPROVED:
        actions.append(execute_button(t("cards.plan.approve"), "plan.approve", version))
    actions.append({"type": "Action.ShowCard", "title": t("cards.plan.change_series"), "card": change_form})
    return card(body, actions)


def why_card(project: Mapping, plan: Mapping, catalog: Catalog, workshop_id: str) -> dict:
    """`plan why <workshop>`: why a workshop is in the series or was left out, in the plan's own
    reasons, and who changed that by hand."""
    workshop = catalog.get(workshop_id)
    item = next((i for i in plan.get("items", []) if i["workshopId"] == workshop_id), None)
    body = heading(t("cards.plan.why_title", title=workshop.title), escape(project.get("name", "")))
    if item is None:
        return card(body + [text(t("cards.plan.no_answer"))])
    by_hand = None
    for entry in plan.get("changes", []):  # the latest add or remove since the questions were answered
        if entry.get("action") == "recommend":
            by_hand = None
        elif entry.get("action") in ("add", "remove") and entry.get("workshopId") == workshop_id:
            by_hand = entry
    if item["included"]:
        verdict = t("cards.plan.in_series", week=_short(_week(item)), hours=_hours(item['durationHours']))
    else:
        verdict = t("cards.plan.not_in_series")
    body.append(text(verdict, color="Good" if item["included"] else "Warning"))
    if by_hand:
        who = escape((by_hand.get("by") or {}).get("name", t("cards.outcome.someone")))
        body.append(text(t("cards.plan.by_hand.add" if by_hand["action"] == "add" else "cards.plan.by_hand.remove",
                           who=who, on=by_hand.get('at', '')[:10], reason=escape(by_hand.get('reason', '')))))
    said = t("cards.plan.recommended_because" if item["recommended"] else "cards.plan.not_recommended")
    body.append(text(said, weight="Bolder", spacing="Medium"))
    body.append(text("\n".join(f"- {escape(r)}" for r in item["reasons"])))
    if item.get("triage"):
        body.append(text(escape(item["triage"]), color="Warning"))
    return card(body, [command_button(t("cards.project.the_series"), "plan")])
