"""A span around every Microsoft Graph call (runtime/telemetry.py): the method and the path's shape, never
its ids or the token."""

from __future__ import annotations

import re
from typing import Optional

from opentelemetry.trace import SpanKind, Status, StatusCode

from runtime.telemetry import tracer, tracing
from .client import GraphClient, GraphError

# Path segments that are ids (users, events, meetings, reports, teams, channels, chats) become {id} in the span's name.
_SEGMENT = re.compile(r"/(users|events|onlineMeetings|attendanceReports|teams|channels|chats)/[^/?]+")


def route(url: str) -> str:
    path = url.split("?", 1)[0]
    return _SEGMENT.sub(lambda m: f"/{m.group(1)}/{{id}}", path.split("/v1.0", 1)[-1])


class TracedGraphClient(GraphClient):
    async def _call(self, method: str, tenant_id: str, url: str, body: Optional[dict] = None) -> dict:
        if not tracing():
            return await super()._call(method, tenant_id, url, body)
        attributes = {"http.request.method": method, "url.template": route(url), "server.address": "graph"}
        with tracer.start_as_current_span(f"graph {method} {route(url)}", kind=SpanKind.CLIENT, attributes=attributes,
                                          record_exception=False, set_status_on_exception=False) as span:
            try:
                return await super()._call(method, tenant_id, url, body)
            except GraphError as error:
                span.set_attribute("http.response.status_code", error.status)
                span.set_status(Status(StatusCode.ERROR, error.code))
                raise
            except Exception as error:
                span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                raise
