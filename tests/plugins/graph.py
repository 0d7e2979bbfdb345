"""A local stand-in for Azure AD (client-credentials tokens) and the Microsoft Graph calls the bot makes.

It runs in its own thread and event loop, so a client that blocked the test's loop would
still get answers (and the test would see the block). Azure AD is served over HTTPS with a
self-signed certificate made at start-up (msal accepts only https authorities); Graph over
plain HTTP. Everything listens on 127.0.0.1 on ports the OS picks.

The Graph side checks the bearer token on every call (401 otherwise), checks JSON bodies
strictly (400 with a Graph-style error body), records every request, and can be told to
fail the next calls (`fail_next`) or to drop connections (`down`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import itertools
import re
import secrets
import ssl
import threading
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

import pytest
from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from graph.client import GraphClient, TokenProvider

CLIENT_ID = "00000000-0000-0000-0000-00000000b0t1"
CLIENT_SECRET = "stand-in-secret"
TENANT = "11111111-2222-3333-4444-555555555555"
APP_EXTERNAL_ID = "c0ffee00-0000-4000-8000-000000000001"  # the manifest id
SCOPE = "https://graph.microsoft.com/.default"
BIND_PREFIX = "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/"
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def meeting_thread_of(join_url: str) -> str:
    from urllib.parse import unquote
    return unquote(join_url.split("/meetup-join/", 1)[1].split("/", 1)[0])


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 that is also its own CA (for `verify=`)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "graph stand-in")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@dataclass
class Recorded:
    method: str
    path: str  # decoded
    raw_path: str  # as sent, with its quoting and query
    query: dict
    headers: dict
    body: Any = None


@dataclass
class Team:
    """A team where apps can be installed: {external (manifest) id: catalog id}."""
    apps: dict = field(default_factory=dict)


class GraphError400(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)


def _graph_error(status: int, code: str, message: str) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message,
                                        "innerError": {"request-id": secrets.token_hex(8),
                                                       "date": dt.datetime.now(dt.timezone.utc).isoformat()}}},
                             status=status)


def _check(body: Any, spec: dict, where: str = "body") -> None:
    """Exactly the keys in `spec`, each of its type (a tuple allows None)."""
    if not isinstance(body, dict):
        raise GraphError400(f"{where} must be a JSON object")
    unknown = set(body) - set(spec)
    if unknown:
        raise GraphError400(f"{where}: unexpected properties {sorted(unknown)}")
    for key, kind in spec.items():
        if key not in body:
            raise GraphError400(f"{where}: missing property '{key}'")
        if not isinstance(body[key], kind) or isinstance(body[key], bool):
            raise GraphError400(f"{where}: property '{key}' has the wrong type")


class GraphStandIn:
    """State and handlers; tests change its attributes directly (between calls)."""

    def __init__(self, cert_file: Path, key_file: Path) -> None:
        self.cert_file, self.key_file = cert_file, key_file
        self.aad_url = self.graph_url = ""
        self.loop: Optional[asyncio.AbstractEventLoop] = None
        self.reset()

    def reset(self) -> None:
        self.client_id, self.client_secret = CLIENT_ID, CLIENT_SECRET
        self.token_calls: list[dict] = []  # form data of every token request
        self.discovery_calls: list[str] = []
        self.tokens: dict[str, str] = {}  # access token -> tenant
        self.token_delay = 0.0
        self.requests: list[Recorded] = []
        self.failures: deque = deque()  # (status, retry_after) for the next Graph calls
        self.down = False
        self.page_size = 2
        self.teams: dict[str, Team] = {}
        self.meetings: dict[str, dict] = {}
        self.reports: dict[str, list[dict]] = {}  # meeting id -> reports, each with "records"
        self.tabs: list[dict] = []
        self.events: dict[str, dict] = {}  # calendar events by id, each with "organizer" and "cancelled"
        self.catalog: dict[str, str] = {APP_EXTERNAL_ID: "catalog-published"}  # the org's app catalog
        self.chat_apps: dict[str, dict] = {}  # chat id -> {catalog id: consented permissions}
        self._ids = itertools.count(1)

    # ---- set-up helpers for tests --------------------------------------------------------

    def fail_next(self, count: int, status: int = 503, retry_after: Optional[str] = None) -> None:
        self.failures.extend([(status, retry_after)] * count)

    def install_app(self, team_id: str, external_id: str = APP_EXTERNAL_ID, catalog_id: str = "") -> str:
        catalog_id = catalog_id or f"catalog-{next(self._ids)}"
        self.teams.setdefault(team_id, Team()).apps[external_id] = catalog_id
        return catalog_id

    def add_report(self, meeting_id: str, start: str, records: list[dict]) -> str:
        report_id = f"report-{next(self._ids)}"
        self.reports.setdefault(meeting_id, []).append(
            {"id": report_id, "meetingStartDateTime": start, "records": records})
        return report_id

    def graph_requests(self, method: str = "", contains: str = "") -> list[Recorded]:
        return [r for r in self.requests if (not method or r.method == method) and contains in r.path]

    # ---- Azure AD ------------------------------------------------------------------------

    def aad_app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{tenant}/v2.0/.well-known/openid-configuration", self._openid)
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        return app

    async def _openid(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        self.discovery_calls.append(tenant)
        base = f"{self.aad_url}/{tenant}"
        return web.json_response({"issuer": f"{base}/v2.0", "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                                  "token_endpoint": f"{base}/oauth2/v2.0/token",
                                  "token_endpoint_auth_methods_supported": ["client_secret_post"]})

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.token_calls.append(form)
        if self.token_delay:
            await asyncio.sleep(self.token_delay)

        def refuse(status: int, error: str, description: str) -> web.Response:
            return web.json_response({"error": error, "error_description": f"{description}\r\nTrace ID: "
                                      f"{secrets.token_hex(8)}", "error_codes": [0]}, status=status)

        if form.get("grant_type") != "client_credentials":
            return refuse(400, "unsupported_grant_type", "AADSTS70003: The grant type is not supported.")
        if form.get("client_id") != self.client_id:
            return refuse(400, "unauthorized_client", f"AADSTS700016: Application '{form.get('client_id')}' "
                          "was not found in the directory.")
        if form.get("client_secret") != self.client_secret:
            return refuse(401, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
        if form.get("scope") != SCOPE:
            return refuse(400, "invalid_scope", f"AADSTS1002012: The provided scope {form.get('scope')!r} "
                          "is not valid.")
        token = f"at-{secrets.token_urlsafe(16)}"
        self.tokens[token] = request.match_info["tenant"]
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                                  "access_token": token})

    # ---- Graph ---------------------------------------------------------------------------

    def graph_app(self) -> web.Application:
        app = web.Application(middlewares=[self._gate])
        r = app.router
        r.add_post("/v1.0/users/{user}/onlineMeetings", self._create_meeting)
        r.add_get("/v1.0/users/{user}/onlineMeetings", self._find_meeting)
        r.add_post("/v1.0/users/{user}/events", self._create_event)
        r.add_patch("/v1.0/users/{user}/events/{event}", self._update_event)
        r.add_post("/v1.0/users/{user}/events/{event}/cancel", self._cancel_event)
        r.add_get("/v1.0/appCatalogs/teamsApps", self._catalog_apps)
        r.add_post("/v1.0/chats/{chat}/installedApps", self._install_in_chat)
        r.add_get("/v1.0/users/{user}/onlineMeetings/{meeting}/attendanceReports", self._reports)
        r.add_get("/v1.0/users/{user}/onlineMeetings/{meeting}/attendanceReports/{report}/attendanceRecords",
                  self._records)
        r.add_get("/v1.0/teams/{team}/installedApps", self._installed_apps)
        r.add_post("/v1.0/teams/{team}/channels/{channel}/tabs", self._create_tab)
        return app

    @web.middleware
    async def _gate(self, request: web.Request, handler) -> web.StreamResponse:
        if self.down:
            request.transport.abort()  # as if Graph dropped the connection
            return web.Response(status=599)  # never reaches the client
        body = None
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                body = "<not JSON>"
        self.requests.append(Recorded(request.method, request.path, request.raw_path, dict(request.query),
                                      dict(request.headers), body))
        if self.failures:
            status, retry_after = self.failures.popleft()
            headers = {"Retry-After": retry_after} if retry_after is not None else {}
            response = _graph_error(status, "TooManyRequests" if status == 429 else "ServiceUnavailable",
                                    "The stand-in was told to fail this call.")
            response.headers.update(headers)
            return response
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.tokens:
            return _graph_error(401, "InvalidAuthenticationToken", "Access token is empty or not valid.")
        if body == "<not JSON>":
            return _graph_error(400, "BadRequest", "The body is not JSON.")
        try:
            return await handler(request)
        except GraphError400 as error:
            return _graph_error(400, "BadRequest", str(error))

    def _raw_segments_ok(self, request: web.Request, *names: str) -> bool:
        """Ids with ':' or '@' must arrive quoted, as the real Graph needs."""
        raw = request.raw_path.split("?")[0]
        return all(f"/{quote(request.match_info[n], safe='')}/" in raw + "/" for n in names)

    async def _create_meeting(self, request: web.Request) -> web.Response:
        body = await request.json()
        _check(body, {"subject": str, "startDateTime": str, "endDateTime": str})
        if not body["subject"].strip():
            raise GraphError400("subject must not be empty")
        for key in ("startDateTime", "endDateTime"):
            if not ISO_UTC.match(body[key]):
                raise GraphError400(f"{key} must be an ISO 8601 UTC time like 2025-01-31T09:00:00Z")
        if body["endDateTime"] <= body["startDateTime"]:
            raise GraphError400("endDateTime must be after startDateTime")
        if not self._raw_segments_ok(request, "user"):
            return _graph_error(404, "NotFound", "path segments are not quoted")
        meeting_id = f"MSo{next(self._ids)}:meeting@thread.v2"
        meeting = {"id": meeting_id, "subject": body["subject"], "startDateTime": body["startDateTime"],
                   "endDateTime": body["endDateTime"], "organizer": request.match_info["user"],
                   "joinWebUrl": f"https://teams.microsoft.com/l/meetup-join/{quote(meeting_id, safe='')}"}
        self.meetings[meeting_id] = meeting
        return web.json_response(meeting, status=201)

    # ---- calendar events with Teams meetings ---------------------------------------------

    @staticmethod
    def _check_event(body: Any, creating: bool) -> None:
        """As Graph reads an event with a Teams meeting: times as dateTimeTimeZone, attendees with an
        address and a type, and (on create) the online meeting asked for."""
        if not isinstance(body, dict):
            raise GraphError400("body must be a JSON object")
        allowed = {"subject", "body", "start", "end", "attendees", "isOnlineMeeting", "onlineMeetingProvider",
                   "transactionId"}
        if set(body) - allowed:
            raise GraphError400(f"unexpected properties {sorted(set(body) - allowed)}")
        if creating:
            missing = {"subject", "start", "end", "attendees", "isOnlineMeeting", "onlineMeetingProvider"} - set(body)
            if missing:
                raise GraphError400(f"missing properties {sorted(missing)}")
            if body["isOnlineMeeting"] is not True or body["onlineMeetingProvider"] != "teamsForBusiness":
                raise GraphError400("a Teams meeting needs isOnlineMeeting true and onlineMeetingProvider "
                                    "teamsForBusiness")
        for key in ("start", "end"):
            if key in body:
                when = body[key]
                if not isinstance(when, dict) or set(when) != {"dateTime", "timeZone"} or \
                        not re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?", str(when["dateTime"])):
                    raise GraphError400(f"{key} must be a dateTimeTimeZone like "
                                        '{"dateTime": "2025-01-31T09:00:00", "timeZone": "UTC"}')
        if "start" in body and "end" in body and body["end"]["dateTime"] <= body["start"]["dateTime"]:
            raise GraphError400("end must be after start")
        if "body" in body:
            _check(body["body"], {"contentType": str, "content": str}, "body.body")
        for attendee in body.get("attendees", []):
            if not isinstance(attendee, dict) or attendee.get("type") not in ("required", "optional", "resource") \
                    or "@" not in str((attendee.get("emailAddress") or {}).get("address", "")):
                raise GraphError400("each attendee needs emailAddress.address and a type")

    async def _create_event(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._check_event(body, creating=True)
        user = request.match_info["user"]
        if not self._raw_segments_ok(request, "user"):
            return _graph_error(404, "NotFound", "path segments are not quoted")
        transaction = body.get("transactionId")
        for event in self.events.values():  # as Graph does: a repeated transactionId returns the first event
            if transaction and event.get("transactionId") == transaction and event["organizer"] == user:
                return web.json_response(event, status=201)
        n = next(self._ids)
        thread = f"19:meeting_stand{n}in@thread.v2"
        join = (f"https://teams.microsoft.com/l/meetup-join/{quote(thread, safe='')}/0?context="
                + quote('{"Tid":"%s","Oid":"%s"}' % (self.tokens.get(request.headers["Authorization"][7:]), user)))
        meeting_id = f"MSo{n}:meeting@thread.v2"
        self.meetings[meeting_id] = {"id": meeting_id, "subject": body["subject"], "organizer": user,
                                     "startDateTime": body["start"]["dateTime"] + "Z",
                                     "endDateTime": body["end"]["dateTime"] + "Z", "joinWebUrl": join}
        event = {**body, "id": f"AAMkEvent{n}=", "organizer": user, "cancelled": False,
                 "onlineMeeting": {"joinUrl": join}}
        self.events[event["id"]] = event
        return web.json_response(event, status=201)

    def _event(self, request: web.Request) -> Optional[dict]:
        event = self.events.get(request.match_info["event"])
        if not event or event["organizer"] != request.match_info["user"] or event["cancelled"] or \
                not self._raw_segments_ok(request, "user", "event"):
            return None
        return event

    async def _update_event(self, request: web.Request) -> web.Response:
        body = await request.json()
        self._check_event(body, creating=False)
        event = self._event(request)
        if event is None:
            return _graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        event.update(body)
        return web.json_response(event)

    async def _cancel_event(self, request: web.Request) -> web.Response:
        body = await request.json()
        _check(body, {"comment": str})
        event = self._event(request)
        if event is None:
            return _graph_error(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        event["cancelled"], event["cancelComment"] = True, body["comment"]
        return web.Response(status=202)

    async def _find_meeting(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"JoinWebUrl eq '((?:[^']|'')*)'", request.query.get("$filter", ""))
        if not match:
            return _graph_error(400, "BadRequest", "Filter on JoinWebUrl eq '<url>' only.")
        url = match.group(1).replace("''", "'")
        value = [m for m in self.meetings.values() if m["joinWebUrl"] == url and m["organizer"] == request.match_info["user"]]
        return web.json_response({"value": value})

    async def _catalog_apps(self, request: web.Request) -> web.Response:
        match = re.fullmatch(r"externalId eq '((?:[^']|'')*)'", request.query.get("$filter", ""))
        if not match:
            return _graph_error(400, "BadRequest", "Invalid $filter.")
        external = match.group(1).replace("''", "'")
        return web.json_response({"value": [{"id": catalog, "externalId": ext, "displayName": "Workshops",
                                             "distributionMethod": "organization"}
                                            for ext, catalog in self.catalog.items() if ext == external]})

    async def _install_in_chat(self, request: web.Request) -> web.Response:
        chat = request.match_info["chat"]
        known = {meeting_thread_of(e["onlineMeeting"]["joinUrl"]) for e in self.events.values()}
        if chat not in known or not self._raw_segments_ok(request, "chat"):
            return _graph_error(404, "NotFound", "No chat found with the given id.")
        body = await request.json()
        _check(body, {"teamsApp@odata.bind": str, "consentedPermissionSet": dict})
        bind = body["teamsApp@odata.bind"]
        if not bind.startswith(BIND_PREFIX) or bind[len(BIND_PREFIX):] not in self.catalog.values():
            raise GraphError400("teamsApp@odata.bind must name an app in the catalog")
        permissions = body["consentedPermissionSet"].get("resourceSpecificPermissions")
        if not isinstance(permissions, list) or any(
                set(p) != {"permissionValue", "permissionType"} or p["permissionType"] != "application"
                or not str(p["permissionValue"]).endswith(".Chat") for p in permissions):
            raise GraphError400("resourceSpecificPermissions: chat permissions of type application only")
        installed = self.chat_apps.setdefault(chat, {})
        if bind[len(BIND_PREFIX):] in installed:
            return _graph_error(409, "Conflict", "The app is already installed in this chat.")
        installed[bind[len(BIND_PREFIX):]] = [p["permissionValue"] for p in permissions]
        return web.Response(status=201)

    def live_events(self) -> list[dict]:
        return [e for e in self.events.values() if not e["cancelled"]]

    def _meeting(self, request: web.Request) -> dict:
        meeting = self.meetings.get(request.match_info["meeting"])
        if not meeting or meeting["organizer"] != request.match_info["user"] or \
                not self._raw_segments_ok(request, "user", "meeting"):
            raise web.HTTPNotFound()
        return meeting

    async def _reports(self, request: web.Request) -> web.Response:
        try:
            meeting = self._meeting(request)
        except web.HTTPNotFound:
            return _graph_error(404, "NotFound", "The meeting was not found.")
        value = [{k: v for k, v in r.items() if k != "records"} for r in self.reports.get(meeting["id"], [])]
        return web.json_response({"value": value})

    async def _records(self, request: web.Request) -> web.Response:
        try:
            meeting = self._meeting(request)
        except web.HTTPNotFound:
            return _graph_error(404, "NotFound", "The meeting was not found.")
        report = next((r for r in self.reports.get(meeting["id"], []) if r["id"] == request.match_info["report"]),
                      None)
        if report is None:
            return _graph_error(404, "NotFound", "The report was not found.")
        skip = int(request.query.get("$skiptoken") or 0)
        body: dict = {"value": report["records"][skip:skip + self.page_size]}
        if skip + self.page_size < len(report["records"]):
            raw = request.raw_path.split("?")[0]
            body["@odata.nextLink"] = f"{self.graph_url}{raw.removeprefix('/v1.0')}?$skiptoken={skip + self.page_size}"
        return web.json_response(body)

    async def _installed_apps(self, request: web.Request) -> web.Response:
        team = self.teams.get(request.match_info["team"])
        if team is None or not self._raw_segments_ok(request, "team"):
            return _graph_error(404, "NotFound", "No team found with the given id.")
        expand = {e.strip() for e in request.query.get("$expand", "").split(",") if e.strip()}
        if "teamsApp" not in expand:
            return _graph_error(400, "BadRequest", "filtering on teamsApp needs $expand=teamsApp")
        match = re.fullmatch(r"teamsApp/externalId eq '((?:[^']|'')*)'", request.query.get("$filter", ""))
        if not match:
            return _graph_error(400, "BadRequest", "Invalid $filter.")
        external = match.group(1).replace("''", "'")
        value = [{"id": f"inst-{catalog}", "teamsApp": {"id": catalog, "externalId": external,
                                                          "displayName": "Workshops"},
                  "teamsAppDefinition": {"id": f"def-{catalog}", "teamsAppId": catalog, "version": "1.0.0"}}
                 for ext, catalog in team.apps.items() if ext == external]
        return web.json_response({"value": value})

    async def _create_tab(self, request: web.Request) -> web.Response:
        team = self.teams.get(request.match_info["team"])
        if team is None or not self._raw_segments_ok(request, "team", "channel"):
            return _graph_error(404, "NotFound", "No team or channel found with the given id.")
        body = await request.json()
        _check(body, {"displayName": str, "teamsApp@odata.bind": str, "configuration": dict})
        _check(body["configuration"], {"entityId": str, "contentUrl": str, "websiteUrl": str,
                                       "removeUrl": (str, type(None))}, "configuration")
        bind = body["teamsApp@odata.bind"]
        if not bind.startswith(BIND_PREFIX) or bind[len(BIND_PREFIX):] not in team.apps.values():
            raise GraphError400(f"teamsApp@odata.bind must be {BIND_PREFIX}<catalog id of an app installed "
                                f"in the team>, not {bind!r}")
        for key in ("contentUrl", "websiteUrl"):
            if not re.match(r"^https?://", body["configuration"][key]):
                raise GraphError400(f"configuration.{key} must be an absolute URL")
        tab_id = f"tab-{next(self._ids)}"
        tab = {"id": tab_id, "displayName": body["displayName"], "configuration": body["configuration"],
               "webUrl": f"https://teams.microsoft.com/l/entity/{bind[len(BIND_PREFIX):]}/{tab_id}"}
        self.tabs.append(tab)
        return web.json_response(tab, status=201)

    # ---- start and stop ------------------------------------------------------------------

    def start(self) -> None:
        ready = threading.Event()
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="graph-stand-in", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Graph stand-in did not start")

    def _run(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())
        ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self._stop())
        self.loop.close()

    async def _stop(self) -> None:
        await self._aad_runner.cleanup()
        await self._graph_runner.cleanup()
        await asyncio.sleep(0.1)  # let TLS connections finish closing

    async def _serve(self) -> None:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(self.cert_file, self.key_file)
        self._aad_runner = web.AppRunner(self.aad_app(), access_log=None)
        self._graph_runner = web.AppRunner(self.graph_app(), access_log=None)
        for runner in (self._aad_runner, self._graph_runner):
            await runner.setup()
        aad = web.TCPSite(self._aad_runner, "127.0.0.1", 0, ssl_context=tls)
        graph = web.TCPSite(self._graph_runner, "127.0.0.1", 0)
        await aad.start()
        await graph.start()
        self.aad_url = f"https://127.0.0.1:{aad._server.sockets[0].getsockname()[1]}"
        self.graph_url = f"http://127.0.0.1:{graph._server.sockets[0].getsockname()[1]}/v1.0"

    def stop(self) -> None:
        if self.loop and self.loop.is_running():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(10)

    # ---- clients -------------------------------------------------------------------------

    def token_provider(self, client_id: str = CLIENT_ID, client_secret: str = CLIENT_SECRET) -> TokenProvider:
        return TokenProvider(client_id, client_secret, authority_host=self.aad_url, verify=str(self.cert_file),
                             timeout=5)

    def client(self, tokens: Optional[TokenProvider] = None, **options) -> GraphClient:
        """A GraphClient pointed at the stand-in, with short backoff so retry tests stay quick."""
        options = {"backoff": 0.02, "backoff_cap": 0.1, "budget": 3.0, "timeout": 5.0, **options}
        return GraphClient(tokens or self.token_provider(), base_url=self.graph_url, **options)


@dataclass
class GraphEnv:
    """What a test gets: the stand-in (its URLs, state, recorded requests) and a configured client."""
    server: GraphStandIn
    client: GraphClient
    tenant: str = TENANT

    @property
    def aad_url(self) -> str:
        return self.server.aad_url

    @property
    def graph_url(self) -> str:
        return self.server.graph_url


@pytest.fixture(scope="session")
def graph_server(tmp_path_factory):
    """The stand-in, started once per session on free loopback ports."""
    cert_file, key_file = make_certificate(tmp_path_factory.mktemp("graph-tls"))
    server = GraphStandIn(cert_file, key_file)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def graph(graph_server):
    """A fresh stand-in state and a GraphClient (with its own token cache) for one test."""
    graph_server.reset()
    client = graph_server.client()
    yield GraphEnv(graph_server, client)
    await client.close()
