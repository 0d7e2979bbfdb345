"""The JSON error every HTTP route answers bad requests with: `{"error": {"code", "message"}}`."""

from __future__ import annotations

from aiohttp import web


def json_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)
