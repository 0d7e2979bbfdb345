"""Web routes for the agenda tabs: the configuration page, the workshop and series pages, and the
Teams JavaScript library, served by the bot itself so the pages load nothing from elsewhere.

Access. A page needs `?project=<id>&token=<token>`, where the token is
`sign(SIGNING_SECRET, tab_scope(project), 180 days)` (tabs/links.py): read-only, expiring, one
project, and only while the project's link version is the one it was signed with. The project is
read first, for that version; anything else (no token, a forged, expired, revoked or other
project's token, or no such project) gets 403 and a page naming no project. The Teams context a
page runs in is never taken as proof of who is looking.

The configuration page, and why it asks for a link. Teams opens the manifest's configurationUrl
(`/tabs/config?project={teamId}&theme={theme}`) with nothing we signed in it, and a team id is not
a secret (it is in every channel link people forward). So the configuration page must not turn
a team id into project data or into signed links: listing the plan, or a "make me a link" endpoint
keyed by team id, would hand every project's pages to anyone who has seen a channel link.
Instead, without a token the page shows no project data at all and asks for the tab link the bot
posts in the project's own conversation (`pin <workshop>`); with that link (its token checked
here, and its project matched against {teamId} when Teams gives one) it lists the plan's
workshops and the series and gives Teams URLs carrying that same token (never a fresh one, so a
link cannot be renewed forever). When an existing tab is edited, the page reads the tab's own
contentUrl through the Teams SDK, so nobody pastes twice. Pins through Graph (dialogs/pinning.py)
need none of this: the bot signs the URLs itself.

Language. Every page speaks the viewer's language: `locale` from the query (the contentUrl and the
configurationUrl carry Teams' `{locale}`), else the browser's Accept-Language, else English.

Teams SSO is for the meeting tab (tabs/panel.py): its page holds no data and fetches it with the
token teams-js gives. These pages are loaded by Teams as a plain GET with no token of the user's, so
they keep their signed, read-only links: what a link shares.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Awaitable, Callable, Optional
from urllib.parse import parse_qs, quote, urlsplit

from aiohttp import web

from catalog import Catalog
from texts import language, speaking, t
from workshops import agenda, outcomes, plan as plans

from . import pages as tab_pages
from .links import tab_token_allows
from store import PROJECT_DATA, DocumentStore, StoreError, find
from workshops.documents import PLAN, PROJECT, ROSTER

log = logging.getLogger(__name__)

TEAMS_JS_FILE = (Path(__file__).resolve().parents[1] / "node_modules" / "@microsoft" / "teams-js" / "dist" / "umd"
                 / "MicrosoftTeams.min.js")
FRAME_ANCESTORS = ("teams.microsoft.com", "*.teams.microsoft.com", "*.cloud.microsoft", "*.office.com",
                   "*.microsoft365.com", "*.skype.com")


def csp(nonce: str) -> str:
    return (f"default-src 'none'; script-src 'nonce-{nonce}' 'self'; style-src 'nonce-{nonce}'; "
            "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
            f"frame-ancestors {' '.join(FRAME_ANCESTORS)}")


def _page(render: Callable[[str], str], status: int = 200) -> web.Response:
    """`render(nonce)` as an HTML response with a fresh nonce and the headers every tab page carries."""
    nonce = secrets.token_urlsafe(18)
    return web.Response(text=render(nonce), status=status, content_type="text/html", charset="utf-8", headers={
        "Content-Security-Policy": csp(nonce), "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"})


def _query(project_id: str, token: str, theme: str, locale: str = "") -> str:
    """The query of a link between tab pages; the links are relative, so they work behind any base URL."""
    query = f"?project={quote(project_id, safe='')}&token={quote(token, safe='')}"
    return query + (f"&locale={quote(locale, safe='')}" if locale else "") + (f"&theme={theme}" if theme else "")


MAX_LOCALE = 35  # a BCP 47 tag such as "de-DE"; anything longer is not one


def locale_of(request: web.Request) -> str:
    """The viewer's locale: `?locale=` (Teams fills in {locale}; an unfilled placeholder is none), else the
    first language of Accept-Language the bot speaks, else ""."""
    given = _hint(request.query.get("locale"))
    if given and len(given) <= MAX_LOCALE:
        return given
    weighted = []
    for n, part in enumerate(request.headers.get("Accept-Language", "")[:200].split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            continue
        weighted.append((-weight, n, tag.strip()))
    for _, _, tag in sorted(weighted):
        if tag and language(tag) == tag.replace("_", "-").split("-")[0].lower():
            return tag
    return ""


def localised(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
    """`handler`, answering in the viewer's language (texts.speaking)."""
    async def answer(request: web.Request) -> web.StreamResponse:
        with speaking(locale_of(request)):
            return await handler(request)
    return answer


def _link_parts(code: str, project_hint: str) -> tuple[str, str]:
    """(project id, token) from what someone pasted: a whole tab link, or a bare token. Backslashes
    (a card's markdown escapes, copied as they are) never occur in our links and are dropped."""
    code = code.strip().replace("\\", "")
    if "token=" in code:
        query = parse_qs(urlsplit(code).query)
        return (query.get("project") or [""])[0], (query.get("token") or [""])[0]
    return project_hint, code


def _hint(value: Optional[str]) -> str:
    """The project id Teams put in the configurationUrl; empty (or an unfilled placeholder) means none."""
    value = (value or "").strip()
    return "" if not value or value.startswith("{") else value


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def add_tab_routes(app: web.Application, settings, catalog: Catalog, store: Callable[[], DocumentStore], *,
                   teams_js_file: Path = TEAMS_JS_FILE, clock: Callable[[], datetime] = _utc_now) -> None:
    """GET /tabs/config, /tabs/workshop/{workshop_id}, /tabs/series, /tabs/static/teams-js.js, /privacy, /terms.

    `store` is looked up per request (it opens when the app starts). The Teams library is read
    once, now; when it is missing the library route answers 404 and the config page says so."""
    try:
        library: Optional[bytes] = teams_js_file.read_bytes()
    except OSError:
        log.warning("the Teams JavaScript library is missing (%s): run npm ci; tab configuration cannot save",
                    teams_js_file)
        library = None

    def theme(request: web.Request) -> str:
        return tab_pages.theme_of(request.query.get("theme"))

    def teams_js(relative: str) -> Optional[str]:
        return relative if library is not None else None

    def forbidden(request: web.Request) -> web.Response:
        return _page(lambda nonce: tab_pages.forbidden_page(nonce=nonce, theme=theme(request)), 403)

    def not_found(request: web.Request, message: str) -> web.Response:
        return _page(lambda nonce: tab_pages.not_found_page(message, nonce=nonce, theme=theme(request)), 404)

    def unavailable(request: web.Request) -> web.Response:
        return _page(lambda nonce: tab_pages.message_page(t("tabs.routes.unavailable_title"),
                                                          t("tabs.routes.unavailable"), nonce=nonce,
                                                          theme=theme(request)), 503)

    async def allowed(request: web.Request, project: Optional[dict]) -> bool:
        return bool(project) and tab_token_allows(settings, project, request.query.get("token"))

    async def static_teams_js(_request: web.Request) -> web.Response:
        if library is None:
            return web.Response(status=404, text="// the Teams JavaScript library is not installed (npm ci)\n",
                                content_type="text/javascript", headers={"X-Content-Type-Options": "nosniff"})
        return web.Response(body=library, content_type="text/javascript", charset="utf-8", headers={
            "X-Content-Type-Options": "nosniff", "Cache-Control": "public, max-age=86400"})

    async def workshop(request: web.Request) -> web.Response:
        project_id = request.query.get("project", "")
        workshop_id = request.match_info["workshop_id"]
        db = store()
        try:
            project = await find(db, project_id, PROJECT) if project_id else None
            if not await allowed(request, project):
                return forbidden(request)
            if workshop_id not in catalog:
                return not_found(request, t("tabs.routes.no_such_workshop"))
            session = await find(db, project_id, agenda.session_id(workshop_id))
            outcome = await find(db, project_id, outcomes.outcome_id(workshop_id))
            roster = await find(db, project_id, ROSTER) or {}
        except StoreError:
            log.exception("tab page: the store failed")
            return unavailable(request)
        series = "../series" + _query(project_id, request.query.get("token", ""), theme(request), locale_of(request))
        return _page(lambda nonce: tab_pages.workshop_page(
            project, session, outcome, catalog.get(workshop_id), roster, catalog, clock(), nonce=nonce,
            theme=theme(request), teams_js=teams_js("../static/teams-js.js"), series_url=series))

    async def series(request: web.Request) -> web.Response:
        project_id = request.query.get("project", "")
        db = store()
        try:
            project = await find(db, project_id, PROJECT) if project_id else None
            if not await allowed(request, project):
                return forbidden(request)
            plan = await find(db, project_id, PLAN)
            sessions = {d["workshopId"]: d for d in await db.query(PROJECT_DATA, project_id, doc_type="session")
                        if d.get("workshopId")}
            outcome_docs = {d["workshopId"]: d for d in await db.query(PROJECT_DATA, project_id, doc_type="outcome")
                            if d.get("workshopId")}
        except StoreError:
            log.exception("tab page: the store failed")
            return unavailable(request)
        query = _query(project_id, request.query.get("token", ""), theme(request), locale_of(request))
        links = {wid: f"workshop/{quote(wid, safe='')}{query}"
                 for wid in (plans.included(plan) if plan else []) if wid in catalog}
        return _page(lambda nonce: tab_pages.series_page(
            project, plan, sessions, outcome_docs, catalog, clock(), nonce=nonce, theme=theme(request),
            teams_js=teams_js("static/teams-js.js"), links=links))

    async def config(request: web.Request) -> web.Response:
        hint = _hint(request.query.get("project"))
        form_values = {"project": hint, "theme": request.query.get("theme", ""), "locale": locale_of(request)}
        code = request.query.get("code")
        if code:
            project_id, token = _link_parts(code, hint)
        else:
            project_id, token = hint, request.query.get("token", "")

        def ask(message: str = "") -> web.Response:
            return _page(lambda nonce: tab_pages.config_page(
                nonce, settings.base_url, None, theme=theme(request), teams_js=teams_js("static/teams-js.js"),
                form_values=form_values, message=message))

        if not (code or token):
            return ask()
        try:
            project = await find(store(), project_id, PROJECT) if project_id else None
            if not tab_token_allows(settings, project, token):
                return ask(t("tabs.routes.link_not_valid"))
            if hint and project_id != hint:
                return ask(t("tabs.routes.other_team"))
            plan = await find(store(), project_id, PLAN)
        except StoreError:
            log.exception("tab config: the store failed")
            return unavailable(request)
        planned = [catalog.get(w) for w in (plans.included(plan) if plan else []) if w in catalog]
        return _page(lambda nonce: tab_pages.config_page(
            nonce, settings.base_url, planned, project_id=project_id, token=token, theme=theme(request),
            teams_js=teams_js("static/teams-js.js")))

    # The manifest links to these two pages.
    async def privacy(_request: web.Request) -> web.Response:
        return _page(lambda nonce: tab_pages.info_page("privacy", nonce=nonce))

    async def terms(_request: web.Request) -> web.Response:
        return _page(lambda nonce: tab_pages.info_page("terms", nonce=nonce))

    app.router.add_get("/tabs/config", localised(config))
    app.router.add_get("/tabs/workshop/{workshop_id}", localised(workshop))
    app.router.add_get("/tabs/series", localised(series))
    app.router.add_get("/tabs/static/teams-js.js", static_teams_js)
    app.router.add_get("/privacy", localised(privacy))
    app.router.add_get("/terms", localised(terms))
