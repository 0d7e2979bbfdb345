"""Files the bot serves from signed links (tabs/links.py): a workshop's calendar invitation
(`/calendar/{project}/{workshop}.ics`) and the project's exports (`/export/{project}/{name}`).
Without a valid token (signed for the project's current link version) the answer is a 403 with a
JSON error and no project data; so is a link to a project that does not exist."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable

from aiohttp import web

from catalog import Catalog
from runtime.http import json_error
from store import PROJECT_DATA, DocumentStore, StoreError, find
from workshops import agenda, outcomes
from workshops.calendar import invitation
from workshops.documents import PROJECT, ROSTER

from texts import t

from .links import EXPORTS, calendar_token_allows, export_token_allows
from .routes import localised

log = logging.getLogger(__name__)


def _unavailable() -> web.Response:
    """The store failed: the link is checked against the project, so this can come before the check."""
    log.exception("download: the store failed")
    return json_error(503, "Unavailable", t("tabs.routes.unavailable"))


def _download(status: int, body: str, content_type: str, filename: str) -> web.Response:
    """A file to save (status 200), else the JSON error that `body` explains."""
    if status != 200:
        return json_error(status, "Forbidden" if status == 403 else "NotFound", body)
    return web.Response(body=body.encode("utf-8"), content_type=content_type, charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


async def calendar_file(store: DocumentStore, catalog: Catalog, settings, now: datetime, project_id: str,
                        workshop_id: str, token: object) -> tuple[int, str]:
    """The .ics for a signed calendar link: (200, text), or (403 or 404, reason)."""
    project = await find(store, project_id, PROJECT)
    if not calendar_token_allows(settings, project, workshop_id, token):
        return 403, t("tabs.downloads.calendar_not_valid")
    session = await find(store, project_id, agenda.session_id(workshop_id))
    if not session or not session.get("start") or workshop_id not in catalog:
        return 404, t("tabs.downloads.not_scheduled")
    roster = await find(store, project_id, ROSTER) or {}
    return 200, invitation(project, session, catalog.get(workshop_id), roster, now)


async def export_file(store: DocumentStore, catalog: Catalog, settings, project_id: str, name: str,
                      token: object) -> tuple[int, str, str]:
    """(status, content type, body) for a signed export link."""
    project = await find(store, project_id, PROJECT) if name in EXPORTS else None
    if not export_token_allows(settings, project, token):
        return 403, "", t("tabs.downloads.export_not_valid")
    roster = await find(store, project_id, ROSTER) or {}
    names = {aad: m.get("name", "") for aad, m in (roster.get("members") or {}).items()}
    docs = sorted(await store.query(PROJECT_DATA, project_id, doc_type="outcome"), key=lambda o: o["workshopId"])
    title = lambda o: catalog.get(o["workshopId"]).title  # noqa: E731
    if name == "findings.csv":
        rows = [{"workshop": title(o), **f, "open": "yes" if f.get("open", True) else "no"}
                for o in docs for f in o.get("findings", [])]
        return 200, "text/csv", outcomes.export_csv(rows, ["workshop", "kind", "priority", "open", "text"])
    if name == "actions.csv":
        rows = [{"workshop": title(o), **a, "owner": names.get(a["owner"], a["owner"]),
                 "done": "yes" if a.get("done") else "no"} for o in docs for a in o.get("actions", [])]
        return 200, "text/csv", outcomes.export_csv(rows, ["workshop", "title", "owner", "due", "done"])
    audit = sorted(await store.query(PROJECT_DATA, project_id, doc_type="audit"), key=lambda a: a["at"])
    return 200, "text/markdown", outcomes.export_markdown(project, docs, catalog, names, audit)


def add_download_routes(app: web.Application, settings, catalog: Catalog, store: Callable[[], DocumentStore],
                        clock: Callable[[], datetime]) -> None:
    """GET /calendar/{project}/{workshop}.ics and /export/{project}/{name}; `store` is looked up per
    request (it opens when the app starts)."""

    async def calendar(request: web.Request) -> web.Response:
        workshop_id = request.match_info["workshop"]
        try:
            status, body = await calendar_file(store(), catalog, settings, clock(), request.match_info["project"],
                                               workshop_id, request.query.get("token"))
        except StoreError:
            return _unavailable()
        return _download(status, body, "text/calendar", f"{workshop_id}.ics")

    async def export(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            status, content_type, body = await export_file(store(), catalog, settings,
                                                           request.match_info["project"], name,
                                                           request.query.get("token"))
        except StoreError:
            return _unavailable()
        return _download(status, body, content_type, name)

    app.router.add_get("/calendar/{project}/{workshop}.ics", localised(calendar))
    app.router.add_get("/export/{project}/{name}", localised(export))
