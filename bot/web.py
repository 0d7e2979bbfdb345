"""HTTP routes: the Bot Framework endpoint and the health check.

The endpoint checks the request itself before botbuilder sees it, because
botbuilder answers several kinds of bad input with a 500 or a bare HTML error.
"""

from __future__ import annotations

import json
import logging
from typing import Awaitable, Callable

from aiohttp import web
from botbuilder.core import Bot
from botbuilder.core.serializer_helper import serializer_helper
from botbuilder.integration.aiohttp import CloudAdapter
from botbuilder.schema import Activity

from runtime.settings import VERSION, Settings
from .wire import ActivityReader

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # Bot Framework activities are far smaller; Teams caps messages near 100 KB


def json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


class BadActivity(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


read_activity = ActivityReader()  # the models' field maps, read once


def parse_activity(raw: bytes) -> Activity:
    """A request body as an Activity; BadActivity says what is wrong with it."""
    if not raw.strip():
        raise BadActivity(400, "EmptyBody", "The request body is empty; send an activity as JSON.")
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise BadActivity(400, "InvalidJson", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise BadActivity(400, "NotAnActivity", "The request body must be a JSON object (an activity).")
    if not isinstance(body.get("type"), str) or not body["type"].strip():
        raise BadActivity(400, "MissingType", "The activity has no type.")
    try:
        return read_activity(body)
    except Exception:  # msrest raises a variety of errors on wrongly typed fields
        raise BadActivity(400, "InvalidActivity", "The activity has fields of the wrong type.") from None


def messages_handler(adapter: CloudAdapter, bot: Callable[[], Bot]) -> Callable[[web.Request], Awaitable[web.Response]]:
    """`bot` is looked up per request: it is built when the app starts, after the store opens."""
    async def messages(request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return json_error(415, "UnsupportedMediaType", "Send the activity as application/json.")
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return json_error(413, "TooLarge", "The request body is too large.")
        try:
            activity = parse_activity(raw)
        except BadActivity as bad:
            return json_error(bad.status, bad.code, bad.message)

        try:
            auth = await adapter.bot_framework_authentication.authenticate_request(
                activity, request.headers.get("Authorization", "")
            )
        except Exception as error:  # fail closed: a forged token or unreachable signing keys alike
            log.warning("refused an unauthenticated request: %s", type(error).__name__)
            return json_error(401, "Unauthorized", "This request is not signed by the Bot Framework.")

        invoke_response = await adapter.process_activity(auth, activity, bot().on_turn)
        if invoke_response:
            return web.json_response(_plain(invoke_response.body), status=invoke_response.status)
        return web.Response(status=201)

    return messages


def _plain(body: object) -> object:
    """Invoke bodies are ours (plain JSON) or botbuilder models (msrest-serialised)."""
    if body is None or isinstance(body, (dict, list, str, int, float, bool)):
        return body
    return serializer_helper(body)


def health_handler(settings: Settings, ping: Callable[[], Awaitable[bool]]):
    async def healthz(_request: web.Request) -> web.Response:
        try:
            store_ok = await ping()
        except Exception:  # a health check reports; it never fails
            store_ok = False
        return web.json_response(
            {"status": "ok" if store_ok else "degraded", "version": VERSION,
             "store": {"backend": settings.store_backend, "ok": store_ok}},
            status=200 if store_ok else 503,
        )

    return healthz


@web.middleware
async def json_errors(request: web.Request, handler):
    """Unknown routes and wrong methods answer in JSON too."""
    try:
        return await handler(request)
    except web.HTTPException as http_error:
        if http_error.status < 400:
            raise
        return json_error(http_error.status, http_error.reason.replace(" ", ""), http_error.reason)


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem">
<h1>{title}</h1>{body}</body></html>"""

PRIVACY = _PAGE.format(title="Privacy", body=(
    "<p>Implementation Workshops stores what your project team gives it in Teams: the project's details, "
    "who holds which role, the chosen workshops, agendas, RSVPs, attendance and outcomes. It keeps them in "
    "your organisation's own store (Azure Cosmos DB or a local file) and uses them only to run your workshops.</p>"
    "<p>It reads team membership and, when configured, creates meetings and tabs through Microsoft Graph "
    "with the permissions your administrator grants. Ask your project administrator to remove your data.</p>"))
TERMS = _PAGE.format(title="Terms of use", body=(
    "<p>Implementation Workshops is provided as is, to help Dynamics 365 project teams plan and run their "
    "implementation workshops. The workshop descriptions follow Microsoft's public implementation guidance; "
    "decisions about your project remain your team's.</p>"))


def static_page(html: str):
    async def page(_request: web.Request) -> web.Response:
        return web.Response(text=html, content_type="text/html")

    return page


def _download(status: int, body: str, content_type: str, filename: str) -> web.Response:
    """A file to save (status 200), else the JSON error that `body` explains."""
    if status != 200:
        return json_error(status, "Forbidden" if status == 403 else "NotFound", body)
    return web.Response(body=body.encode("utf-8"), content_type=content_type, charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def calendar_handler(agendas: Callable[[], object]):
    """GET /calendar/{project}/{workshop}.ics?token=...: a signed, expiring link to an invitation."""
    async def calendar(request: web.Request) -> web.Response:
        status, body = await agendas().invitation(request.match_info["project"], request.match_info["workshop"],
                                                  request.query.get("token"))
        return _download(status, body, "text/calendar", f'{request.match_info["workshop"]}.ics')

    return calendar


def export_handler(followup: Callable[[], object]):
    """GET /export/{project}/{name}?token=...: findings.csv, actions.csv or outcomes.md."""
    async def export(request: web.Request) -> web.Response:
        name = request.match_info["name"]
        status, content_type, body = await followup().export(request.match_info["project"], name,
                                                             request.query.get("token"))
        return _download(status, body, content_type, name)

    return export
