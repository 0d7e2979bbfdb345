"""What came out of a workshop: summary, covered topics, decisions, findings, recommendations,
action items, and the fields the source text asks for in particular workshops.

The capture card sends flat answers; `parse_outcome` turns them into one outcome document's
content and reports every bad field at once. `changes` gives the audit trail entry of an edit.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Mapping, Optional

from texts import t, t_count

from .markdown import escape, escape_line
from .words import Labels, number

FINDING_KINDS = Labels("workshops.outcomes.kinds", ("assertion", "risk", "issue"))
PRIORITIES = Labels("workshops.outcomes.priorities", ("high", "medium", "low"))
NEW_ROWS = 3  # blank rows the capture card offers for new findings, actions and gaps
# Limits no real workshop meets, checked where the capture card's answers arrive.
MAX_SUMMARY = 4000  # characters: the summary, and a long workshop-specific field such as lessons learned
MAX_ITEM = 1000  # one decision, recommendation or finding, or one long field of a gap
MAX_TITLE = 200  # an action's title, or a one-line field such as data volumes or a gap's requirement
MAX_ITEMS = 50  # decisions, recommendations, findings, actions or gaps per workshop
MAX_OUTCOME_BYTES = 512 * 1024  # one outcome as stored, altogether: a quarter of the store's 2 MB item limit


@dataclass(frozen=True)
class Field:
    id: str
    name: str  # its texts: workshops.outcomes.field.<name>, and .field_the.<name> inside a sentence
    multiline: bool = True

    @property
    def label(self) -> str:
        return t(f"workshops.outcomes.field.{self.name}")

    @property
    def the(self) -> str:
        """"The requirement", "Die Anforderung": the field named inside a sentence."""
        return t(f"workshops.outcomes.field_the.{self.name}")


@dataclass(frozen=True)
class Group:
    """A repeated set of fields, e.g. one per gap."""

    id: str
    name: str  # workshops.outcomes.field.<name>, and workshops.outcomes.count.<name> for a count of them
    fields: tuple[Field, ...]

    @property
    def label(self) -> str:
        return t(f"workshops.outcomes.field.{self.name}")


# Workshop-specific outcome fields, from what the source text says each workshop is for.
SPECIFIC: dict[str, tuple] = {
    "gap-solution": (Group("gaps", "gap", (
        Field("requirement", "requirement", False), Field("solution", "solution"),
        Field("risks", "risks"), Field("alternatives", "alternatives"),
        Field("dependencies", "dependencies"))),),
    "post-go-live": (Field("accomplishments", "accomplishments"),
                     Field("lessons", "lessons"), Field("assessment", "assessment")),
    "data-migration": (Field("volumes", "data_volumes", False), Field("throughput", "throughput", False)),
    "solution-performance": (Field("scenarios", "scenarios"), Field("volumes", "volumes", False)),
}


class OutcomeError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def outcome_id(workshop_id: str) -> str:
    return f"outcome:{workshop_id}"


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _lines(value: object) -> list[str]:
    return [line.strip() for line in _text(value).splitlines() if line.strip()]


def _rows(answers: Mapping, prefix: str) -> dict[str, dict[str, str]]:
    """`prefix:<row>:<field>` answers grouped by row, in the order the card listed them."""
    rows: dict[str, dict[str, str]] = {}
    for key, value in answers.items():
        parts = key.split(":") if isinstance(key, str) else []
        if len(parts) == 3 and parts[0] == prefix:
            rows.setdefault(parts[1], {})[parts[2]] = _text(value) if not isinstance(value, bool) else str(value)
    return rows


def _new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def _too_long(errors: dict, field: str, value: str, limit: int, what: str) -> None:
    if len(value) > limit:
        errors[field] = t("workshops.outcomes.too_long", what=what, limit=number(limit), length=number(len(value)))


def _listed(errors: dict, field: str, value: object, what: str) -> list[str]:
    """One item per line, each and all of them within the limits (`what`: decision or recommendation)."""
    items = _lines(value)
    if len(items) > MAX_ITEMS:
        errors[field] = t(f"workshops.outcomes.too_many_lines.{what}", limit=MAX_ITEMS, n=len(items))
    for n, item in enumerate(items, start=1):
        _too_long(errors, field, item, MAX_ITEM, t(f"workshops.outcomes.numbered.{what}", n=n))
    return items


def parse_outcome(answers: Mapping, workshop_id: str, topic_ids: Iterable[str], roster: Mapping,
                  previous: Optional[Mapping], today: date) -> dict:
    """The outcome content from the capture card's answers; existing findings and actions keep
    their ids (and an action its done state); a row whose text is cleared is removed. Every field
    is checked against its limit, and the whole against MAX_OUTCOME_BYTES."""
    errors: dict[str, str] = {}
    members = roster.get("members") or {}
    previous = previous or {}
    summary = _text(answers.get("summary"))
    if not summary:
        errors["summary"] = t("workshops.outcomes.no_summary")
    _too_long(errors, "summary", summary, MAX_SUMMARY, t("workshops.outcomes.the_summary"))
    covered = [t for t in _text(answers.get("covered")).split(",") if t in set(topic_ids)]
    decisions = _listed(errors, "decisions", answers.get("decisions"), "decision")
    recommendations = _listed(errors, "recommendations", answers.get("recommendations"), "recommendation")

    old_findings = {f["id"]: f for f in previous.get("findings", [])}
    findings = []
    for row, values in _rows(answers, "finding").items():
        text = values.get("text", "")
        if not text:
            continue
        kind, priority = values.get("kind", ""), values.get("priority", "")
        _too_long(errors, f"finding:{row}:text", text, MAX_ITEM, t("workshops.outcomes.the_finding"))
        if kind not in FINDING_KINDS:
            errors[f"finding:{row}:kind"] = t("workshops.outcomes.finding_kind")
        if priority not in PRIORITIES:
            errors[f"finding:{row}:priority"] = t("workshops.outcomes.finding_priority")
        fid = row if row in old_findings else _new_id("f")
        is_open = values.get("open", "true").lower() != "false"
        findings.append({"id": fid, "text": text, "kind": kind, "priority": priority, "open": is_open})

    old_actions = {a["id"]: a for a in previous.get("actions", [])}
    actions = []
    for row, values in _rows(answers, "action").items():
        title = values.get("title", "")
        if not title:
            continue
        owner, due = values.get("owner", ""), values.get("due", "")
        _too_long(errors, f"action:{row}:title", title, MAX_TITLE, t("workshops.outcomes.the_action"))
        if owner not in members:
            errors[f"action:{row}:owner"] = t("workshops.outcomes.action_owner", title=title[:60])
        try:
            due_date = date.fromisoformat(due)
        except ValueError:
            errors[f"action:{row}:due"] = t("workshops.outcomes.action_due", title=title[:60])
        else:
            if row not in old_actions and due_date < today:
                errors[f"action:{row}:due"] = t("workshops.outcomes.action_due_past", title=title[:60])
        old = old_actions.get(row, {})
        actions.append({"id": row if old else _new_id("a"), "title": title, "owner": owner, "due": due,
                        "done": old.get("done", False), "doneAt": old.get("doneAt"), "doneBy": old.get("doneBy")})
    too_many = [t_count(f"workshops.outcomes.count.{what}", len(found))
                for found, what in ((findings, "finding"), (actions, "action")) if len(found) > MAX_ITEMS]

    specific = {}
    for spec in SPECIFIC.get(workshop_id, ()):
        if isinstance(spec, Group):
            groups = []
            for row, values in _rows(answers, spec.id).items():
                group = {f.id: values.get(f.id, "") for f in spec.fields}
                for f in spec.fields:
                    _too_long(errors, f"{spec.id}:{row}:{f.id}", group[f.id], MAX_ITEM if f.multiline else MAX_TITLE,
                              f.the)
                if any(group.values()):
                    groups.append(group)
            if len(groups) > MAX_ITEMS:
                too_many.append(t_count(f"workshops.outcomes.count.{spec.name}", len(groups)))
            specific[spec.id] = groups
        else:
            specific[spec.id] = _text(answers.get(spec.id))
            _too_long(errors, spec.id, specific[spec.id], MAX_SUMMARY if spec.multiline else MAX_TITLE,
                      spec.label)
    if too_many:
        errors["form"] = t("workshops.outcomes.too_many", limit=MAX_ITEMS, found=t("workshops.words.and").join(too_many))
    content = {"summary": summary, "covered": covered, "decisions": decisions, "recommendations": recommendations,
               "findings": findings, "actions": actions, "specific": specific}
    size = len(json.dumps(content, ensure_ascii=False).encode())
    if size > MAX_OUTCOME_BYTES and "form" not in errors:
        errors["form"] = t("workshops.outcomes.too_big", size=number(size // 1024), limit=number(MAX_OUTCOME_BYTES // 1024))
    if errors:
        raise OutcomeError(errors)
    return content


CONTENT_FIELDS = ("summary", "covered", "decisions", "recommendations", "findings", "actions", "specific")


def changes(old: Optional[Mapping], new: Mapping) -> list[str]:
    """What an edit changed, field by field, in words for the audit trail."""
    old = old or {}
    result = []
    for field in CONTENT_FIELDS:
        before, after = old.get(field), new.get(field)
        if before == after:
            continue
        if field in ("findings", "actions"):
            before_ids = {i["id"]: i for i in before or []}
            after_ids = {i["id"]: i for i in after or []}
            def said(how: str, item: Mapping) -> str:  # e.g. workshops.outcomes.changes.added.finding
                return t(f"workshops.outcomes.changes.{how}.{field[:-1]}", text=item.get("text") or item.get("title"))

            result += [said("added", after_ids[i]) for i in after_ids if i not in before_ids]
            result += [said("removed", before_ids[i]) for i in before_ids if i not in after_ids]
            result += [said("changed", after_ids[i])
                       for i in after_ids if i in before_ids and after_ids[i] != before_ids[i]]
        else:
            result.append(t("workshops.outcomes.changes.field", field=t(f"workshops.outcomes.content.{field}"),
                            before=_short(before), after=_short(after)))
    return result


def _short(value: object) -> str:
    text = "" if value in (None, "", [], {}) else str(value)
    return (text[:80] + "…") if len(text) > 80 else (text or t("workshops.outcomes.empty"))


def open_items(outcomes: Iterable[Mapping], today: date) -> dict:
    """Across a project's outcomes: open findings by kind and priority, open and overdue actions."""
    findings, actions = [], []
    for outcome in outcomes:
        for finding in outcome.get("findings", []):
            if finding.get("open", True):
                findings.append({**finding, "workshopId": outcome["workshopId"]})
        for action in outcome.get("actions", []):
            if not action.get("done"):
                actions.append({**action, "workshopId": outcome["workshopId"],
                                "overdue": date.fromisoformat(action["due"]) < today})
    return {"findings": findings, "actions": actions}


def blocking(findings: Iterable[Mapping]) -> list[Mapping]:
    """Open high-priority risks and issues: go-live is not ready while any remain."""
    return [f for f in findings if f.get("open", True) and f["priority"] == "high" and f["kind"] in ("risk", "issue")]


def complete_action(outcome: Mapping, action_id: str, by: Mapping, now_iso: str) -> dict:
    result = dict(outcome)
    result["actions"] = [dict(a, done=True, doneAt=now_iso, doneBy=dict(by)) if a["id"] == action_id else a
                         for a in outcome.get("actions", [])]
    return result


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what spreadsheet programs may run as a formula


def _cell(value: object) -> object:
    """A CSV cell that a spreadsheet shows as text: a leading ' keeps a formula from running."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def export_csv(rows: Iterable[Mapping], columns: list[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def _paragraphs(text: str) -> list[str]:
    """Multi-line user text as Markdown paragraphs: each line escaped and unindented, so no line
    of it can become a heading, a list, a quote or code."""
    return [escape(line.strip()) for line in text.splitlines()]


def export_markdown(project: Mapping, docs: Iterable[Mapping], catalog, names: Mapping[str, str],
                    audit: Iterable[Mapping] = ()) -> str:
    """All recorded outcomes of a project as one Markdown document, with the audit trail last.
    Every piece of user text is escaped, and what is one item stays on one line."""
    def say(key: str, **values) -> str:
        return t(f"workshops.outcomes.markdown.{key}", **values)

    lines = [f"# {say('title', project=escape_line(project.get('name', '')))}", ""]
    for doc in docs:
        lines += [f"## {catalog.get(doc['workshopId']).title}", ""] + _paragraphs(doc.get("summary", "")) + [""]
        for heading, items in (("decisions", doc.get("decisions", [])),
                               ("recommendations", doc.get("recommendations", []))):
            lines += [f"### {say(heading)}", ""] + [f"- {escape_line(i)}" for i in items]
            lines += ([] if items else [f"- {say('none')}"]) + [""]
        lines += [f"### {say('findings')}", ""] + [
            f"- **{FINDING_KINDS[f['kind']]}, {PRIORITIES[f['priority']].lower()}"
            f"{'' if f.get('open', True) else say('closed')}**: {escape_line(f['text'])}"
            for f in doc.get("findings", [])] + [""]
        lines += [f"### {say('actions')}", ""] + [
            f"- [{'x' if a.get('done') else ' '}] {escape_line(a['title'])} "
            f"({say('owner_due', owner=escape_line(names.get(a['owner'], a['owner'])), due=a['due'])})"
            for a in doc.get("actions", [])]
        lines += [""]
    lines += [f"## {say('audit')}", ""]
    for entry in audit:
        workshop = entry.get("record", "").split(":", 1)[-1]
        title = catalog.get(workshop).title if workshop in catalog else escape_line(workshop)
        lines += [f"- {entry['at'][:16].replace('T', ' ')} UTC, {escape_line(entry['by'].get('name', ''))}, {title}: "
                  + "; ".join(escape_line(change) for change in entry.get("changes", []))]
    return "\n".join(lines) + "\n"
