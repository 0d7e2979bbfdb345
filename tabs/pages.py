"""The agenda tab pages as HTML strings: pure functions, no aiohttp, no store (tabs/routes.py serves them).

The HTML is in Jinja2 templates (tabs/templates/, rendered by tabs/render.py) with autoescape
on, so every value a template prints is escaped: text that came from people
(project name, topic titles, names, outcomes...) can only ever show as text. This module only
prepares what the pages say: plain dicts and lists of strings and numbers, nothing pre-rendered.

The pages load nothing from outside: one <style> and one <script> carrying the response's CSP
nonce, plus the Teams JavaScript library served by the bot itself. No inline style attributes
and no inline event handlers, so `style-src`/`script-src` stay nonce-only. Colours are CSS
variables switched by `<html data-theme>` (light, dark, contrast: the `theme` query parameter,
then the Teams SDK's theme change handler), by prefers-color-scheme when no theme is given, and
by @media print.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Mapping, Optional, Sequence
from urllib.parse import quote
from zoneinfo import ZoneInfo

from catalog import Catalog, Workshop
from texts import clock, t, t_count
from workshops import agenda, attendance, outcomes
from workshops import plan as plans
from workshops.status import source_title
from workshops.project import PHASES, PRODUCTS

from .render import render as _render, theme_of  # noqa: F401 (routes read theme_of from here)

TEAMS_JS = "/tabs/static/teams-js.js"


def page_url(base_url: str, project_id: str, workshop_id: Optional[str], token: str, *,
             teams_theme: bool = False, teams_locale: bool = False) -> str:
    """The absolute URL of a tab page: one workshop's, or the series' when workshop_id is None.

    `teams_theme` adds `&theme={theme}` and `teams_locale` `&locale={locale}`, which Teams fills in
    when it loads a tab's contentUrl (a websiteUrl opens in a browser and must not carry them)."""
    path = f"/tabs/workshop/{quote(workshop_id, safe='')}" if workshop_id else "/tabs/series"
    url = f"{base_url.rstrip('/')}{path}?project={quote(project_id, safe='')}&token={quote(token, safe='')}"
    return url + ("&locale={locale}" if teams_locale else "") + ("&theme={theme}" if teams_theme else "")


# --- dates, names and statuses as the pages say them -----------------------------------------

def _zone(project: Mapping) -> ZoneInfo:
    try:
        return ZoneInfo(project.get("timeZone") or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def _day(value: date) -> str:
    """"2 Dec 2026": the day not padded, as these pages always wrote it."""
    month = t("texts.months").split()[value.month - 1]
    return t("tabs.pages.day", d=value.day, month=month, year=value.year)


def _parse_day(value: object) -> Optional[date]:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _start(session: Optional[Mapping]) -> Optional[datetime]:
    try:
        start = datetime.fromisoformat(session["start"]) if session and session.get("start") else None
    except (TypeError, ValueError):
        return None
    return start if start is None or start.tzinfo else start.replace(tzinfo=timezone.utc)


def _when(session: Optional[Mapping], project: Mapping) -> str:
    start = _start(session)
    if start is None:
        return t("tabs.pages.not_scheduled")
    zone = _zone(project)
    local = start.astimezone(zone)
    weekday = t("texts.weekdays").split()[local.weekday()]
    return t("tabs.pages.when", weekday=weekday, day=_day(local.date()), time=clock(local), zone=zone.key)


def _name(roster: Mapping, aad: str, fallback: str = "") -> str:
    member = ((roster or {}).get("members") or {}).get(aad) or {}
    return member.get("name") or fallback or t("tabs.pages.someone")


def _status(status: Optional[str]) -> dict:
    """A session status as a badge: its label and colour class."""
    css = {agenda.APPROVED: "good", agenda.HELD: "good", agenda.CLOSED: "good", agenda.AWAITING: "warn"}
    return {"label": agenda.STATUS_LABELS.get(status, t("tabs.pages.planned")), "css": css.get(status or "", "")}


def _project_line(project: Mapping) -> list:
    parts = (project.get("customer"), project.get("partner"))
    return [project.get("name") or t("tabs.pages.project")] + [p for p in parts if p]


def _roles(catalog: Catalog, roles) -> str:
    return ", ".join(catalog.role_label(r) for r in roles)


# --- the workshop page ----------------------------------------------------------------------

def _agenda(session: Optional[Mapping], roster: Mapping) -> Optional[dict]:
    """The drawn-up agenda (None before there is one): live topics, and minutes planned against the slot."""
    if not session:
        return None
    live = [t for t in session.get("topics", []) if not t.get("dropped")]
    no_owner = t("tabs.pages.no_owner")
    topics = [{"title": t.get("title"), "added": bool(t.get("custom")), "minutes": t.get("minutes"),
               "owner": _name(roster, t["owner"]) if t.get("owner") else no_owner} for t in live]
    total = sum(int(t.get("minutes") or 0) for t in live)
    duration = int(session.get("durationMinutes") or 0)
    return {"topics": topics, "total": total, "duration": duration, "over": max(0, total - duration),
            "minutes": session.get("durationMinutes")}


def _attendees(session: Optional[Mapping], workshop: Workshop, roster: Mapping, catalog: Catalog) -> dict:
    invited = agenda.invitees(workshop, roster or {})
    rsvps = (session or {}).get("rsvps") or {}

    def person(p: Mapping) -> dict:
        answer = (rsvps.get(p["aadObjectId"]) or {}).get("response")
        return {"name": p.get("name") or t("tabs.pages.someone"), "roles": _roles(catalog, p.get("roles", ())),
                "label": agenda.RSVP_LABELS.get(answer, t("tabs.pages.no_answer")),
                "css": {"accept": "good", "decline": "bad", "tentative": "warn"}.get(answer or "", "")}

    invited_ids = {p["aadObjectId"] for p in invited["mandatory"] + invited["recommended"]}
    others = [{"name": r.get("name") or _name(roster, aad), "label": agenda.RSVP_LABELS.get(r.get("response"), "?")}
              for aad, r in rsvps.items() if aad not in invited_ids]
    return {"mandatory": [person(p) for p in invited["mandatory"]], "unfilled": _roles(catalog, invited["unfilled"]),
            "recommended": [person(p) for p in invited["recommended"]], "others": others}


def _attendance(session: Optional[Mapping], workshop: Workshop, roster: Mapping, catalog: Catalog) -> Optional[dict]:
    marks = (session or {}).get("attendance") or {}
    if not marks:
        return None
    rows = []
    for status, label in attendance.STATUSES.items():
        names = [m.get("name") or t("tabs.pages.someone") for m in marks.values() if m.get("status") == status]
        if names:
            rows.append({"label": label, "names": ", ".join(names)})
    missing = attendance.coverage(session, workshop, roster or {})["missing"]
    return {"rows": rows, "missing": _roles(catalog, missing)}


def _finding(f: Mapping) -> dict:
    kind = outcomes.FINDING_KINDS.get(f.get("kind"), str(f.get("kind") or t("tabs.pages.finding")))
    priority = outcomes.PRIORITIES.get(f.get("priority"), str(f.get("priority") or ""))
    is_open = f.get("open", True)
    css = "bad" if is_open and f.get("priority") == "high" and f.get("kind") in ("risk", "issue") else ""
    return {"label": t("tabs.pages.finding_label", kind=kind, priority=priority.lower()), "css": css,
            "text": f.get("text"), "open": is_open}


def _outcome(outcome: Optional[Mapping], workshop: Workshop) -> Optional[dict]:
    """The recorded outcome; titled blocks are lists (`entries`) or, with `text`, one paragraph."""
    if not outcome:
        return None
    lists = [{"title": title, "entries": list(items), "text": None}
             for title, items in ((t("tabs.pages.decisions"), outcome.get("decisions")),
                                  (t("tabs.pages.recommendations"), outcome.get("recommendations"))) if items]
    specific, recorded = [], outcome.get("specific") or {}
    for spec in outcomes.SPECIFIC.get(workshop.id, ()):
        value = recorded.get(spec.id)
        if isinstance(spec, outcomes.Group) and value:
            groups = [" · ".join(f"{f.label}: {g.get(f.id)}" for f in spec.fields if g.get(f.id))
                      for g in value if isinstance(g, Mapping)]
            specific.append({"title": t("tabs.pages.groups", label=spec.label), "entries": groups, "text": None})
        elif isinstance(value, str) and value:
            specific.append({"title": spec.label, "entries": [], "text": value})
    return {"summary": outcome.get("summary") or "", "lists": lists, "specific": specific,
            "findings": [_finding(f) for f in outcome.get("findings") or []]}


def _actions(outcome: Optional[Mapping], roster: Mapping, today: date) -> Optional[list]:
    """Open actions, soonest due first (None when no outcome is recorded)."""
    if not outcome:
        return None
    rows = []
    for action in sorted((a for a in outcome.get("actions", []) if not a.get("done")),
                         key=lambda a: str(a.get("due") or "")):
        due = _parse_day(action.get("due"))
        rows.append({"title": action.get("title"), "owner": _name(roster, action.get("owner", "")),
                     "due": _day(due) if due else action.get("due") or "?", "overdue": due is not None and due < today})
    return rows


def workshop_page(project: Mapping, session: Optional[Mapping], outcome: Optional[Mapping], workshop: Workshop,
                  roster: Mapping, catalog: Catalog, now: datetime, *, nonce: str = "", theme: str = "",
                  teams_js: Optional[str] = TEAMS_JS, series_url: str = "") -> str:
    """One workshop: when, agenda with owners and minutes, attendees and RSVPs, attendance,
    outcomes and open actions. Absent data reads "Not recorded yet."."""
    join = ((session or {}).get("meeting") or {}).get("joinUrl") or ""
    return _render(
        "workshop.html", f"{workshop.title} · {project.get('name') or 'Workshops'}", nonce=nonce, theme=theme,
        teams_js=teams_js, project_line=_project_line(project), status=_status((session or {}).get("status")),
        workshop={"title": workshop.title, "purpose": workshop.purpose, "learn_more": workshop.learn_more,
                  "learn_more_title": workshop.learn_more_title},
        when=_when(session, project), join_url=join if join.startswith("https://") else "", series_url=series_url,
        agenda=_agenda(session, roster), catalog_topics=list(workshop.topics),
        attendees=_attendees(session, workshop, roster, catalog),
        attendance=_attendance(session, workshop, roster, catalog),
        outcome=_outcome(outcome, workshop), actions=_actions(outcome, roster, now.date()))


# --- the series page ------------------------------------------------------------------------

def readiness(sessions: Mapping[str, Mapping], outcome_docs: Mapping[str, Mapping],
              plan: Optional[Mapping] = None) -> tuple[str, str, list[Mapping]]:
    """(label, css class, blocking findings): "Engagement closed" once post go-live is closed,
    "Not ready" while any high-priority risk or issue is open in any outcome or on the plan
    ("Go-live date at risk"), else "On track" - the same findings the status card counts."""
    findings = [{**f, "workshopId": wid} for wid, o in outcome_docs.items() for f in (o or {}).get("findings", [])
                if isinstance(f, Mapping)] + plans.findings(plan)
    blocking = outcomes.blocking(f for f in findings if f.get("priority") and f.get("kind"))
    if (sessions.get("post-go-live") or {}).get("status") == agenda.CLOSED:
        return t("tabs.pages.engagement_closed"), "good", blocking
    if blocking:
        return t("tabs.pages.not_ready"), "bad", blocking
    return t("tabs.pages.on_track"), "good", blocking


def _x(day: date, first: date, span: int) -> float:
    return round(1000 * (day - first).days / span, 1)


def _strip(item: Mapping, scheduled: Optional[date], first: date, span: int, go_live: Optional[date],
           today: date) -> dict:
    """Where one workshop's row draws its target window, scheduled day, go-live and today (x on 0-1000)."""
    start, end = _parse_day(item.get("windowStart")), _parse_day(item.get("windowEnd"))
    said, window = [], None
    if start and end:
        x = _x(start, first, span)
        window = {"x": x, "width": max(4.0, _x(end, first, span) - x)}
        said.append(t("tabs.pages.target_window", start=_day(start), end=_day(end)))
    if scheduled:
        said.append(t("tabs.pages.scheduled", day=_day(scheduled)))
    return {"label": "; ".join(said) or t("tabs.pages.no_dates"), "window": window,
            "when": max(0.0, _x(scheduled, first, span) - 5) if scheduled else None,
            "golive": _x(go_live, first, span) if go_live else None, "today": _x(today, first, span)}


def _relative(day: date, go_live: Optional[date], to: bool = False) -> str:
    """"3 weeks before go-live", "2 days after go-live", "on go-live day"; `to`: "3 weeks to go-live"."""
    if not go_live:
        return ""
    days = (go_live - day).days
    if days == 0:
        return t("tabs.pages.go_live_day")
    weeks = abs(days) // 7
    amount = t_count("tabs.pages.weeks", weeks) if weeks else t_count("tabs.pages.days", abs(days))
    which = ("to" if to else "before") if days > 0 else "after"
    return t(f"tabs.pages.relative.{which}", amount=amount)


def _timeline(project: Mapping, plan: Optional[Mapping], sessions_by_workshop: Mapping[str, Mapping],
              catalog: Catalog, links: Mapping[str, str], go_live: Optional[date], today: date) -> dict:
    """The planned workshops in order, on a scale from the earliest to the latest date any of them
    (or go-live, or today) mentions; `empty` says why there is nothing to draw."""
    if not plan:
        return {"empty": t("tabs.pages.no_series")}
    zone = _zone(project)
    items = {i["workshopId"]: i for i in plan.get("items", [])}
    chosen = [items[w] for w in plans.included(plan) if w in items]
    days = [d for i in chosen for d in (_parse_day(i.get("windowStart")), _parse_day(i.get("windowEnd"))) if d]
    days += [s.astimezone(zone).date() for s in (_start(sessions_by_workshop.get(i["workshopId"]))
                                                 for i in chosen) if s]
    days += [d for d in (go_live, today) if d]
    first, last = min(days), max(days)
    span = max(1, (last - first).days)
    rows, held = [], 0
    for item in chosen:
        wid = item["workshopId"]
        try:
            workshop = catalog.get(wid)
        except KeyError:
            continue
        session = sessions_by_workshop.get(wid)
        status = (session or {}).get("status")
        held += status in (agenda.HELD, agenda.CLOSED)
        when = _start(session)
        scheduled = when.astimezone(zone).date() if when else None
        if scheduled:
            date_text = f"{_when(session, project)} · {_relative(scheduled, go_live)}"
        else:
            start, end = _parse_day(item.get("windowStart")), _parse_day(item.get("windowEnd"))
            date_text = (t("tabs.pages.target", start=_day(start), end=_day(end)) if start and end
                         else t("tabs.pages.no_date"))
        rows.append({"title": workshop.title, "link": links.get(wid) or "", "status": _status(status),
                     "date": date_text, "strip": _strip(item, scheduled, first, span, go_live, today)})
    if not rows:
        return {"empty": t("tabs.pages.series_empty")}
    return {"empty": "", "rows": rows, "held": held, "first": _day(first), "last": _day(last)}


def series_page(project: Mapping, plan: Optional[Mapping], sessions_by_workshop: Mapping[str, Mapping],
                outcomes_by_workshop: Mapping[str, Mapping], catalog: Catalog, now: datetime, *, nonce: str = "",
                theme: str = "", teams_js: Optional[str] = TEAMS_JS,
                links: Optional[Mapping[str, str]] = None) -> str:
    """The series as a timeline against go-live, each workshop's status, and go-live readiness."""
    today = now.date()
    go_live = _parse_day(project.get("goLive"))
    label, css, blocking = readiness(sessions_by_workshop, outcomes_by_workshop, plan)
    return _render(
        "series.html", t("tabs.pages.series_page_title", name=project.get('name') or 'Workshops'), nonce=nonce,
        theme=theme, teams_js=teams_js,
        project_line=_project_line(project), go_live=_day(go_live) if go_live else "",
        to_go_live=_relative(today, go_live, to=True),
        phase=PHASES.get(project.get("phase"), project.get("phase")) if project.get("phase") else "",
        products=", ".join(PRODUCTS.get(p, p) for p in project.get("products") or []),
        readiness={"label": label, "css": css, "all_clear": label == t("tabs.pages.on_track") and not blocking,
                   "blocking": [{"text": f.get("text"), "workshop": source_title(f["workshopId"], catalog)}
                                for f in blocking]},
        timeline=_timeline(project, plan, sessions_by_workshop, catalog, links or {}, go_live, today))


# --- configuration, and the pages that say no ------------------------------------------------

def config_page(nonce: str, base_url: str, workshops_in_plan: Optional[Sequence[Workshop]], *,
                project_id: str = "", token: str = "", theme: str = "", teams_js: Optional[str] = TEAMS_JS,
                form_values: Optional[Mapping[str, str]] = None, message: str = "") -> str:
    """The tab configuration page Teams opens when someone adds the Workshops tab.

    With `workshops_in_plan` (a valid tab token was presented for `project_id`): pick one planned
    workshop or the whole series; on save the page hands Teams signed page URLs built from
    `token`. Without it (None): no project data at all, only a box for the tab link the bot
    posted in the conversation. `form_values` are carried through that form (project, theme).
    """
    frame = {"nonce": nonce, "theme": theme, "teams_js": teams_js, "message": message}
    if workshops_in_plan is None:
        # After a refused link, do not fill it in again from the tab's own configuration.
        return _render("config.html", t("tabs.config.add_title"), choices=None, autofill=not message,
                       hidden=[(k, v) for k, v in (form_values or {}).items() if v],
                       meeting_url=f"{base_url}/tabs/meeting", **frame)

    def choice(value: str, title: str, workshop_id: Optional[str]) -> dict:
        return {"value": value, "title": title,
                "content_url": page_url(base_url, project_id, workshop_id, token, teams_theme=True, teams_locale=True),
                "website_url": page_url(base_url, project_id, workshop_id, token)}

    choices = [choice("series", t("tabs.series.title"), None)]
    choices += [choice(f"workshop:{w.id}", w.title, w.id) for w in workshops_in_plan]
    return _render("config.html", t("tabs.config.choose_title"), choices=choices, plan_empty=not workshops_in_plan,
                   **frame)


def forbidden_page(*, nonce: str = "", theme: str = "") -> str:
    """For a missing, forged, expired or other project's token: says nothing about any project."""
    return _render("forbidden.html", t("tabs.forbidden.title"), nonce=nonce, theme=theme)


def message_page(title: str, message: str, *, nonce: str = "", theme: str = "") -> str:
    return _render("message.html", title, message=message, nonce=nonce, theme=theme)


INFO_PAGES = {"privacy": 2, "terms": 1}  # the pages the app manifest links to, and how many paragraphs each has


def info_page(name: str, *, nonce: str = "") -> str:
    """The privacy or terms page: its title tabs.info.<name> and paragraphs tabs.info.<name>.<n>."""
    paragraphs = [t(f"tabs.info.{name}.{n}") for n in range(1, INFO_PAGES[name] + 1)]
    return _render("info.html", t(f"tabs.info.{name}"), paragraphs=paragraphs, nonce=nonce)


def not_found_page(message: str, *, nonce: str = "", theme: str = "") -> str:
    return message_page(t("tabs.pages.not_found"), message, nonce=nonce, theme=theme)


def panel_page(*, nonce: str, stage: bool, theme: str = "", teams_js: Optional[str] = TEAMS_JS) -> str:
    """The meeting side panel (or its stage view): a shell that reads its data through SSO (tabs/panel.py)."""
    words = {k: t(f"tabs.panel.js.{k}") for k in PANEL_WORDS}
    return _render("panel.html", t("tabs.panel.title"), nonce=nonce, theme=theme, teams_js=teams_js, stage=stage,
                   words=words)


PANEL_WORDS = ("wrong", "not_started", "elapsed", "covered", "minutes", "saving", "saved", "outside_teams",
               "no_sign_in")  # what the side panel's script says, from tabs.panel.js.*
