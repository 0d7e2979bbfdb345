"""A span and the turn metrics for every turn (runtime/telemetry.py), as a botbuilder middleware: the
activity's type and name and the conversation type, never its text or who sent it."""

from __future__ import annotations

import time
from typing import Awaitable, Callable

from botbuilder.core import Middleware, TurnContext
from opentelemetry.trace import SpanKind, Status, StatusCode

from runtime.telemetry import TURN_DURATION, TURNS, tracer, tracing


class TurnTelemetry(Middleware):
    async def on_turn(self, context: TurnContext, logic: Callable[[], Awaitable]):
        activity = context.activity
        attributes = {"activity.type": str(activity.type or ""),
                      "conversation.type": str(getattr(activity.conversation, "conversation_type", "") or "")}
        if activity.type == "invoke":
            attributes["activity.name"] = str(activity.name or "")[:64]
        started, outcome = time.perf_counter(), "ok"
        try:
            if not tracing():
                return await logic()
            with tracer.start_as_current_span(f"turn {attributes['activity.type']}", kind=SpanKind.SERVER,
                                              attributes=attributes, record_exception=False,
                                              set_status_on_exception=False) as span:
                try:
                    return await logic()
                except Exception as error:
                    span.set_status(Status(StatusCode.ERROR, type(error).__name__))
                    raise
        except Exception:
            outcome = "error"
            raise
        finally:
            metric = {**attributes, "outcome": outcome}
            TURNS.add(1, metric)
            TURN_DURATION.record(time.perf_counter() - started, metric)
