"""Live capture from the meeting's side panel: one change at a time to the workshop's outcome record
(the same record, fields and limits as the `outcomes` card: workshops/outcomes.py)."""

from __future__ import annotations

from datetime import date
from typing import Iterable, Mapping, Optional

from texts import t

from .outcomes import (CONTENT_FIELDS, FINDING_KINDS, MAX_ITEM, MAX_ITEMS, MAX_TITLE, PRIORITIES, OutcomeError,
                       _new_id)
from .words import number

KINDS = ("covered", "decision", "finding", "action")
_EMPTY = {"summary": "", "covered": [], "decisions": [], "recommendations": [], "findings": [], "actions": [],
          "specific": {}}


def _say(key: str, what: str, **values) -> str:
    """workshops.capture.<key>.<what>: `what` is decision, finding or action."""
    return t(f"workshops.capture.{key}.{what}", **values)


def _text(value: object, field: str, limit: int, what: str) -> str:
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        raise OutcomeError({field: _say("write_first", what)})
    if len(text) > limit:
        raise OutcomeError({field: _say("too_long", what, length=number(len(text)), limit=number(limit))})
    return text


def _room(items: list, what: str) -> None:
    if len(items) >= MAX_ITEMS:
        raise OutcomeError({"form": _say("too_many", what, limit=MAX_ITEMS)})


def apply(previous: Optional[Mapping], change: Mapping, topic_ids: Iterable[str], roster: Mapping,
          today: date) -> tuple[dict, str]:
    """(the outcome content with `change` applied, what changed in words for the audit trail).

    `change["kind"]`: covered (topic, covered: bool), decision (text), finding (text, findingKind,
    priority) or action (title, owner from the roster, due: a date not in the past).
    OutcomeError({field: message}) when it cannot be applied."""
    content = {key: (previous or {}).get(key, _EMPTY[key]) for key in CONTENT_FIELDS}
    kind = change.get("kind")
    if kind == "covered":
        topic = change.get("topic")
        if topic not in set(topic_ids) or not isinstance(change.get("covered"), bool):
            raise OutcomeError({"topic": t("workshops.capture.unknown_topic")})
        covered = [c for c in content["covered"] if c != topic] + ([topic] if change["covered"] else [])
        state = "covered" if change["covered"] else "not_covered"
        return {**content, "covered": covered}, t(f"workshops.capture.marked.{state}", topic=topic)
    if kind == "decision":
        _room(content["decisions"], "decision")
        text = _text(change.get("text"), "text", MAX_ITEM, "decision")
        return {**content, "decisions": content["decisions"] + [text]}, _say("added", "decision", text=text[:60])
    if kind == "finding":
        _room(content["findings"], "finding")
        text = _text(change.get("text"), "text", MAX_ITEM, "finding")
        if change.get("findingKind") not in FINDING_KINDS:
            raise OutcomeError({"findingKind": t("workshops.outcomes.finding_kind")})
        if change.get("priority") not in PRIORITIES:
            raise OutcomeError({"priority": t("workshops.outcomes.finding_priority")})
        finding = {"id": _new_id("f"), "text": text, "kind": change["findingKind"], "priority": change["priority"],
                   "open": True}
        return {**content, "findings": content["findings"] + [finding]}, _say("added", "finding", text=text[:60])
    if kind == "action":
        _room(content["actions"], "action")
        title = _text(change.get("title"), "title", MAX_TITLE, "action")
        if change.get("owner") not in (roster.get("members") or {}):
            raise OutcomeError({"owner": t("workshops.capture.owner")})
        try:
            due = date.fromisoformat(str(change.get("due")))
        except ValueError:
            raise OutcomeError({"due": t("workshops.capture.due")}) from None
        if due < today:
            raise OutcomeError({"due": t("workshops.capture.due_past")})
        action = {"id": _new_id("a"), "title": title, "owner": change["owner"], "due": due.isoformat(),
                  "done": False, "doneAt": None, "doneBy": None}
        return {**content, "actions": content["actions"] + [action]}, _say("added", "action", text=title[:60])
    raise OutcomeError({"kind": t("workshops.capture.unknown_change")})
