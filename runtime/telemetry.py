"""Traces, metrics and logs for the whole process, set up once by app.py.

Spans: one per turn (bot/telemetry.py), per store call (store/traced.py) and per Graph call
(graph/telemetry.py); metrics: turns and their duration. They go to Azure Monitor when
APPLICATIONINSIGHTS_CONNECTION_STRING is set, to the console when TELEMETRY_CONSOLE asks, and nowhere
otherwise (the OpenTelemetry API's no-op provider: nothing is recorded).

Logs carry ids, never message text or tokens: the code logs ids only, and `Redact` masks anything shaped
like a bearer token or a JWT on every record as a second line of defence. LOG_FORMAT=json writes one JSON
object per line with the trace and span ids, for a log collector.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from datetime import datetime, timezone

from opentelemetry import metrics, trace

from runtime.settings import Settings

NAME = "workshops"
tracer = trace.get_tracer(NAME)

_meter = metrics.get_meter(NAME)
TURNS = _meter.create_counter("workshops.turns", unit="{turn}", description="Turns handled")
TURN_DURATION = _meter.create_histogram("workshops.turn.duration", unit="s", description="Time to handle a turn")

_NO_PROVIDER = object()
_PROVIDER_FROM_ENVIRONMENT = "OTEL_PYTHON_TRACER_PROVIDER" in os.environ


def tracing() -> bool:
    """Whether spans are recorded: a tracer provider is installed (configure_telemetry, a test's, or one named
    by OTEL_PYTHON_TRACER_PROVIDER). With the API's default one a span records nothing but still costs a
    context switch, on every turn and store call. The API's own get_tracer_provider() looks the variable up
    in os.environ on every call, which cost more than the span; the variable is read once here instead."""
    installed = getattr(trace, "_TRACER_PROVIDER", _NO_PROVIDER)
    if installed is _NO_PROVIDER:  # another version of the API: ask it
        return not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
    return installed is not None or _PROVIDER_FROM_ENVIRONMENT


# A bearer credential in a header or an error text, and anything shaped like a JWT (three base64url parts).
SECRET = re.compile(r"(?i)\b(bearer|basic)\s+[^\s\"',]+|\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*")
MASK = "[redacted]"


def redact(text: str) -> str:
    return SECRET.sub(lambda m: f"{m.group(1)} {MASK}" if m.group(1) else MASK, text)


class Redact(logging.Filter):
    """Masks tokens in a record's message (arguments included) before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the current trace and span, and an
    exception's type and traceback (redacted too)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname, "logger": record.name, "message": record.getMessage(),
        }
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            entry["trace_id"], entry["span_id"] = f"{context.trace_id:032x}", f"{context.span_id:016x}"
        if record.exc_info:
            entry["exception"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str) -> None:
    """LOG_FORMAT: "json", or plain text (anything else; Settings refuses values other than text or json)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Redact())
    if log_format.strip().lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.getLogger("azure").setLevel(logging.WARNING)  # the SDK logs every request's headers at INFO


def configure_telemetry(settings: Settings) -> str:
    """Install the exporters the settings ask for; returns which ("azure-monitor", "console", "none")."""
    if settings.appinsights_connection_string:
        from azure.monitor.opentelemetry import configure_azure_monitor
        from opentelemetry.sdk.resources import Resource

        from runtime.identity import managed_identity

        # infra/ turns Application Insights' local auth off: the managed identity publishes with Entra ID.
        credential = managed_identity(settings) if settings.managed_identity_client_id else None
        configure_azure_monitor(
            connection_string=settings.appinsights_connection_string,
            credential=credential,
            # Every trace: a bot's turns are one per human action, and the distro's default (a rate limit that
            # starts empty) drops the first turns after every start. OTEL_TRACES_SAMPLER still overrides this.
            sampling_ratio=1.0,
            resource=Resource.create({"service.name": NAME}),
            logger_name="",  # every log record, through the same redaction as the console
            enable_live_metrics=False,
            # Nothing here is served by these frameworks; Graph goes through aiohttp, traced by hand.
            instrumentation_options={name: {"enabled": False} for name in (
                "django", "fastapi", "flask", "psycopg2", "requests", "urllib", "urllib3")},
        )
        for handler in logging.getLogger().handlers:
            if not any(isinstance(f, Redact) for f in handler.filters):
                handler.addFilter(Redact())
        return "azure-monitor"
    if settings.telemetry_console:
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, PeriodicExportingMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=sys.stderr)))
        trace.set_tracer_provider(provider)
        metrics.set_meter_provider(MeterProvider(metric_readers=[PeriodicExportingMetricReader(
            ConsoleMetricExporter(out=sys.stderr), export_interval_millis=60_000)]))
        return "console"
    return "none"


def shutdown_telemetry() -> None:
    """Flush what is buffered (the SDK providers have shutdown(); the no-op ones do not)."""
    for provider in (trace.get_tracer_provider(), metrics.get_meter_provider()):
        shutdown = getattr(provider, "shutdown", None)
        if shutdown is not None:
            shutdown()
