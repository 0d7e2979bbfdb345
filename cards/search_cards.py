"""What the message extension inserts and a pasted page link unfolds into: a workshop from the
catalog, a project's session with its status, and the series at a glance. Cards that go into other
chats, where the bot may not be: links only, no buttons that talk to the bot.

Every sentence a card shows is a catalogue key (cards.*)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Iterable, Mapping, Optional
from zoneinfo import ZoneInfo

from catalog import Catalog, Workshop
from texts import clock, t, t_count, weekday_day
from workshops import lifecycle

from .common import CONTENT_TYPE, card, escape, facts, heading, link_button, text

THUMBNAIL = "application/vnd.microsoft.card.thumbnail"
PREVIEW_LIMIT = 120


def when_text(session: Optional[Mapping], time_zone: str) -> str:
    """"Tue 01 Dec 2026, 14:00 to 16:00 (Europe/Berlin)", or that it is not scheduled."""
    if not session or not session.get("start"):
        return t("cards.agenda.not_scheduled")
    start = datetime.fromisoformat(session["start"]).astimezone(ZoneInfo(time_zone or "UTC"))
    end = start + timedelta(minutes=session["durationMinutes"])
    return t("cards.agenda.when", day=weekday_day(start.date()), start=clock(start), end=clock(end),
             zone=escape(time_zone or "UTC"))


def state_label(state: Optional[str]) -> str:
    planned = t("cards.search.planned")  # a workshop of the series without an agenda yet
    return lifecycle.LABELS.get(state, planned) if state else planned


def _short(value: str) -> str:
    return value if len(value) <= PREVIEW_LIMIT else value[: PREVIEW_LIMIT - 1] + "…"


def workshop_result_card(catalog: Catalog, workshop: Workshop) -> dict:
    """A catalog workshop as a message: purpose, duration, attendees by role, Learn more."""
    low, high = workshop.duration_hours
    hours = t("cards.catalog.hours_range", low=low, high=high) if low != high else t_count("cards.common.hours", low)
    body = heading(workshop.title, workshop.summary) + [
        text(workshop.purpose),
        facts([(t("cards.catalog.duration"), hours),
               (t("cards.catalog.mandatory"),
                ", ".join(catalog.role_label(r) for r in workshop.mandatory) or t("cards.catalog.no_roles"))]),
    ]
    more = [link_button(t("cards.catalog.learn_more"), workshop.learn_more)] if workshop.learn_more else None
    return card(body, more)


def session_card(project: Mapping, workshop: Workshop, session: Optional[Mapping], state: Optional[str],
                 page_url: str = "") -> dict:
    """One workshop of a project: its status and time, and a link to its page when there is one."""
    rows = [(t("cards.search.status"), state_label(state)),
            (t("cards.catalog.when"), when_text(session, project.get("timeZone") or "UTC"))]
    body = heading(workshop.title, escape(project.get("name") or "")) + [facts(rows)]
    return card(body, [link_button(t("cards.search.open_workshop_page"), page_url)] if page_url else None)


def series_card(project: Mapping, rows: Iterable[tuple[str, str]], page_url: str = "") -> dict:
    """A project's series at a glance: each workshop (title) and its status."""
    lines = [(escape(title), label) for title, label in rows]
    body = heading(t("cards.plan.series_title"), escape(project.get("name") or ""))
    body += [facts(lines) if lines else text(t("cards.search.no_series"), isSubtle=True)]
    if project.get("goLive"):
        body.append(text(t("cards.search.go_live", go_live=escape(project['goLive'])), isSubtle=True))
    return card(body, [link_button(t("cards.search.open_series_page"), page_url)] if page_url else None)


def preview(title: str, subtitle: str, tap_value: Optional[dict] = None) -> dict:
    """The thumbnail Teams lists a result as (plain text: it does not render Markdown)."""
    content: dict = {"title": _short(title), "text": _short(subtitle)}
    if tap_value is not None:
        content["tap"] = {"type": "invoke", "value": tap_value}
    return {"contentType": THUMBNAIL, "content": content}


def result(items: Iterable[tuple[dict, dict]]) -> dict:
    """A compose-extension answer: each (card, preview) as an attachment, in a list."""
    attachments = [{"contentType": CONTENT_TYPE, "content": c, "preview": p} for c, p in items]
    return {"composeExtension": {"type": "result", "attachmentLayout": "list", "attachments": attachments}}


def message(words: str) -> dict:
    """A compose-extension answer that is one short sentence instead of results."""
    return {"composeExtension": {"type": "message", "text": words}}


def fallback_title(built: dict) -> str:
    """A card's plain first line (its fallbackText), for the preview Teams lists it with."""
    return built.get("fallbackText") or ""
