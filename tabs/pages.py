"""The agenda tab pages as HTML strings: pure functions, no aiohttp, no store (bot/tabs.py serves them).

Every piece of text that came from people (project name, topic titles, names, outcomes...) goes
through `_e` (html.escape). The pages load nothing from outside: one <style> and one <script>
carrying the response's CSP nonce, plus the Teams JavaScript library served by the bot itself.
No inline style attributes and no inline event handlers, so `style-src`/`script-src` stay
nonce-only. Colours are CSS variables switched by `<html data-theme>` (light, dark, contrast:
the `theme` query parameter, then the Teams SDK's theme change handler), by
prefers-color-scheme when no theme is given, and by @media print.
"""

from __future__ import annotations

import html
from datetime import date, datetime, timezone
from typing import Iterable, Mapping, Optional, Sequence
from urllib.parse import quote
from zoneinfo import ZoneInfo

from catalog import Catalog, Workshop
from workshops import agenda, attendance, outcomes
from workshops import plan as plans
from workshops.project import PHASES, PRODUCTS

THEMES = {"default": "light", "light": "light", "dark": "dark", "contrast": "contrast"}
TEAMS_JS = "/tabs/static/teams-js.js"
NOT_RECORDED = "Not recorded yet."


def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def theme_of(value: object) -> str:
    """A Teams theme name (default, dark, contrast) or ours (light) as a page theme; "" when unknown."""
    return THEMES.get(str(value or "").strip().lower(), "")


def page_url(base_url: str, project_id: str, workshop_id: Optional[str], token: str, *,
             teams_theme: bool = False) -> str:
    """The absolute URL of a tab page: one workshop's, or the series' when workshop_id is None.

    `teams_theme` adds `&theme={theme}`, which Teams fills in when it loads a tab's contentUrl
    (a websiteUrl opens in a browser and must not carry it)."""
    path = f"/tabs/workshop/{quote(workshop_id, safe='')}" if workshop_id else "/tabs/series"
    url = f"{base_url.rstrip('/')}{path}?project={quote(project_id, safe='')}&token={quote(token, safe='')}"
    return url + "&theme={theme}" if teams_theme else url


# --- the frame every page shares ------------------------------------------------------------

_CSS = """
:root{--bg:#fff;--fg:#242424;--muted:#5c5c5c;--card:#f5f5f5;--line:#d1d1d1;--accent:#4f52b2;--ok:#0e700e;
--warn:#835b00;--bad:#b10e1c;--track:#e6e6e6;--window:#a9abe8;--mark:#4f52b2;color-scheme:light}
@media (prefers-color-scheme:dark){:root:not([data-theme]){--bg:#1f1f1f;--fg:#f0f0f0;--muted:#c2c2c2;
--card:#292929;--line:#4d4d4d;--accent:#a7aaf5;--ok:#6ccb5f;--warn:#f2c661;--bad:#f1707b;--track:#3d3d3d;
--window:#5b5fc7;--mark:#c5c7fa;color-scheme:dark}}
:root[data-theme=dark]{--bg:#1f1f1f;--fg:#f0f0f0;--muted:#c2c2c2;--card:#292929;--line:#4d4d4d;--accent:#a7aaf5;
--ok:#6ccb5f;--warn:#f2c661;--bad:#f1707b;--track:#3d3d3d;--window:#5b5fc7;--mark:#c5c7fa;color-scheme:dark}
:root[data-theme=contrast]{--bg:#000;--fg:#fff;--muted:#fff;--card:#000;--line:#fff;--accent:#ffff01;--ok:#3ff23f;
--warn:#ffff01;--bad:#ff8f8f;--track:#000;--window:#1aebff;--mark:#ffff01;color-scheme:dark}
*{box-sizing:border-box}
html{background:var(--bg)}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 "Segoe UI",system-ui,-apple-system,sans-serif;
overflow-wrap:anywhere}
main{max-width:60rem;margin:0 auto;padding:.75rem 1rem 2rem}
h1{font-size:1.45rem;margin:.15rem 0 .4rem;line-height:1.2}
h2{font-size:1.05rem;margin:0 0 .45rem}
h3{font-size:.95rem;margin:.65rem 0 .2rem}
p{margin:.3rem 0}
a{color:var(--accent)}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.75rem 1rem;margin:.75rem 0}
ul,ol{padding-left:1.3rem;margin:.3rem 0}
li{margin:.3rem 0}
.eyebrow,.muted,.meta{color:var(--muted)}
.eyebrow{margin:0;font-size:.9rem}
.none{color:var(--muted);font-style:italic}
.facts{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;margin:.4rem 0}
.badge{display:inline-block;padding:0 .5rem;border:1px solid currentColor;border-radius:999px;font-size:.8rem;
font-weight:600;white-space:nowrap}
.good{color:var(--ok)}.warn{color:var(--warn)}.bad{color:var(--bad)}
.pre{white-space:pre-line}
.readiness{border-width:2px}
.readiness-good{border-color:var(--ok)}.readiness-bad{border-color:var(--bad)}
.readiness h2{font-size:1.25rem}
.timeline ol{list-style:none;padding:0;margin:0}
.timeline li{padding:.45rem 0;border-top:1px solid var(--line)}
.timeline li:first-child{border-top:0}
.row{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;gap:.25rem .75rem}
.axis{display:flex;justify-content:space-between;gap:.5rem;font-size:.8rem;color:var(--muted)}
svg.strip{display:block;width:100%;height:18px;margin-top:.3rem}
.strip .track{fill:var(--track);stroke:var(--line)}
.strip .window{fill:var(--window)}
.strip .when{fill:var(--mark)}
.strip .golive{stroke:var(--bad);stroke-width:3}
.strip .today{stroke:var(--fg);stroke-width:1;stroke-dasharray:3 3}
.legend{font-size:.8rem;color:var(--muted)}
form label{display:block;margin:.35rem 0}
input[type=text]{width:100%;padding:.45rem;font:inherit;background:var(--bg);color:var(--fg);border:1px solid var(--line);
border-radius:4px}
button{font:inherit;padding:.4rem 1rem;border-radius:4px;border:1px solid var(--accent);background:var(--accent);
color:var(--bg);cursor:pointer}
@media (forced-colors:active){.badge,section{border:1px solid CanvasText}.strip .window,.strip .when{fill:Highlight}}
@media print{:root,:root[data-theme]{--bg:#fff;--fg:#000;--muted:#333;--card:#fff;--line:#999;--accent:#000;
--ok:#000;--warn:#000;--bad:#000;--track:#fff;--window:#bbb;--mark:#000;color-scheme:light}
body{font-size:11pt}main{max-width:none;padding:0}section{break-inside:avoid;border-radius:0}
.noprint{display:none}a{text-decoration:none}svg.strip{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
"""

# Follows the Teams theme when the page runs inside Teams; elsewhere app.initialize() fails at
# once (no host window) and the theme parameter or the system setting stays in force.
_THEME_JS = """
var root = document.documentElement;
function applyTheme(theme) {
  var names = {"default": "light", "light": "light", "dark": "dark", "contrast": "contrast"};
  if (names[theme]) root.setAttribute("data-theme", names[theme]);
}
function followTeamsTheme(teams) {
  teams.app.registerOnThemeChangeHandler(applyTheme);
  return teams.app.getContext().then(function (context) {
    if (context && context.app) applyTheme(context.app.theme);
  });
}
"""

_CONTENT_JS = _THEME_JS + """
if (window.microsoftTeams) {
  microsoftTeams.app.initialize().then(function () {
    return followTeamsTheme(microsoftTeams);
  }).catch(function () { /* not inside Teams */ });
}
"""


# The Teams library asks Microsoft's CDN for the current list of Teams origins as soon as it loads.
# These pages connect to nothing but their own origin (CSP connect-src 'self'), so that request is
# answered here with a failure before the browser tries it, and the library uses the list it ships with.
_NO_CDN_JS = """
var fetch = window.fetch;
window.fetch = function (resource) {
  var url = String((resource && resource.url) || resource);
  if (url.indexOf("https://res.cdn.office.net/teams-js/") === 0) {
    return Promise.reject(new TypeError("this page connects only to its own origin"));
  }
  return fetch.apply(this, arguments);
};
"""


def _frame(title: str, body: str, *, nonce: str = "", theme: str = "", script: str = "",
           teams_js: Optional[str] = None, body_attrs: str = "") -> str:
    theme = theme_of(theme)
    nonce_attr = f' nonce="{_e(nonce)}"' if nonce else ""
    scripts = ""
    if teams_js and nonce:
        scripts += f'<script{nonce_attr}>(function () {{{_NO_CDN_JS}}})();</script><script src="{_e(teams_js)}"></script>'
    if script and nonce:
        scripts += f"<script{nonce_attr}>(function () {{{script}}})();</script>"
    theme_attr = f' data-theme="{theme}"' if theme else ""
    return (f'<!doctype html><html lang="en"{theme_attr}><head>'
            '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="color-scheme" content="light dark">'
            f"<title>{_e(title)}</title><style{nonce_attr}>{_CSS}</style></head>"
            f"<body{body_attrs}><main>{body}</main>{scripts}</body></html>")


def _none(text: str = NOT_RECORDED) -> str:
    return f'<p class="none">{_e(text)}</p>'


def _section(title: str, inner: str, css: str = "") -> str:
    css_attr = f' class="{css}"' if css else ""
    return f"<section{css_attr}><h2>{_e(title)}</h2>{inner}</section>"


def _list(items: Iterable[str], ordered: bool = False) -> str:
    """Items are HTML already (each escaped by the caller)."""
    tag = "ol" if ordered else "ul"
    items = list(items)
    return f"<{tag}>{''.join(f'<li>{i}</li>' for i in items)}</{tag}>" if items else ""


def _zone(project: Mapping) -> ZoneInfo:
    try:
        return ZoneInfo(project.get("timeZone") or "UTC")
    except (ValueError, KeyError, OSError):
        return ZoneInfo("UTC")


def _day(value: date) -> str:
    return f"{value.day} {value:%b %Y}"


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
        return "Not scheduled yet"
    zone = _zone(project)
    local = start.astimezone(zone)
    return f"{local:%a} {_day(local.date())}, {local:%H:%M} ({zone.key})"


def _name(roster: Mapping, aad: str, fallback: str = "") -> str:
    member = ((roster or {}).get("members") or {}).get(aad) or {}
    return member.get("name") or fallback or "Someone"


def _badge(text: str, css: str = "") -> str:
    return f'<span class="badge{f" {css}" if css else ""}">{_e(text)}</span>'


def _status_css(status: Optional[str]) -> str:
    return {agenda.APPROVED: "good", agenda.HELD: "good", agenda.CLOSED: "good", agenda.AWAITING: "warn"}.get(
        status or "", "")


def _project_line(project: Mapping) -> str:
    parts = [project.get("name") or "Project"]
    parts += [p for p in (project.get("customer"), project.get("partner")) if p]
    return f'<p class="eyebrow">{" · ".join(_e(p) for p in parts)}</p>'


# --- the workshop page ----------------------------------------------------------------------

def _agenda(session: Optional[Mapping], workshop: Workshop, roster: Mapping) -> str:
    if not session:
        topics = _list((_e(t) for t in workshop.topics), ordered=True)
        return _section("Agenda", _none("The agenda has not been drawn up yet. The catalog's topics are:") + topics)
    rows = []
    for topic in (t for t in session.get("topics", []) if not t.get("dropped")):
        owner = _name(roster, topic["owner"]) if topic.get("owner") else "No owner yet"
        added = " (added)" if topic.get("custom") else ""
        rows.append(f'<span class="topic">{_e(topic.get("title"))}{_e(added)}</span> '
                    f'<span class="meta">— {_e(owner)}, {_e(topic.get("minutes"))} min</span>')
    total = sum(int(t.get("minutes") or 0) for t in session.get("topics", []) if not t.get("dropped"))
    duration = int(session.get("durationMinutes") or 0)
    over = f" ({total - duration} over)" if total > duration else ""
    summary = f'<p class="{"warn" if over else "muted"}">{total} of {duration} minutes planned{over}.</p>'
    return _section("Agenda", (_list(rows, ordered=True) or _none()) + summary)


def _attendees(session: Optional[Mapping], workshop: Workshop, roster: Mapping, catalog: Catalog) -> str:
    invited = agenda.invitees(workshop, roster or {})
    rsvps = (session or {}).get("rsvps") or {}

    def person(p: Mapping) -> str:
        roles = ", ".join(catalog.role_label(r) for r in p.get("roles", ()))
        answer = (rsvps.get(p["aadObjectId"]) or {}).get("response")
        label = agenda.RSVP_LABELS.get(answer, "No answer yet")
        css = {"accept": "good", "decline": "bad", "tentative": "warn"}.get(answer or "", "")
        return (f'{_e(p.get("name") or "Someone")} <span class="meta">{_e(roles)}</span> '
                f'{_badge(label, css)}')

    parts = ["<h3>Mandatory</h3>", _list(person(p) for p in invited["mandatory"]) or _none("Nobody yet.")]
    if invited["unfilled"]:
        roles = ", ".join(catalog.role_label(r) for r in invited["unfilled"])
        parts.append(f'<p class="warn">Mandatory roles nobody holds: {_e(roles)}</p>')
    parts += ["<h3>Recommended</h3>", _list(person(p) for p in invited["recommended"]) or _none("Nobody.")]
    invited_ids = {p["aadObjectId"] for p in invited["mandatory"] + invited["recommended"]}
    others = [f'{_e(r.get("name") or _name(roster, aad))} {_badge(agenda.RSVP_LABELS.get(r.get("response"), "?"))}'
              for aad, r in rsvps.items() if aad not in invited_ids]
    if others:
        parts += ["<h3>Also answered</h3>", _list(others)]
    return _section("Attendees", "".join(parts))


def _attendance(session: Optional[Mapping], workshop: Workshop, roster: Mapping, catalog: Catalog) -> str:
    marks = (session or {}).get("attendance") or {}
    if not marks:
        return _section("Attendance", _none())
    rows = []
    for status, label in attendance.STATUSES.items():
        names = [m.get("name") or "Someone" for m in marks.values() if m.get("status") == status]
        if names:
            rows.append(f"<strong>{_e(label)}:</strong> {_e(', '.join(names))}")
    missing = attendance.coverage(session, workshop, roster or {})["missing"]
    note = (f'<p class="warn">Mandatory roles not in the room: {_e(", ".join(catalog.role_label(r) for r in missing))}'
            "</p>") if missing else '<p class="good">Every mandatory role was there.</p>'
    return _section("Attendance", _list(rows) + note)


def _finding(f: Mapping) -> str:
    kind = outcomes.FINDING_KINDS.get(f.get("kind"), str(f.get("kind") or "Finding"))
    priority = outcomes.PRIORITIES.get(f.get("priority"), str(f.get("priority") or ""))
    is_open = f.get("open", True)
    css = "bad" if is_open and f.get("priority") == "high" and f.get("kind") in ("risk", "issue") else ""
    return (f'{_badge(f"{kind}, {priority.lower()}", css)} {_e(f.get("text"))} '
            f'<span class="meta">({"open" if is_open else "closed"})</span>')


def _outcome(outcome: Optional[Mapping], workshop: Workshop) -> str:
    if not outcome:
        return _section("Outcomes", _none())
    parts = [f'<p class="pre">{_e(outcome["summary"])}</p>' if outcome.get("summary") else _none("No summary yet.")]
    for title, items in (("Decisions", outcome.get("decisions")), ("Recommendations", outcome.get("recommendations"))):
        if items:
            parts += [f"<h3>{title}</h3>", _list(_e(i) for i in items)]
    if outcome.get("findings"):
        parts += ["<h3>Findings, risks and issues</h3>", _list(_finding(f) for f in outcome["findings"])]
    specific = outcome.get("specific") or {}
    for spec in outcomes.SPECIFIC.get(workshop.id, ()):
        value = specific.get(spec.id)
        if isinstance(spec, outcomes.Group) and value:
            groups = [" · ".join(f"{_e(f.label)}: {_e(g.get(f.id))}" for f in spec.fields if g.get(f.id))
                      for g in value if isinstance(g, Mapping)]
            parts += [f"<h3>{_e(spec.label)}s</h3>", _list(groups)]
        elif isinstance(value, str) and value:
            parts += [f"<h3>{_e(spec.label)}</h3>", f'<p class="pre">{_e(value)}</p>']
    return _section("Outcomes", "".join(parts))


def _actions(outcome: Optional[Mapping], roster: Mapping, today: date) -> str:
    if not outcome:
        return _section("Open actions", _none())
    rows = []
    for action in sorted((a for a in outcome.get("actions", []) if not a.get("done")),
                         key=lambda a: str(a.get("due") or "")):
        due = _parse_day(action.get("due"))
        overdue = due is not None and due < today
        rows.append(f'{_e(action.get("title"))} <span class="meta">— {_e(_name(roster, action.get("owner", "")))}'
                    f', due {_e(_day(due) if due else action.get("due") or "?")}</span>'
                    + (f" {_badge('Overdue', 'bad')}" if overdue else ""))
    return _section("Open actions", _list(rows) or _none("No open actions."))


def workshop_page(project: Mapping, session: Optional[Mapping], outcome: Optional[Mapping], workshop: Workshop,
                  roster: Mapping, catalog: Catalog, now: datetime, *, nonce: str = "", theme: str = "",
                  teams_js: Optional[str] = TEAMS_JS, series_url: str = "") -> str:
    """One workshop: when, agenda with owners and minutes, attendees and RSVPs, attendance,
    outcomes and open actions. Absent data reads "Not recorded yet."."""
    status = (session or {}).get("status")
    label = agenda.STATUS_LABELS.get(status, "Planned")
    facts = [f"<span>{_badge(label, _status_css(status))}</span>", f"<span>{_e(_when(session, project))}</span>"]
    if session:
        facts.append(f'<span>{_e(session.get("durationMinutes"))} minutes</span>')
    join = ((session or {}).get("meeting") or {}).get("joinUrl") or ""
    if join.startswith("https://"):
        facts.append(f'<span><a href="{_e(join)}" target="_blank" rel="noopener noreferrer">Join the Teams meeting</a>'
                     "</span>")
    header = (f"<header>{_project_line(project)}<h1>{_e(workshop.title)}</h1>"
              f'<div class="facts">{"".join(facts)}</div><p>{_e(workshop.purpose)}</p>')
    if workshop.learn_more:
        header += (f'<p class="noprint"><a href="{_e(workshop.learn_more)}" target="_blank" '
                   f'rel="noopener noreferrer">Pre-reading: {_e(workshop.learn_more_title)}</a></p>')
    if series_url:
        header += f'<p class="noprint"><a href="{_e(series_url)}">The whole series</a></p>'
    body = header + "</header>" + "".join((
        _agenda(session, workshop, roster),
        _attendees(session, workshop, roster, catalog),
        _attendance(session, workshop, roster, catalog),
        _outcome(outcome, workshop),
        _actions(outcome, roster, now.date()),
    ))
    return _frame(f"{workshop.title} · {project.get('name') or 'Workshops'}", body, nonce=nonce, theme=theme,
                  script=_CONTENT_JS, teams_js=teams_js)


# --- the series page ------------------------------------------------------------------------

def readiness(sessions: Mapping[str, Mapping], outcome_docs: Mapping[str, Mapping]) -> tuple[str, str, list[Mapping]]:
    """(label, css class, blocking findings): "Engagement closed" once post go-live is closed,
    "Not ready" while any high-priority risk or issue is open in any outcome, else "On track"."""
    findings = [{**f, "workshopId": wid} for wid, o in outcome_docs.items() for f in (o or {}).get("findings", [])
                if isinstance(f, Mapping)]
    blocking = outcomes.blocking(f for f in findings if f.get("priority") and f.get("kind"))
    if (sessions.get("post-go-live") or {}).get("status") == agenda.CLOSED:
        return "Engagement closed", "good", blocking
    if blocking:
        return "Not ready", "bad", blocking
    return "On track", "good", blocking


def _x(day: date, first: date, span: int) -> float:
    return round(1000 * (day - first).days / span, 1)


def _strip(item: Mapping, session: Optional[Mapping], project: Mapping, first: date, span: int,
           go_live: Optional[date], today: date) -> str:
    """One workshop's row: the target window, the scheduled day, go-live and today, on one shared scale."""
    shapes, said = ['<rect class="track" x="0" y="4" width="1000" height="10"/>'], []
    start, end = _parse_day(item.get("windowStart")), _parse_day(item.get("windowEnd"))
    if start and end:
        x = _x(start, first, span)
        shapes.append(f'<rect class="window" x="{x}" y="4" width="{max(4.0, _x(end, first, span) - x)}" height="10"/>')
        said.append(f"target window {_day(start)} to {_day(end)}")
    when = _start(session)
    if when:
        day = when.astimezone(_zone(project)).date()
        shapes.append(f'<rect class="when" x="{max(0.0, _x(day, first, span) - 5)}" y="0" width="10" height="18"/>')
        said.append(f"scheduled {_day(day)}")
    if go_live:
        x = _x(go_live, first, span)
        shapes.append(f'<line class="golive" x1="{x}" y1="0" x2="{x}" y2="18" vector-effect="non-scaling-stroke"/>')
    x = _x(today, first, span)
    shapes.append(f'<line class="today" x1="{x}" y1="0" x2="{x}" y2="18" vector-effect="non-scaling-stroke"/>')
    return (f'<svg class="strip" viewBox="0 0 1000 18" preserveAspectRatio="none" role="img" '
            f'aria-label="{_e("; ".join(said) or "no dates yet")}">{"".join(shapes)}</svg>')


def _relative(day: date, go_live: Optional[date]) -> str:
    if not go_live:
        return ""
    days = (go_live - day).days
    if days == 0:
        return "on go-live day"
    weeks = abs(days) // 7
    amount = f"{weeks} week{'s' if weeks != 1 else ''}" if weeks else f"{abs(days)} day{'s' if abs(days) != 1 else ''}"
    return f"{amount} {'before' if days > 0 else 'after'} go-live"


def series_page(project: Mapping, plan: Optional[Mapping], sessions_by_workshop: Mapping[str, Mapping],
                outcomes_by_workshop: Mapping[str, Mapping], catalog: Catalog, now: datetime, *, nonce: str = "",
                theme: str = "", teams_js: Optional[str] = TEAMS_JS,
                links: Optional[Mapping[str, str]] = None) -> str:
    """The series as a timeline against go-live, each workshop's status, and go-live readiness."""
    today = now.date()
    go_live = _parse_day(project.get("goLive"))
    products = ", ".join(PRODUCTS.get(p, p) for p in project.get("products") or [])
    facts = [f"<span>Go-live: <strong>{_e(_day(go_live) if go_live else 'not set')}</strong></span>"]
    if go_live:
        facts.append(f"<span>{_e(_relative(today, go_live).replace('before go-live', 'to go-live'))}</span>")
    if project.get("phase"):
        facts.append(f"<span>Phase: {_e(PHASES.get(project['phase'], project['phase']))}</span>")
    if products:
        facts.append(f"<span>{_e(products)}</span>")
    header = (f"<header>{_project_line(project)}<h1>Workshop series</h1>"
              f'<div class="facts">{"".join(facts)}</div></header>')

    label, css, blocking = readiness(sessions_by_workshop, outcomes_by_workshop)
    detail = ""
    if blocking:
        titles = {w.id: w.title for w in catalog.workshops}
        detail = (f"<p>{len(blocking)} open high-priority risk{'s' if len(blocking) != 1 else ''} or issue"
                  f"{'s' if len(blocking) != 1 else ''}:</p>"
                  + _list(f'{_e(f.get("text"))} <span class="meta">({_e(titles.get(f["workshopId"], f["workshopId"]))})'
                          "</span>" for f in blocking))
    elif label == "On track":
        detail = "<p>No high-priority risk or issue is open.</p>"
    ready = f'<section class="readiness readiness-{css}"><h2>Readiness: <span class="{css}">{_e(label)}</span></h2>{detail}</section>'

    if not plan:
        return _frame(f"Series · {project.get('name') or 'Workshops'}",
                      header + ready + _section("Timeline", _none("The series has not been chosen yet.")),
                      nonce=nonce, theme=theme, script=_CONTENT_JS, teams_js=teams_js)

    items = {i["workshopId"]: i for i in plan.get("items", [])}
    chosen = [items[w] for w in plans.included(plan) if w in items]
    days = [d for i in chosen for d in (_parse_day(i.get("windowStart")), _parse_day(i.get("windowEnd"))) if d]
    days += [s.astimezone(_zone(project)).date() for s in (_start(sessions_by_workshop.get(i["workshopId"]))
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
        title = _e(workshop.title)
        if links and links.get(wid):
            title = f'<a href="{_e(links[wid])}">{title}</a>'
        when = _start(session)
        if when:
            day = when.astimezone(_zone(project)).date()
            date_text = f"{_when(session, project)} · {_relative(day, go_live)}"
        else:
            start, end = _parse_day(item.get("windowStart")), _parse_day(item.get("windowEnd"))
            date_text = f"Target {_day(start)} – {_day(end)}" if start and end else "No date yet"
        rows.append(f'<li><div class="row"><strong>{title}</strong>'
                    f'{_badge(agenda.STATUS_LABELS.get(status, "Planned"), _status_css(status))}</div>'
                    f'<div class="meta">{_e(date_text)}</div>'
                    f"{_strip(item, session, project, first, span, go_live, today)}</li>")
    legend = ('<p class="legend">Bars: target window. Block: scheduled day. Red line: go-live'
              f'{f" ({_e(_day(go_live))})" if go_live else ""}. Dotted line: today.</p>')
    timeline = (f'<section class="timeline"><h2>Timeline</h2><p class="muted">{held} of {len(rows)} held</p>'
                f'<div class="axis"><span>{_e(_day(first))}</span><span>{_e(_day(last))}</span></div>'
                f'<ol>{"".join(rows)}</ol>{legend}</section>')
    if not rows:
        timeline = _section("Timeline", _none("No workshop is in the series."))
    return _frame(f"Series · {project.get('name') or 'Workshops'}", header + ready + timeline, nonce=nonce,
                  theme=theme, script=_CONTENT_JS, teams_js=teams_js)


# --- configuration, and the pages that say no ------------------------------------------------

_CONFIG_JS = _THEME_JS + """
var status = document.getElementById("status");
var form = document.getElementById("choices");
var teams = window.microsoftTeams;
function say(text) { status.textContent = text; }
if (!teams) return;
function chosen() { return form ? form.querySelector("input[name=choice]:checked") : null; }
teams.app.initialize().then(function () {
  if (form) {
    teams.pages.config.registerOnSaveHandler(function (saveEvent) {
      var choice = chosen();
      if (!choice) { saveEvent.notifyFailure("Choose a workshop or the whole series."); return; }
      teams.pages.config.setConfig({
        entityId: choice.value, contentUrl: choice.getAttribute("data-content-url"),
        websiteUrl: choice.getAttribute("data-website-url"), suggestedDisplayName: choice.getAttribute("data-name")
      }).then(function () { saveEvent.notifySuccess(); },
              function (error) { saveEvent.notifyFailure(String((error && error.message) || error)); });
    });
    form.addEventListener("change", function () { teams.pages.config.setValidityState(!!chosen()); });
    teams.pages.config.setValidityState(!!chosen());
  } else if (document.body.getAttribute("data-autofill") === "1") {
    /* Editing a tab that exists: its own link carries the token, so nobody has to paste it again. */
    teams.pages.getConfig().then(function (config) {
      if (config && config.contentUrl) {
        var params = new URLSearchParams(location.search);
        params.set("code", config.contentUrl);
        location.replace("config?" + params.toString());
      }
    }).catch(function () {});
  }
  return followTeamsTheme(teams);
}).catch(function () {
  say("This page is meant to be opened by Teams when you add the Workshops tab to a channel or chat.");
});
"""


def config_page(nonce: str, base_url: str, workshops_in_plan: Optional[Sequence[Workshop]], *,
                project_id: str = "", token: str = "", theme: str = "", teams_js: Optional[str] = TEAMS_JS,
                form_values: Optional[Mapping[str, str]] = None, message: str = "") -> str:
    """The tab configuration page Teams opens when someone adds the Workshops tab.

    With `workshops_in_plan` (a valid tab token was presented for `project_id`): pick one planned
    workshop or the whole series; on save the page hands Teams signed page URLs built from
    `token`. Without it (None): no project data at all, only a box for the tab link the bot
    posted in the conversation. `form_values` are carried through that form (project, theme).
    """
    library = "" if teams_js else (
        '<p class="bad">The Teams JavaScript library is missing on the server (node_modules/@microsoft/teams-js: '
        "run npm ci), so this page cannot save a tab.</p>")
    note = f'<p class="warn">{_e(message)}</p>' if message else ""
    if workshops_in_plan is None:
        hidden = "".join(f'<input type="hidden" name="{_e(k)}" value="{_e(v)}">'
                         for k, v in (form_values or {}).items() if v)
        body = ("<h1>Add a workshop page</h1>" + library + note +
                "<section><p>Ask the bot in this conversation for the link: type <strong>pin</strong> followed by a "
                "workshop's name (for example <strong>pin cutover</strong>), or <strong>pin series</strong>. Paste "
                "the link it posts here, then choose what the tab shows.</p>"
                f'<form method="get" action="config">{hidden}<label for="code">Tab link from the bot</label>'
                '<input type="text" id="code" name="code" required autocomplete="off" spellcheck="false">'
                '<p><button type="submit">Continue</button></p></form></section>'
                '<p id="status" class="muted" role="status"></p>')
        # After a refused link, do not fill it in again from the tab's own configuration.
        return _frame("Add a workshop page", body, nonce=nonce, theme=theme, script=_CONFIG_JS, teams_js=teams_js,
                      body_attrs="" if message else ' data-autofill="1"')

    def choice(value: str, title: str, workshop_id: Optional[str]) -> str:
        content = page_url(base_url, project_id, workshop_id, token, teams_theme=True)
        website = page_url(base_url, project_id, workshop_id, token)
        return (f'<label><input type="radio" name="choice" value="{_e(value)}" data-name="{_e(title)}" '
                f'data-content-url="{_e(content)}" data-website-url="{_e(website)}"> {_e(title)}</label>')

    options = [choice("series", "Workshop series", None)]
    options += [choice(f"workshop:{w.id}", w.title, w.id) for w in workshops_in_plan]
    body = ("<h1>Choose what this tab shows</h1>" + library + note +
            f'<section><form id="choices">{"".join(options)}</form></section>'
            + ("" if workshops_in_plan else _none("No workshop is in the series yet; the series page shows the plan "
                                                  "once it is chosen."))
            + '<p id="status" class="muted" role="status"></p>')
    return _frame("Choose what this tab shows", body, nonce=nonce, theme=theme, script=_CONFIG_JS, teams_js=teams_js)


def forbidden_page(*, nonce: str = "", theme: str = "") -> str:
    """For a missing, forged, expired or other project's token: says nothing about any project."""
    body = ("<h1>This link is not valid</h1><section><p>The link is missing its key, has expired, or belongs to "
            "another project.</p><p>In the project's Teams conversation, type <strong>pin</strong> and the workshop's "
            "name to get a fresh page, or open the workshop's agenda card.</p></section>")
    return _frame("Link not valid", body, nonce=nonce, theme=theme)


def message_page(title: str, message: str, *, nonce: str = "", theme: str = "") -> str:
    return _frame(title, f"<h1>{_e(title)}</h1><section><p>{_e(message)}</p></section>", nonce=nonce, theme=theme)


def not_found_page(message: str, *, nonce: str = "", theme: str = "") -> str:
    return message_page("Not found", message, nonce=nonce, theme=theme)
