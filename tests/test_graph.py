"""The Graph client and its token provider, against the local stand-in (tests/plugins/graph.py)."""

from __future__ import annotations

import asyncio
import socket
import time
from datetime import datetime, timedelta, timezone

import msal
import pytest

from graph import client as graph_module
from graph.client import (GraphClient, GraphError, GraphNotConfigured, GraphUnavailable, TokenProvider, event_body,
                          graph_from_settings)
from runtime.settings import Settings
from tests.plugins.graph import APP_EXTERNAL_ID, CLIENT_ID, SCOPE

TEAM = "19:team-general@thread.tacv2"  # a team's group id is a GUID; this one tests quoting too
CHANNEL = "19:abc-def_123@thread.tacv2"
ORGANIZER = "aad-organizer-1"
START = datetime(2025, 3, 4, 10, 0, tzinfo=timezone(timedelta(hours=1)))


async def test_token_is_acquired_once_and_cached(graph):
    tokens = graph.client.tokens
    first = await tokens.token(graph.tenant)
    second = await tokens.token(graph.tenant)
    assert first == second
    assert len(graph.server.token_calls) == 1
    call = graph.server.token_calls[0]
    assert (call["grant_type"], call["client_id"], call["scope"]) == ("client_credentials", CLIENT_ID, SCOPE)
    assert graph.server.tokens[first] == graph.tenant


async def test_token_acquisition_does_not_block_the_loop(graph):
    graph.server.token_delay = 0.5
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await graph.client.tokens.token(graph.tenant)
    finally:
        task.cancel()
    assert ticks >= 20, "the event loop stood still while msal fetched a token"


async def test_one_msal_app_per_tenant(graph, monkeypatch):
    made = []
    real = msal.ConfidentialClientApplication

    def counting(*args, **kwargs):
        made.append(kwargs["authority"])
        return real(*args, **kwargs)

    monkeypatch.setattr(graph_module.msal, "ConfidentialClientApplication", counting)
    tokens = graph.server.token_provider()
    await asyncio.gather(*(tokens.token(t) for t in ("tenant-a", "tenant-b", "tenant-a", "tenant-b")))
    await tokens.token("tenant-a")
    tokens.close()
    assert sorted(made) == [f"{graph.aad_url}/tenant-a", f"{graph.aad_url}/tenant-b"]
    assert sorted(graph.server.tokens.values()) == ["tenant-a", "tenant-b"]


async def test_wrong_secret_gives_msal_reason(graph):
    tokens = graph.server.token_provider(client_secret="not-the-secret")
    with pytest.raises(GraphUnavailable) as raised:
        await tokens.token(graph.tenant)
    tokens.close()
    assert "AADSTS7000215: Invalid client secret provided." in str(raised.value)
    assert str(raised.value).startswith("Microsoft Graph is not answering right now")
    assert "Trace ID" not in str(raised.value)


async def test_missing_credentials_are_not_configured():
    with pytest.raises(GraphNotConfigured):
        TokenProvider("", "secret")


PEOPLE = [{"email": "grace@contoso.example", "name": "Grace Hopper", "required": True},
          {"email": "kj@contoso.example", "name": "Katherine Johnson", "required": False}]


def event(subject="Data migration workshop", start=START, hours=2):
    return event_body(subject, start, start + timedelta(hours=hours), PEOPLE, "<p>Purpose</p>")


async def meeting_id_of(graph, created: dict) -> str:
    return await graph.client.online_meeting_id(graph.tenant, ORGANIZER, created["joinUrl"])


async def test_create_event_with_a_teams_meeting(graph):
    created = await graph.client.create_event(graph.tenant, ORGANIZER, event(), "tx-1")
    assert created["id"] and created["joinUrl"].startswith("https://teams.microsoft.com/l/meetup-join/")
    (request,) = graph.server.graph_requests("POST")
    assert request.path == f"/v1.0/users/{ORGANIZER}/events"
    assert request.body["start"] == {"dateTime": "2025-03-04T09:00:00", "timeZone": "UTC"}
    assert request.body["end"] == {"dateTime": "2025-03-04T11:00:00", "timeZone": "UTC"}
    assert request.body["attendees"] == [
        {"emailAddress": {"address": "grace@contoso.example", "name": "Grace Hopper"}, "type": "required"},
        {"emailAddress": {"address": "kj@contoso.example", "name": "Katherine Johnson"}, "type": "optional"}]
    assert (request.body["isOnlineMeeting"], request.body["onlineMeetingProvider"]) == (True, "teamsForBusiness")
    assert request.body["transactionId"] == "tx-1"
    assert request.headers["Authorization"] == f"Bearer {next(iter(graph.server.tokens))}"
    assert (await meeting_id_of(graph, created)).startswith("MSo")


async def test_update_and_cancel_an_event(graph):
    created = await graph.client.create_event(graph.tenant, ORGANIZER, event(), "tx-2")
    await graph.client.update_event(graph.tenant, ORGANIZER, created["id"], event(start=START + timedelta(days=1)))
    (patch,) = graph.server.graph_requests("PATCH")
    assert patch.body["start"]["dateTime"] == "2025-03-05T09:00:00"
    await graph.client.cancel_event(graph.tenant, ORGANIZER, created["id"], "Cancelled.")
    await graph.client.cancel_event(graph.tenant, ORGANIZER, created["id"], "Cancelled.")  # a retry: harmless
    assert graph.server.live_events() == []
    with pytest.raises(GraphError) as raised:
        await graph.client.update_event(graph.tenant, ORGANIZER, created["id"], event())
    assert raised.value.status == 404


async def test_event_writes_are_retried_on_429_and_5xx(graph):
    graph.server.fail_next(1, 429, retry_after="0")
    graph.server.fail_next(1, 503)
    created = await graph.client.create_event(graph.tenant, ORGANIZER, event(), "tx-3")
    assert len(graph.server.graph_requests("POST", "/events")) == 3 and len(graph.server.live_events()) == 1
    graph.server.fail_next(10, 503)
    with pytest.raises(GraphUnavailable):
        await graph.client.cancel_event(graph.tenant, ORGANIZER, created["id"], "x")
    assert len(graph.server.live_events()) == 1, "a failed cancel is reported, not taken as done"


async def test_naive_times_are_refused(graph):
    with pytest.raises(ValueError):
        event_body("x", datetime(2025, 1, 1), datetime(2025, 1, 1, 1), [], "")


async def test_stand_in_refuses_a_bad_token_and_a_bad_body(graph):
    graph.server.tokens.clear()  # the client's cached token is no longer known
    await graph.client.tokens.token(graph.tenant)
    graph.server.tokens.clear()
    with pytest.raises(GraphError) as raised:
        await graph.client.create_event(graph.tenant, ORGANIZER, event(), "tx")
    assert (raised.value.status, raised.value.code) == (401, "InvalidAuthenticationToken")

    graph.server.reset()
    client = graph.server.client()
    try:
        with pytest.raises(GraphError) as raised:
            await client.create_event(graph.tenant, ORGANIZER, event(hours=-1), "tx")
    finally:
        await client.close()
    assert raised.value.status == 400 and "end must be after start" in raised.value.message


def _record(aad, name, intervals, seconds):
    return {"id": f"rec-{aad}", "emailAddress": f"{aad}@contoso.com", "totalAttendanceInSeconds": seconds,
            "role": "Attendee", "identity": {"id": aad, "displayName": name, "tenantId": None},
            "attendanceIntervals": [{"joinDateTime": j, "leaveDateTime": l, "durationInSeconds": 60}
                                    for j, l in intervals]}


async def test_attendance_reports_newest_report_with_paging(graph):
    meeting = {"id": await meeting_id_of(graph, await graph.client.create_event(graph.tenant, ORGANIZER, event(),
                                                                                "tx"))}
    graph.server.add_report(meeting["id"], "2025-03-01T09:00:00Z", [_record("old", "Old", [], 1)])
    records = [_record(f"p{i}", f"Person {i}", [("2025-03-04T09:05:00Z", "2025-03-04T09:30:00Z"),
                                                  ("2025-03-04T09:02:00.5Z", "2025-03-04T10:01:00Z")], 100 + i)
               for i in range(5)]
    graph.server.add_report(meeting["id"], "2025-03-04T09:00:00Z", records)
    graph.server.add_report(meeting["id"], "2025-02-01T09:00:00Z", [])

    result = await graph.client.attendance_reports(graph.tenant, ORGANIZER, meeting["id"])

    assert [r["aadObjectId"] for r in result] == [f"p{i}" for i in range(5)]
    assert result[0] == {"aadObjectId": "p0", "name": "Person 0", "email": "p0@contoso.com", "totalSeconds": 100,
                         "joined": "2025-03-04T09:02:00.5Z", "left": "2025-03-04T10:01:00Z"}
    pages = graph.server.graph_requests("GET", "/attendanceRecords")
    assert [p.query.get("$skiptoken") for p in pages] == [None, "2", "4"]
    assert all(":" not in p.raw_path.split("?")[0].split("onlineMeetings/")[1] for p in pages)  # id quoted


async def test_attendance_reports_none_yet(graph):
    meeting_id = await meeting_id_of(graph, await graph.client.create_event(graph.tenant, ORGANIZER, event(), "tx"))
    assert await graph.client.attendance_reports(graph.tenant, ORGANIZER, meeting_id) == []


async def test_app_catalog_id_and_pin_tab(graph):
    catalog = graph.server.install_app(TEAM)
    assert await graph.client.app_catalog_id(graph.tenant, TEAM, APP_EXTERNAL_ID) == catalog
    (lookup,) = graph.server.graph_requests("GET", "/installedApps")
    assert lookup.query["$filter"] == f"teamsApp/externalId eq '{APP_EXTERNAL_ID}'"
    assert "teamsAppDefinition" in lookup.query["$expand"]

    tab = await graph.client.pin_tab(graph.tenant, TEAM, CHANNEL, catalog, "Agenda: Data migration",
                                     "agenda-data-migration", "https://bot.example/tabs/agenda?x=1",
                                     "https://bot.example/agenda")
    assert tab["id"].startswith("tab-") and tab["webUrl"]
    (post,) = graph.server.graph_requests("POST", "/tabs")
    assert post.raw_path == "/v1.0/teams/19%3Ateam-general%40thread.tacv2/channels/19%3Aabc-def_123%40thread.tacv2/tabs"
    assert post.body == {
        "displayName": "Agenda: Data migration",
        "teamsApp@odata.bind": f"https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{catalog}",
        "configuration": {"entityId": "agenda-data-migration", "contentUrl": "https://bot.example/tabs/agenda?x=1",
                          "websiteUrl": "https://bot.example/agenda", "removeUrl": None}}


async def test_app_not_installed_is_a_clear_error(graph):
    graph.server.install_app(TEAM, external_id="some-other-app")
    with pytest.raises(GraphError) as raised:
        await graph.client.app_catalog_id(graph.tenant, TEAM, APP_EXTERNAL_ID)
    assert raised.value.status == 404 and raised.value.code == "AppNotInstalled"
    assert "not installed in this team" in str(raised.value)


async def test_pin_tab_with_an_unknown_catalog_id_is_refused(graph):
    graph.server.install_app(TEAM)
    with pytest.raises(GraphError) as raised:
        await graph.client.pin_tab(graph.tenant, TEAM, CHANNEL, "not-installed", "Agenda", "e", "https://a/",
                                   "https://a/")
    assert raised.value.status == 400 and "odata.bind" in raised.value.message


async def test_429_with_retry_after_then_success(graph):
    graph.server.install_app(TEAM)
    graph.server.fail_next(1, 429, retry_after="1")
    started = time.monotonic()
    await graph.client.app_catalog_id(graph.tenant, TEAM, APP_EXTERNAL_ID)
    assert time.monotonic() - started >= 1.0  # Retry-After honoured, not the 0.02 s backoff
    assert len(graph.server.graph_requests("GET")) == 2


async def test_retry_after_beyond_the_budget_gives_up_at_once(graph):
    graph.server.install_app(TEAM)
    graph.server.fail_next(1, 429, retry_after="120")
    started = time.monotonic()
    with pytest.raises(GraphUnavailable) as raised:
        await graph.client.app_catalog_id(graph.tenant, TEAM, APP_EXTERNAL_ID)
    assert time.monotonic() - started < 1 and "429" in str(raised.value)


async def test_persistent_503_gives_up_within_budget(graph):
    graph.server.install_app(TEAM)
    graph.server.fail_next(50, 503)
    started = time.monotonic()
    with pytest.raises(GraphUnavailable) as raised:
        await graph.client.app_catalog_id(graph.tenant, TEAM, APP_EXTERNAL_ID)
    assert not isinstance(raised.value, GraphError)
    assert time.monotonic() - started < graph.client.budget
    assert len(graph.server.graph_requests()) == graph.client.attempts
    assert "503" in str(raised.value)


async def test_502_and_504_are_retried(graph):
    graph.server.install_app(TEAM)
    graph.server.fail_next(1, 502)
    graph.server.fail_next(1, 504)
    assert await graph.client.app_catalog_id(graph.tenant, TEAM, APP_EXTERNAL_ID)
    assert len(graph.server.graph_requests()) == 3


async def test_graph_down_is_unavailable_with_a_friendly_message(graph):
    graph.server.down = True
    with pytest.raises(GraphUnavailable) as raised:
        await graph.client.app_catalog_id(graph.tenant, TEAM, APP_EXTERNAL_ID)
    assert str(raised.value) == ("Microsoft Graph is not answering right now; try again in a moment "
                                 "(the connection was closed).")


async def test_graph_refusing_connections_is_unavailable(graph):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = GraphClient(graph.client.tokens, base_url=f"http://127.0.0.1:{port}/v1.0", backoff=0.01,
                         backoff_cap=0.05)
    try:
        with pytest.raises(GraphUnavailable) as raised:
            await client.app_catalog_id(graph.tenant, TEAM, APP_EXTERNAL_ID)
    finally:
        await client.close()
    assert "cannot connect" in str(raised.value)


async def test_graph_from_settings():
    assert graph_from_settings(Settings()) is None
    assert graph_from_settings(Settings(app_id="bot-id")) is None
    client = graph_from_settings(Settings(app_id="bot-id", app_password="secret"))
    assert isinstance(client, GraphClient) and client.base_url == "https://graph.microsoft.com/v1.0"
    assert client.tokens.authority_host == "https://login.microsoftonline.com"
    await client.close()  # nothing was opened: no network until the first call


async def test_azure_ad_unreachable_is_unavailable(graph):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    tokens = TokenProvider(CLIENT_ID, "secret", authority_host=f"https://127.0.0.1:{port}",
                           verify=str(graph.server.cert_file), timeout=2)
    with pytest.raises(GraphUnavailable) as raised:
        await tokens.token(graph.tenant)
    assert "cannot reach Azure AD" in str(raised.value)
