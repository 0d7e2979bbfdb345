"""HTTP routes: the Bot Framework endpoint and the health checks (/healthz, /livez, /readyz).

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

from runtime.http import json_error
from runtime.settings import VERSION, Settings

from .delivery import ASK_AGAIN_LATER
from .wire import ActivityReader, json_bytes

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # Bot Framework activities are far smaller; Teams caps messages near 100 KB


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

        ASK_AGAIN_LATER.set(False)
        invoke_response = await adapter.process_activity(auth, activity, bot().on_turn)
        if ASK_AGAIN_LATER.get():  # another delivery of this activity is still being handled
            return json_error(503, "InProgress", "This activity is still being handled; deliver it again later.")
        if invoke_response:
            return web.Response(body=json_bytes(_plain(invoke_response.body)), status=invoke_response.status,
                                content_type="application/json", charset="utf-8")
        return web.Response(status=201)

    return messages


def _plain(body: object) -> object:
    """Invoke bodies are ours (plain JSON) or botbuilder models (msrest-serialised)."""
    if body is None or isinstance(body, (dict, list, str, int, float, bool)):
        return body
    return serializer_helper(body)


async def _answers(ping: Callable[[], Awaitable[bool]]) -> bool:
    try:
        return await ping()
    except Exception:  # a health check reports; it never fails
        return False


def health_handler(settings: Settings, ping: Callable[[], Awaitable[bool]]):
    async def healthz(_request: web.Request) -> web.Response:
        store_ok = await _answers(ping)
        return web.json_response(
            {"status": "ok" if store_ok else "degraded", "version": VERSION,
             "store": {"backend": settings.store_backend, "ok": store_ok}},
            status=200 if store_ok else 503,
        )

    return healthz


def liveness_handler():
    """/livez: the process is up and its event loop answers. Never asks the store, so a database outage
    does not get healthy instances restarted."""
    async def livez(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "version": VERSION})

    return livez


def readiness_handler(settings: Settings, ping: Callable[[], Awaitable[bool]]):
    """/readyz: the store answers, so turns can be served; 503 while it does not (take the instance out of
    the load balancer, do not restart it)."""
    async def readyz(_request: web.Request) -> web.Response:
        store_ok = await _answers(ping)
        return web.json_response({"status": "ready" if store_ok else "unavailable",
                                  "store": {"backend": settings.store_backend, "ok": store_ok}},
                                 status=200 if store_ok else 503)

    return readyz


@web.middleware
async def json_errors(request: web.Request, handler):
    """Unknown routes and wrong methods answer in JSON too."""
    try:
        return await handler(request)
    except web.HTTPException as http_error:
        if http_error.status < 400:
            raise
        return json_error(http_error.status, http_error.reason.replace(" ", ""), http_error.reason)
