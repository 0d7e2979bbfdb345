"""The workshop's agenda inside its Teams meeting: the side panel (and the stage view shared with
everyone), and the JSON the page reads and writes, behind Teams single sign-on.

GET /tabs/meeting is only the page: it holds no data. In Teams it asks teams-js for the meeting's
context (the chat id) and an SSO token, then calls
- GET /tabs/api/meeting?chat=<meeting chat id>: the agenda, what is covered, time against the
  planned minutes, and the decisions, findings and actions captured so far;
- POST /tabs/api/meeting {"chat", "version", "kind", ...}: tick a topic, or add a decision, a
  finding or an action item (leads only), into the outcome record the `outcomes` card writes,
  guarded by its version (409 when it changed since the page read it).
Both need `Authorization: Bearer <SSO token>` (tabs/sso.py: 401 for a forged, expired,
wrong-audience or other-tenant token, and for a tenant other than the meeting's), then the caller's
`oid` on the project's roster (403 otherwise), and a lead's role to write, as on the cards.
Errors are JSON: {"error": {"code", "message"}}.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Awaitable, Callable, Mapping, Optional, Protocol

from aiohttp import web

from catalog import Catalog
from runtime.http import json_error
from store import Conflict, DocumentStore, StoreError, find, storage_id
from workshops import agenda, outcomes, people
from workshops.capture import KINDS
from workshops.documents import PROJECT, ROSTER

from texts import t

from . import pages as tab_pages
from .routes import _page, localised
from .sso import SsoRefused, SsoUser, SsoVerifier

log = logging.getLogger(__name__)

MEETINGS = "meetings"  # the partition of the index: a meeting's chat thread -> its project and workshop
MAX_BODY = 16 * 1024


def meeting_index_id(thread: str) -> str:
    return storage_id(f"meeting|{thread}")


class PanelError(Exception):
    """An answer other than 200: status, code, and a message for the person."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class PanelWrites(Protocol):
    """What the page may change (dialogs/meeting.py implements it: the outcome write path is a flow's)."""

    async def capture(self, project_id: str, workshop_id: str, by: dict, change: Mapping, version: int) -> None: ...


def view(project: Mapping, session: Mapping, outcome: Optional[Mapping], roster: Mapping, catalog: Catalog,
         who: str, now: datetime) -> dict:
    """What the page shows, for this person."""
    workshop = catalog.get(session["workshopId"])
    members = roster.get("members") or {}
    covered = set((outcome or {}).get("covered") or [])
    meeting = session.get("meeting") or {}
    started = meeting.get("startedAt") or session.get("start")
    elapsed = int((now - datetime.fromisoformat(started)).total_seconds() // 60) if started else None
    return {
        "project": project.get("name", ""), "workshop": {"id": workshop.id, "title": workshop.title},
        "topics": [{"id": t["id"], "title": t["title"], "minutes": t.get("minutes", 0),
                    "owner": members.get(t.get("owner") or "", {}).get("name", ""), "covered": t["id"] in covered}
                   for t in session.get("topics", []) if not t.get("dropped")],
        "plannedMinutes": agenda.agenda_minutes(session),
        "elapsedMinutes": max(elapsed, 0) if elapsed is not None else None,
        "decisions": list((outcome or {}).get("decisions") or []),
        "findings": [f["text"] for f in (outcome or {}).get("findings") or []],
        "actions": [a["title"] for a in (outcome or {}).get("actions") or []],
        "version": (outcome or {}).get("version", 0),
        "canEdit": people.is_lead(project, roster, who),
        "members": [{"id": aad, "name": m.get("name", "")} for aad, m in members.items() if m.get("inTeam", True)],
    }


def add_panel_routes(app: web.Application, catalog: Catalog, store: Callable[[], DocumentStore],
                     verifier: SsoVerifier, writes: Callable[[], PanelWrites],
                     clock: Callable[[], datetime], teams_js: Optional[str] = "static/teams-js.js") -> None:
    """GET /tabs/meeting (the page), GET and POST /tabs/api/meeting (its data)."""

    async def caller(request: web.Request) -> SsoUser:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            raise PanelError(401, "Unauthenticated", t("tabs.panel.error.sign_in"))
        try:
            return await verifier.verify(auth[7:].strip())
        except SsoRefused as refused:
            raise PanelError(401, "Unauthenticated", str(refused)) from None

    async def meeting_of(chat: object, user: SsoUser) -> tuple[dict, dict, dict]:
        """(project, session, roster) of the workshop whose meeting this chat is, for a member of its project."""
        db = store()
        index = await find(db, MEETINGS, meeting_index_id(chat)) if isinstance(chat, str) and chat else None
        project = await find(db, index["project"], PROJECT) if index else None
        session = await find(db, index["project"], agenda.session_id(index["workshopId"])) if project else None
        if not session:
            raise PanelError(404, "NotAWorkshop", t("tabs.panel.error.not_a_workshop"))
        if (session.get("meeting") or {}).get("tenant") not in (None, "", user.tid):
            raise PanelError(401, "OtherTenant", t("tabs.panel.error.other_tenant"))
        roster = await find(db, project["projectId"], ROSTER) or {}
        if user.oid not in (roster.get("members") or {}):
            raise PanelError(403, "NotOnTheRoster", t("tabs.panel.error.not_on_roster"))
        return project, session, roster

    async def state(project: dict, session: dict, roster: dict, user: SsoUser) -> dict:
        outcome = await find(store(), project["projectId"], outcomes.outcome_id(session["workshopId"]))
        return view(project, session, outcome, roster, catalog, user.oid, clock())

    def answering(handler: Callable[[web.Request], Awaitable[dict]]):
        async def run(request: web.Request) -> web.Response:
            try:
                return web.json_response(await handler(request), headers={"Cache-Control": "no-store"})
            except PanelError as error:
                return json_error(error.status, error.code, error.message)
            except StoreError:
                log.warning("meeting panel: the store failed")
                return json_error(503, "StoreUnavailable", t("tabs.panel.error.store"))
        return run

    async def read(request: web.Request) -> dict:
        user = await caller(request)
        project, session, roster = await meeting_of(request.query.get("chat"), user)
        return await state(project, session, roster, user)

    async def write(request: web.Request) -> dict:
        user = await caller(request)
        if request.content_length and request.content_length > MAX_BODY:
            raise PanelError(413, "TooLarge", t("tabs.panel.error.too_large"))
        try:
            body = json.loads(await request.text())
        except ValueError:
            raise PanelError(400, "BadRequest", t("tabs.panel.error.not_json")) from None
        if not isinstance(body, dict) or body.get("kind") not in KINDS or type(body.get("version")) is not int:
            raise PanelError(400, "BadRequest", t("tabs.panel.error.bad_change"))
        project, session, roster = await meeting_of(body.get("chat"), user)
        if not people.is_lead(project, roster, user.oid):
            raise PanelError(403, "LeadsOnly", t("tabs.panel.error.leads_only"))
        name = (roster["members"][user.oid] or {}).get("name") or user.name or "Someone"
        try:
            await writes().capture(project["projectId"], session["workshopId"], {"aadObjectId": user.oid, "name": name},
                                   body, body["version"])
        except Conflict:
            raise PanelError(409, "Changed", t("tabs.panel.error.changed")) from None
        except outcomes.OutcomeError as error:
            raise PanelError(400, "Invalid", str(error)) from None
        return await state(project, session, roster, user)

    async def page(request: web.Request) -> web.Response:
        stage = request.query.get("view") == "stage"
        return _page(lambda nonce: tab_pages.panel_page(nonce=nonce, stage=stage, theme=request.query.get("theme", ""),
                                                        teams_js=teams_js))

    app.router.add_get("/tabs/meeting", localised(page))
    app.router.add_get("/tabs/api/meeting", localised(answering(read)))
    app.router.add_post("/tabs/api/meeting", localised(answering(write)))
