"""Cards for after a workshop: attendance, the outcome capture form and summary, open actions,
the project status, and the export links."""

from __future__ import annotations

from typing import Mapping, Optional, Sequence

from catalog import Catalog, Workshop
from texts import t, t_count
from workshops import agenda, attendance, outcomes

from .agenda_cards import MAX_REFRESH_USERS
from .common import (card, choice_set, command_button, escape, execute_button, field_error, form_errors_banner,
                     heading, link_button, notice, people_picker, text, text_input)


def _coverage_blocks(catalog: Catalog, covered: dict) -> list:
    blocks = []
    if covered["covered"]:
        labels = ", ".join(catalog.role_label(r) for r in covered["covered"])
        blocks.append(text(t("cards.outcome.roles_present", labels=labels), color="Good"))
    blocks += [text(t("cards.outcome.role_missing", role=catalog.role_label(r).lower()),
                    color="Attention", spacing="None") for r in covered["missing"]]
    return blocks


def attendance_card(project: Mapping, session: Mapping, workshop: Workshop, catalog: Catalog, roster: Mapping, *,
                    editable: bool, can_import: bool, can_check_in: bool, message: str = "",
                    style: str = "Good") -> dict:
    members = roster.get("members") or {}
    invited = agenda.invitees(workshop, roster)
    invited_ids = [p["aadObjectId"] for p in invited["mandatory"] + invited["recommended"]]
    marks = session.get("attendance") or {}
    extra = [aad for aad in marks if aad not in invited_ids]
    data = {"workshopId": workshop.id}
    body = heading(t("cards.outcome.attendance_title", title=workshop.title), escape(project.get("name", "")))
    if message:
        body.append(notice(message, style))
    body += _coverage_blocks(catalog, attendance.coverage(session, workshop, roster))
    options = {"unknown": t("cards.outcome.not_recorded"), **attendance.STATUSES}
    shown = {}  # what each choice showed, so a save from this card changes only what was changed on it
    for aad in invited_ids + extra:
        name = escape(members.get(aad, {}).get("name") or marks.get(aad, {}).get("name", t("cards.outcome.someone")))
        who = t("cards.outcome.invited" if aad in invited_ids else "cards.outcome.uninvited")
        current = shown[aad] = attendance.status_of(session, aad) or "unknown"
        if editable:
            body.append(choice_set(f"status:{aad}", f"{name} ({who})", options, current, style="compact"))
        else:
            body.append(text(f"**{name}**: {options[current]}", spacing="Small"))
    actions = [execute_button(t("cards.agenda.im_here"), "attendance.checkin", data)] if can_check_in else []
    if editable:
        others = {aad: m.get("name", "") for aad, m in members.items() if aad not in invited_ids + extra}
        if others:
            body.append(text(t("cards.outcome.someone_else"), spacing="Medium"))
            body.append(people_picker("guest", t("cards.outcome.add_from_roster"), others, "",
                                      placeholder=t("cards.outcome.nobody")))
        actions.insert(0, execute_button(t("cards.outcome.save_attendance"), "attendance.save",
                                         {**data, "shown": shown}))
        if can_import:
            actions.append(execute_button(t("cards.outcome.import"), "attendance.import", data))
    return card(body, actions)


def _rows_for(items: list[dict], new_rows: int) -> list[tuple[str, dict]]:
    return [(item["id"], item) for item in items] + [(f"new{n}", {}) for n in range(1, new_rows + 1)]


def outcome_form_card(project: Mapping, session: Mapping, workshop: Workshop, roster: Mapping,
                      outcome: Optional[Mapping], errors: Optional[dict] = None,
                      values: Optional[Mapping] = None, question: str = "") -> dict:
    """The capture form, prefilled from the recorded outcome, or as it was typed (`values`, the
    answers sent back with errors). With a `question` (outcomes before the workshop started), it
    asks it, and its button confirms: it sends the answers again with `confirmed`."""
    errors = errors or {}
    current = outcome or {}
    members = {aad: m.get("name", "") for aad, m in (roster.get("members") or {}).items()}

    def typed(id_: str, recorded: object) -> str:
        value = (values or {}).get(id_)
        return value if isinstance(value, str) else recorded

    def field(id_: str, label: str, recorded: str, **extra) -> list:
        return [text_input(id_, label, typed(id_, recorded), **extra)] + field_error(errors, id_)

    versioned = {"workshopId": workshop.id, "version": (outcome or {}).get("version", 0)}
    save = execute_button(t("cards.outcome.save"), "outcome.save", versioned)
    body = heading(t("cards.outcome.title", title=workshop.title), escape(project.get("name", "")))
    if question:
        save = execute_button(t("cards.outcome.record_anyway"), "outcome.save", {**versioned, "confirmed": True})
        body += [notice(question, "Warning"), {"type": "ActionSet", "actions": [save]}]
    body += form_errors_banner(errors)
    body += field("summary", t("cards.outcome.summary"), current.get("summary", ""), isMultiline=True,
                  maxLength=outcomes.MAX_SUMMARY)
    topics = {t["id"]: t["title"] for t in session["topics"] if not t["dropped"]}
    body.append(choice_set("covered", t("cards.outcome.covered"), topics,
                           typed("covered", ",".join(current.get("covered", []))), multi=True))
    body += field("decisions", t("cards.outcome.decisions_field"), "\n".join(current.get("decisions", [])),
                  isMultiline=True)
    body += field("recommendations", t("cards.outcome.recommendations_field"),
                  "\n".join(current.get("recommendations", [])), isMultiline=True)

    body.append(text(t("cards.outcome.findings"), spacing="Medium"))
    for row, finding in _rows_for(current.get("findings", []), outcomes.NEW_ROWS):
        body.append({"type": "Container", "separator": True, "items": field(
            f"finding:{row}:text", t("cards.outcome.finding"), finding.get("text", ""), maxLength=outcomes.MAX_ITEM) + [
            {"type": "ColumnSet", "spacing": "None", "columns": [
                {"type": "Column", "width": "stretch", "items": [
                    choice_set(f"finding:{row}:kind", t("cards.outcome.kind"), outcomes.FINDING_KINDS,
                               typed(f"finding:{row}:kind", finding.get("kind", "risk")), style="compact"),
                    *field_error(errors, f"finding:{row}:kind")]},
                {"type": "Column", "width": "stretch", "items": [
                    choice_set(f"finding:{row}:priority", t("cards.outcome.priority"), outcomes.PRIORITIES,
                               typed(f"finding:{row}:priority", finding.get("priority", "medium")), style="compact"),
                    *field_error(errors, f"finding:{row}:priority")]},
            ]},
        ] + ([{"type": "Input.Toggle", "id": f"finding:{row}:open", "title": t("cards.outcome.still_open"),
               "value": typed(f"finding:{row}:open", "true" if finding.get("open", True) else "false"),
               "valueOn": "true", "valueOff": "false"}] if finding else [])})

    body.append(text(t("cards.outcome.action_items"), spacing="Medium"))
    for row, action in _rows_for(current.get("actions", []), outcomes.NEW_ROWS):
        body.append({"type": "Container", "separator": True, "items": field(
            f"action:{row}:title", t("cards.outcome.action"), action.get("title", ""), maxLength=outcomes.MAX_TITLE) + [
            {"type": "ColumnSet", "spacing": "None", "columns": [
                {"type": "Column", "width": "stretch", "items": [
                    people_picker(f"action:{row}:owner", t("cards.agenda.owner"), members,
                                  typed(f"action:{row}:owner", action.get("owner", "")),
                                  placeholder=t("cards.outcome.choose_owner")),
                    *field_error(errors, f"action:{row}:owner")]},
                {"type": "Column", "width": "stretch", "items": [
                    {"type": "Input.Date", "id": f"action:{row}:due", "label": t("cards.outcome.due"),
                     "value": typed(f"action:{row}:due", action.get("due", ""))},
                    *field_error(errors, f"action:{row}:due")]},
            ]},
        ]})

    specific = current.get("specific", {})
    for spec in outcomes.SPECIFIC.get(workshop.id, ()):
        if isinstance(spec, outcomes.Group):
            existing = specific.get(spec.id, [])
            for n, group in enumerate(existing + [{}] * outcomes.NEW_ROWS, start=1):
                body.append(text(f"**{spec.label} {n}**", spacing="Medium"))
                for f in spec.fields:
                    body += field(f"{spec.id}:{n}:{f.id}", f.label, group.get(f.id, ""), isMultiline=f.multiline)
        else:
            body += field(spec.id, spec.label, specific.get(spec.id, ""), isMultiline=spec.multiline)
    return card(body, [save])


def _bullets(items: list[str]) -> dict:
    return text("\n".join(f"- {escape(i)}" for i in items) if items else t("cards.outcome.none_recorded"),
                spacing="None")


def outcome_summary_card(project: Mapping, session: Mapping, workshop: Workshop, catalog: Catalog,
                         roster: Mapping, outcome: Mapping, *, message: str = "") -> dict:
    members = roster.get("members") or {}
    body = heading(t("cards.outcome.title", title=workshop.title),
                   f"{escape(project.get('name', ''))} · {agenda.STATUS_LABELS[session['status']]}")
    if message:
        body.append(notice(message))
    body.append(text(escape(outcome["summary"])))
    present = attendance.present_names(session)
    body.append(text(t("cards.outcome.attended", n=len(present),
                       names=", ".join(escape(n) for n in present) or t("cards.outcome.nobody_recorded"))))
    body += _coverage_blocks(catalog, attendance.coverage(session, workshop, roster))
    body += [text(t("cards.outcome.decisions"), spacing="Medium"), _bullets(outcome.get("decisions", []))]
    findings = [f"{outcomes.FINDING_KINDS[f['kind']]} ({outcomes.PRIORITIES[f['priority']].lower()}"
                f"{t('cards.outcome.closed') if not f.get('open', True) else ''}): {f['text']}"
                for f in outcome.get("findings", [])]
    body += [text(t("cards.outcome.findings"), spacing="Medium"), _bullets(findings)]
    body += [text(t("cards.outcome.recommendations"), spacing="Medium"), _bullets(outcome.get("recommendations", []))]
    actions = [t("cards.outcome.action_line", title=a["title"], owner=members.get(a["owner"], {}).get("name", "?"),
                 due=a["due"]) + (t("cards.outcome.done") if a.get("done") else "") for a in outcome.get("actions", [])]
    body += [text(t("cards.outcome.action_items"), spacing="Medium"), _bullets(actions)]
    for spec in outcomes.SPECIFIC.get(workshop.id, ()):
        value = outcome.get("specific", {}).get(spec.id)
        if isinstance(spec, outcomes.Group):
            for n, group in enumerate(value or [], start=1):
                lines = [f"{f.label}: {group.get(f.id, '')}" for f in spec.fields if group.get(f.id)]
                body += [text(f"**{spec.label} {n}**", spacing="Medium"), _bullets(lines)]
        elif value:
            body += [text(f"**{spec.label}**", spacing="Medium"), text(escape(value), spacing="None")]
    actions_ = [command_button(t("cards.outcome.edit"), f"outcomes {workshop.id}")]
    if session["status"] == agenda.HELD:
        actions_.append(execute_button(t("cards.outcome.close"), "session.close", {"workshopId": workshop.id}))
    return card(body, actions_)


def actions_card(project: Mapping, items: list[dict], catalog: Catalog, roster: Mapping, *, scope: str,
                 viewer: str, can_complete_any: bool, message: str = "", refresh_user_ids: Sequence[str] = (),
                 owner_name: str = "") -> dict:
    """Done buttons for `viewer`'s own actions (any, for a lead). `refresh_user_ids` (the Teams ids
    of the people who can act) get their own view whenever Teams shows the card, so nobody is
    offered Done for an action someone else has done. `owner_name` titles someone else's "mine" list."""
    members = roster.get("members") or {}
    title = (t("cards.outcome.actions_of", name=escape(owner_name)) if scope == "mine" and owner_name
             else t(f"cards.outcome.actions_title.{scope}"))
    body = heading(title, escape(project.get("name", "")))
    if message:
        body.append(notice(message))
    if not items:
        body.append(text(t("cards.outcome.nothing_open" if scope != "overdue" else "cards.outcome.nothing_overdue")))
    for item in items:
        owner = members.get(item["owner"], {}).get("name", "?")
        line = (f"**{escape(item['title'])}**\n\n{escape(owner)} · {t('cards.outcome.due_on', due=item['due'])}"
                f"{t('cards.outcome.overdue') if item['overdue'] else ''} · {catalog.get(item['workshopId']).title}")
        column = [text(line, color="Attention" if item["overdue"] else "Default")]
        row = {"type": "ColumnSet", "separator": True, "columns": [
            {"type": "Column", "width": "stretch", "items": column}]}
        if can_complete_any or item["owner"] == viewer:
            row["columns"].append({"type": "Column", "width": "auto", "verticalContentAlignment": "Center",
                                   "items": [{"type": "ActionSet", "actions": [execute_button(
                                       t("cards.outcome.done_button"), "action.done", {"workshopId": item["workshopId"],
                                                               "actionId": item["id"], "scope": scope})]}]})
        body.append(row)
    result = card(body, [command_button(t("cards.outcome.mine"), "actions mine"),
                         command_button(t("cards.outcome.all"), "actions all"),
                         command_button(t("cards.outcome.overdue_button"), "actions overdue")])
    result["refresh"] = {"action": {"type": "Action.Execute", "verb": "actions.refresh", "data": {"scope": scope}},
                         "userIds": list(refresh_user_ids)[:MAX_REFRESH_USERS]}
    return result


def status_card(project: Mapping, status: Mapping, catalog: Catalog) -> dict:
    body = heading(t("cards.outcome.status_title"), escape(project.get("name", "")))
    if status["engagement_closed"]:
        body.append(text(t("cards.outcome.engagement_closed"), color="Good"))
    elif status["ready"]:
        body.append(text(t("cards.outcome.on_track", go_live=project.get('goLive', '')), color="Good"))
    else:
        blocking = t_count("cards.outcome.blocking", len(status["blocking"]))
        body.append(text(t("cards.outcome.not_ready", blocking=blocking), color="Attention"))
    body.append(text(t("cards.outcome.the_series"), spacing="Medium"))
    for row in status["series"]:
        line = f"{row['title']}: {row['state']}"
        if row.get("missing_roles"):
            line += t("cards.outcome.missing_roles") + ", ".join(catalog.role_label(r).lower()
                                                                  for r in row["missing_roles"])
        body.append(text(line, spacing="None"))
    counts = status["open_by_priority"]
    body.append(text(t("cards.outcome.open_risks") + " · ".join(
        f"{outcomes.PRIORITIES[p]}: {counts.get(p, 0)}" for p in outcomes.PRIORITIES), spacing="Medium"))
    for row in status.get("risks_by_workshop", []):  # where each comes from, removed workshops included
        where = escape(row["title"]) + ("" if row["inSeries"] else t("cards.outcome.no_longer_in_series"))
        found = ", ".join(f"{n} {outcomes.PRIORITIES[p].lower()}" for p, n in row["counts"].items() if n)
        body.append(text(f"{where}: {found}", spacing="None", size="Small"))
    body.append(text(t("cards.outcome.overdue_count", n=status['overdue']), spacing="None",
                     color="Attention" if status["overdue"] else "Default"))
    return card(body, [command_button(t("cards.outcome.actions_title.all"), "actions all"),
                       command_button(t("cards.outcome.export"), "export")])


def export_card(project: Mapping, links: Mapping[str, str], message: str = "") -> dict:
    return card(heading(t("cards.outcome.export"), escape(project.get("name", "")))
                + ([notice(message)] if message else []) + [
        text(t("cards.outcome.export_text"))],
        [link_button(title, url) for title, url in links.items()])
