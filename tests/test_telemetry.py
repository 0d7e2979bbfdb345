"""OpenTelemetry: a span per turn with the store calls (and Graph calls) inside it, the turn metrics, and
no message text or token in any of it. In-memory exporters stand in for Azure Monitor."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from graph.client import graph_from_settings
from runtime.settings import Settings
from runtime.telemetry import configure_telemetry, redact
from tests.plugins.botapp import ROOT, Harness
from tests.plugins.graph import TENANT
from tests.test_identity import cutover_event
from tests.test_concurrency import _wait_ready
from tests.test_operations import start_app

SECRET_TEXT = "workshop cutover my password is Hunter2-7f3a9c"


@pytest.fixture(scope="session")
def recorded():
    """The process's tracer and meter providers (OpenTelemetry allows one each), recording in memory."""
    spans, reader = InMemorySpanExporter(), InMemoryMetricReader()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    trace.set_tracer_provider(provider)
    metrics.set_meter_provider(MeterProvider(metric_readers=[reader]))
    return spans, reader


def _values(span) -> str:
    return " ".join(f"{k}={v}" for k, v in span.attributes.items()) + " " + span.name


def _turns(reader) -> int:
    data = reader.get_metrics_data()
    if data is None:  # nothing recorded yet
        return 0
    return sum(point.value for rm in data.resource_metrics for sm in rm.scope_metrics for metric in sm.metrics
               if metric.name == "workshops.turns" for point in metric.data.data_points)


async def test_a_turn_is_one_span_with_its_store_calls_inside_and_is_counted(recorded, personal_bot):
    spans, reader = recorded
    spans.clear()
    before = _turns(reader)
    replies = await personal_bot.say(SECRET_TEXT)
    assert replies, "the turn was answered"
    finished = spans.get_finished_spans()
    [turn] = [s for s in finished if s.name == "turn message"]
    assert turn.kind == trace.SpanKind.SERVER
    assert turn.attributes["conversation.type"] == "personal"
    # The background loops' queries have traces of their own; the turn's store calls are inside its span.
    in_turn = [s for s in finished if s.name.startswith("store.") and s.context.trace_id == turn.context.trace_id]
    assert [(s.name, s.attributes["db.collection.name"]) for s in in_turn] == [("store.create", "projects")], \
        "a read-only command's one store call: its delivery claim"
    assert in_turn[0].parent.span_id == turn.context.span_id
    for span in finished:
        assert "Hunter2" not in _values(span) and "password" not in _values(span)
        assert "29:user" not in _values(span), "nor who sent it"
    assert _turns(reader) == before + 1


async def test_a_graph_call_is_a_span_named_by_the_path_shape(recorded, graph):
    spans, _ = recorded
    spans.clear()
    client = graph_from_settings(Settings(app_id=graph.server.client_id, app_password=graph.server.client_secret,
                                          aad_authority_host=graph.aad_url, aad_ca_file=str(graph.server.cert_file),
                                          graph_base_url=graph.graph_url))
    start = datetime.now(timezone.utc) + timedelta(days=2)
    try:
        await client.create_event(TENANT, "organizer-42", cutover_event(start), "tx-1")
    finally:
        await client.close()
    [span] = [s for s in spans.get_finished_spans() if s.name.startswith("graph ")]
    assert span.name == "graph POST /users/{id}/events"
    assert "organizer-42" not in _values(span) and "Bearer" not in _values(span)


def test_without_a_connection_string_nothing_is_exported():
    assert configure_telemetry(Settings()) == "none"


@pytest.mark.parametrize("provider, spans", [(None, False), ("sdk_tracer_provider", True)])
def test_spans_are_made_only_once_a_tracer_provider_is_installed(provider, spans):
    """In a fresh process (this one has the tests' provider): with the API's no-op default, turns and store
    calls skip their spans; a provider named by OTEL_PYTHON_TRACER_PROVIDER turns them on."""
    env = {k: v for k, v in os.environ.items() if k != "OTEL_PYTHON_TRACER_PROVIDER"}
    if provider:
        env["OTEL_PYTHON_TRACER_PROVIDER"] = provider
    out = subprocess.run([sys.executable, "-c", "from runtime.telemetry import tracing; print(tracing())"],
                         capture_output=True, text=True, env=env, cwd=ROOT, check=True).stdout
    assert out.strip() == str(spans)


def test_tokens_are_masked_in_any_log_text():
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    assert redact(f"sent Authorization: Bearer {jwt} to x") == "sent Authorization: Bearer [redacted] to x"
    assert redact(f"token={jwt}") == "token=[redacted]"
    assert redact("turn failed ref=1a2b type='message'") == "turn failed ref=1a2b type='message'"


@dataclasses.dataclass
class Ingestion:
    """A stand-in for Application Insights' ingestion endpoint: records every envelope it is sent."""

    envelopes: list = dataclasses.field(default_factory=list)
    raw: list = dataclasses.field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{tail:.*}", self._track)
        return app

    async def _track(self, request: web.Request) -> web.Response:
        body = await request.read()
        if request.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.raw.append(body.decode())
        items = json.loads(body)
        self.envelopes.extend(items)
        return web.json_response({"itemsReceived": len(items), "itemsAccepted": len(items), "errors": []})


async def test_with_a_connection_string_turns_reach_application_insights(tmp_path, unused_tcp_port, connector):
    connector.clear()
    ingestion = Ingestion()
    server = TestServer(ingestion.app(), host="127.0.0.1")
    await server.start_server()
    url = f"http://127.0.0.1:{unused_tcp_port}"
    process = start_app(tmp_path, unused_tcp_port, APPLICATIONINSIGHTS_CONNECTION_STRING=(
        "InstrumentationKey=00000000-0000-0000-0000-000000000000;"
        f"IngestionEndpoint={server.make_url('/')}"),
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL="true",  # no calls to Microsoft from a test
        OTEL_EXPERIMENTAL_RESOURCE_DETECTORS="azure_app_service")  # not the VM one: it asks IMDS
    try:
        await _wait_ready(url)
        bot = Harness(None, connector, "personal")
        async with aiohttp.ClientSession(base_url=url) as http:
            async with http.post("/api/messages", json=bot.message(SECRET_TEXT)) as response:
                assert response.status == 201
        process.send_signal(signal.SIGTERM)  # shutting down flushes what is buffered
        assert await asyncio.to_thread(process.wait, 60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        await server.close()
    kinds = {(e["data"]["baseType"], e["data"]["baseData"].get("name", "")) for e in ingestion.envelopes}
    assert ("RequestData", "turn message") in kinds, (sorted(kinds), (tmp_path / "stderr.log").read_text()[-3000:])
    assert ("RemoteDependencyData", "store.create") in kinds, sorted(kinds)
    metrics_sent = {m["name"] for e in ingestion.envelopes if e["data"]["baseType"] == "MetricData"
                    for m in e["data"]["baseData"]["metrics"]}
    assert {"workshops.turns", "workshops.turn.duration"} <= metrics_sent, metrics_sent
    everything = "".join(ingestion.raw)
    assert "Hunter2" not in everything and "password" not in everything
    assert connector.sent, "the turn was answered"
