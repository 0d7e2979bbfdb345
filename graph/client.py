"""Microsoft Graph, as far as the bot needs it: app-only tokens (msal) and a few Teams calls.

Graph is off unless the bot has an app id and password, or a managed identity (`graph_from_settings`). Errors:

- `GraphUnavailable`: Graph or Azure AD failed (network, 5xx, 429 past the retry budget,
  sign-in failure). Its text can be shown to a user as it is.
- `GraphError(status, code, message)`: Graph refused one request (a 4xx other than 429).
  It subclasses `GraphUnavailable`, so one `except GraphUnavailable` covers every failure;
  catch `GraphError` first when a refusal needs its own handling (e.g. app not installed).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from datetime import datetime, timezone
from typing import Any, Optional
from urllib.parse import quote, urlparse

import aiohttp
import msal
from azure.core.exceptions import ClientAuthenticationError
from msal.authority import WELL_KNOWN_AUTHORITY_HOSTS
from yarl import URL

from runtime.retry import backoff_delay, retry_after_seconds

GRAPH_URL = "https://graph.microsoft.com/v1.0"
AUTHORITY_HOST = "https://login.microsoftonline.com"
SCOPES = ["https://graph.microsoft.com/.default"]
# teamsApp@odata.bind always names the public Graph, whatever base URL the client talks to.
APP_CATALOG_BIND = "https://graph.microsoft.com/v1.0/appCatalogs/teamsApps/{}"
RETRY_STATUSES = (429, 502, 503, 504)


class GraphUnavailable(Exception):
    """Graph or Azure AD failed; str() is a sentence fit for a user, `reason` the short cause."""

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        text = "Microsoft Graph is not answering right now; try again in a moment"
        super().__init__(f"{text} ({reason})." if reason else f"{text}.")


class GraphError(GraphUnavailable):
    """Graph refused a request with a 4xx (not 429): `status`, Graph's error `code`, and `message`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message, self.reason = status, code, message, message
        Exception.__init__(self, f"Microsoft Graph refused the request: {message} ({status} {code}).")


class GraphNotConfigured(Exception):
    """The bot has no app id/password, so it cannot call Graph."""


def _segment(value: str) -> str:
    """One URL path segment: Teams ids contain ':' and '@', which must be quoted."""
    return quote(str(value), safe="")


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("meeting times must carry a time zone")
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class TokenProvider:
    """App-only Graph tokens: one msal ConfidentialClientApplication per tenant, made on first use.

    msal is synchronous (it uses `requests`), so both creating an app (which fetches the
    tenant's OpenID configuration) and acquiring a token run in a worker thread. msal's own
    token cache answers repeated calls until the token nears expiry.

    `verify` is handed to msal (`requests`): True, or a CA bundle path for a local stand-in.
    Authority hosts msal does not know (a stand-in) skip msal's instance discovery, which
    would otherwise ask login.microsoftonline.com about them.
    """

    def __init__(self, client_id: str, client_secret: str, authority_host: str = AUTHORITY_HOST,
                 verify: Any = True, timeout: float = 10.0, *, credential: Any = None,
                 home_tenant: str = "") -> None:
        """With `credential` (an azure-identity managed identity) and no secret, tokens come from the
        identity endpoint instead: they are for the identity's own tenant (`home_tenant`) only."""
        if not (client_id and (client_secret or credential is not None)):
            raise GraphNotConfigured("Graph needs the bot's app id and password, or a managed identity")
        self.client_id, self._secret = client_id, client_secret
        self._credential = None if client_secret else credential
        self.home_tenant = home_tenant
        self.authority_host = authority_host.rstrip("/")
        self.verify, self.timeout = verify, timeout
        known = urlparse(self.authority_host).hostname in WELL_KNOWN_AUTHORITY_HOSTS
        self._instance_discovery = None if known else False
        self._apps: dict[str, msal.ConfidentialClientApplication] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def _app(self, tenant_id: str) -> msal.ConfidentialClientApplication:
        """The tenant's app, made on first use; call with the tenant's lock held."""
        app = self._apps.get(tenant_id)
        if app is None:
            app = msal.ConfidentialClientApplication(
                self.client_id, client_credential=self._secret,
                authority=f"{self.authority_host}/{_segment(tenant_id)}",
                instance_discovery=self._instance_discovery, http_client=self._http_client(),
                verify=self.verify, timeout=self.timeout)
            self._apps[tenant_id] = app
        return app

    def _http_client(self):
        """None (msal's own) unless `verify` names a CA bundle: requests lets REQUESTS_CA_BUNDLE in the
        environment override a session's `verify`, so it goes on every request instead."""
        if self.verify is True:
            return None
        import requests  # msal's own HTTP library

        session = requests.Session()
        session.request = functools.partial(session.request, timeout=self.timeout, verify=self.verify)
        return session

    def _acquire(self, tenant_id: str) -> dict:
        """In a worker thread. The per-tenant lock gives one app per tenant and lets turns that
        ask at the same moment share one token request (the later ones find it in the cache)."""
        with self._lock:
            lock = self._locks.setdefault(tenant_id, threading.Lock())
        with lock:
            if self._credential is not None:  # azure-identity caches the token until it nears expiry
                return {"access_token": self._credential.get_token(*SCOPES).token}
            return self._app(tenant_id).acquire_token_for_client(scopes=SCOPES)

    def close(self) -> None:
        """Close msal's HTTP connections (its token caches stay; a later call reconnects)."""
        for app in list(self._apps.values()):
            app.http_client.close()
        if self._credential is not None:
            self._credential.close()

    async def token(self, tenant_id: str) -> str:
        if not tenant_id:
            raise GraphUnavailable("the conversation has no tenant id")
        if self._credential is not None and self.home_tenant and tenant_id != self.home_tenant:
            raise GraphUnavailable("the bot's managed identity signs in to its own tenant only")
        try:
            result = await asyncio.to_thread(self._acquire, tenant_id)
        except ClientAuthenticationError as error:  # the identity endpoint refused or failed
            reason = str(error.message or error).splitlines()[0][:300]
            raise GraphUnavailable(f"managed identity sign-in failed: {reason}") from error
        except ValueError as error:  # msal could not use the authority, e.g. an unknown tenant
            raise GraphUnavailable(f"Azure AD sign-in failed: {str(error).splitlines()[0][:300]}") from error
        except Exception as error:  # network errors from requests
            raise GraphUnavailable(f"cannot reach Azure AD: {type(error).__name__}") from error
        if "access_token" not in result:
            description = (result.get("error_description") or result.get("error") or "no token").strip()
            raise GraphUnavailable(f"Azure AD sign-in failed: {description.splitlines()[0]}")
        return result["access_token"]


class GraphClient:
    """A few Graph calls over one shared aiohttp session.

    Retries 429 (waiting Retry-After), 502, 503, 504 and refused connections with capped
    exponential backoff and jitter, at most `attempts` tries and `budget` seconds of waiting
    in all; a bot turn must answer within Teams' 15 s.
    """

    def __init__(self, tokens: TokenProvider, base_url: str = GRAPH_URL, *, attempts: int = 4,
                 backoff: float = 0.5, backoff_cap: float = 4.0, budget: float = 8.0,
                 timeout: float = 10.0) -> None:
        self.tokens, self.base_url = tokens, base_url.rstrip("/")
        self.attempts, self.backoff, self.backoff_cap, self.budget = attempts, backoff, backoff_cap, budget
        self.timeout = timeout
        self._session: Optional[aiohttp.ClientSession] = None

    async def close(self) -> None:
        """Close the HTTP session and the token provider's connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        self.tokens.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    def _delay(self, attempt: int, response: Optional[aiohttp.ClientResponse]) -> float:
        if response is not None and response.status == 429:
            after = retry_after_seconds(response.headers.get("Retry-After"))
            if after is not None:
                return after
        return backoff_delay(attempt, self.backoff, self.backoff_cap)

    async def _call(self, method: str, tenant_id: str, url: str, body: Optional[dict] = None) -> dict:
        """One Graph request; `url` is a path under the base URL or an absolute, already quoted URL."""
        target = URL(url if url.startswith(("http://", "https://")) else self.base_url + url, encoded=True)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.budget
        for attempt in range(self.attempts):
            token = await self.tokens.token(tenant_id)
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            response = None
            try:
                async with self._http().request(method, target, json=body, headers=headers) as response:
                    if response.status < 300:
                        return await response.json(content_type=None) if response.status != 204 else {}
                    if response.status not in RETRY_STATUSES:
                        raise await self._refusal(response)
                    reason = "too many requests (HTTP 429)" if response.status == 429 else f"HTTP {response.status}"
                    await response.read()
            except aiohttp.ClientConnectorError:
                reason = "cannot connect"  # nothing was sent, so retrying is safe
            except aiohttp.ServerDisconnectedError as error:
                raise GraphUnavailable("the connection was closed") from error
            except asyncio.TimeoutError as error:
                raise GraphUnavailable(f"no answer within {self.timeout:g} s") from error
            except aiohttp.ClientError as error:
                raise GraphUnavailable(type(error).__name__) from error
            delay = self._delay(attempt, response)
            if attempt + 1 >= self.attempts or loop.time() + delay > deadline:
                raise GraphUnavailable(reason)
            await asyncio.sleep(delay)
        raise GraphUnavailable("no attempts allowed")

    @staticmethod
    async def _refusal(response: aiohttp.ClientResponse) -> GraphError:
        try:
            error = (await response.json(content_type=None) or {}).get("error") or {}
        except ValueError:
            error = {}
        return GraphError(response.status, error.get("code") or response.reason or "Error",
                          error.get("message") or f"HTTP {response.status}")

    def _events(self, organizer_aad_id: str) -> str:
        return f"/users/{_segment(organizer_aad_id)}/events"

    async def create_event(self, tenant_id: str, organizer_aad_id: str, event: dict, transaction_id: str) -> dict:
        """POST /users/{organizer}/events: a calendar event with a Teams meeting on the organiser's
        calendar; Exchange sends the invitations. `event` is from `event_body`. `transaction_id`
        makes a retried create (a lost answer, an outbox retry) return the first event instead of a
        second one. Returns {"id", "joinUrl"}."""
        created = await self._call("POST", tenant_id, self._events(organizer_aad_id),
                                   {**event, "transactionId": transaction_id})
        return {"id": created["id"], "joinUrl": (created.get("onlineMeeting") or {}).get("joinUrl", "")}

    async def update_event(self, tenant_id: str, organizer_aad_id: str, event_id: str, event: dict) -> dict:
        """PATCH /users/{organizer}/events/{id}: new time, subject or attendees; Exchange sends the updates."""
        updated = await self._call("PATCH", tenant_id, f"{self._events(organizer_aad_id)}/{_segment(event_id)}",
                                   event)
        return {"id": updated.get("id", event_id), "joinUrl": (updated.get("onlineMeeting") or {}).get("joinUrl", "")}

    async def cancel_event(self, tenant_id: str, organizer_aad_id: str, event_id: str, comment: str) -> None:
        """POST /users/{organizer}/events/{id}/cancel: the attendees get a cancellation. An event
        already gone (404) counts as cancelled, so a retry is harmless."""
        try:
            await self._call("POST", tenant_id, f"{self._events(organizer_aad_id)}/{_segment(event_id)}/cancel",
                             {"comment": comment})
        except GraphError as error:
            if error.status != 404:
                raise

    async def online_meeting_id(self, tenant_id: str, organizer_aad_id: str, join_url: str) -> str:
        """The onlineMeeting id of a calendar event's Teams meeting (attendance reports hang off it):
        GET /users/{organizer}/onlineMeetings?$filter=JoinWebUrl eq '{join url}'. GraphError 404 if none."""
        condition = "JoinWebUrl eq '{}'".format(join_url.replace("'", "''"))
        path = f"/users/{_segment(organizer_aad_id)}/onlineMeetings?$filter={quote(condition, safe='')}"
        for meeting in (await self._call("GET", tenant_id, path)).get("value") or []:
            if meeting.get("id"):
                return meeting["id"]
        raise GraphError(404, "NotFound", "the Teams meeting of this workshop was not found")

    async def attendance_reports(self, tenant_id: str, organizer_aad_id: str, meeting_id: str) -> list[dict]:
        """The newest attendance report's records:
        GET /users/{organizer}/onlineMeetings/{id}/attendanceReports, then
        GET .../attendanceReports/{reportId}/attendanceRecords (following @odata.nextLink).
        Each record: aadObjectId, name, email, totalSeconds, joined, left (ISO strings as Graph gives them)."""
        reports_path = (f"/users/{_segment(organizer_aad_id)}/onlineMeetings/{_segment(meeting_id)}"
                        "/attendanceReports")
        reports = (await self._call("GET", tenant_id, reports_path)).get("value") or []
        if not reports:
            return []
        newest = max(reports, key=lambda r: r.get("meetingStartDateTime") or "")
        records, url = [], f"{reports_path}/{_segment(newest['id'])}/attendanceRecords"
        while url:
            page = await self._call("GET", tenant_id, url)
            records.extend(page.get("value") or [])
            url = page.get("@odata.nextLink") or ""
            if url and not url.startswith(self.base_url + "/"):  # never send the token elsewhere
                raise GraphUnavailable(f"unexpected next page address {url[:80]}")
        return [_attendee(record) for record in records]

    async def app_catalog_id(self, tenant_id: str, team_id: str, external_app_id: str) -> str:
        """The catalog id (teamsApp.id) of our app as installed in a team:
        GET /teams/{team}/installedApps?$expand=teamsApp,teamsAppDefinition
        &$filter=teamsApp/externalId eq '{manifest id}'. GraphError 404 when it is not installed."""
        condition = "teamsApp/externalId eq '{}'".format(external_app_id.replace("'", "''"))
        path = (f"/teams/{_segment(team_id)}/installedApps?$expand=teamsApp,teamsAppDefinition"
                f"&$filter={quote(condition, safe='')}")
        for installation in (await self._call("GET", tenant_id, path)).get("value") or []:
            catalog_id = (installation.get("teamsApp") or {}).get("id") or \
                (installation.get("teamsAppDefinition") or {}).get("teamsAppId")
            if catalog_id:
                return catalog_id
        raise GraphError(404, "AppNotInstalled",
                         "the Workshops app is not installed in this team; add it to the team, then try again")

    async def published_app_id(self, tenant_id: str, external_app_id: str) -> str:
        """The catalog id of our app in the organisation's app catalog:
        GET /appCatalogs/teamsApps?$filter=externalId eq '{manifest id}'. GraphError 404 when it is not there."""
        condition = "externalId eq '{}'".format(external_app_id.replace("'", "''"))
        for app in (await self._call("GET", tenant_id, f"/appCatalogs/teamsApps?$filter={quote(condition, safe='')}")
                    ).get("value") or []:
            if app.get("id"):
                return app["id"]
        raise GraphError(404, "AppNotInCatalog", "the Workshops app is not in the organisation's app catalog")

    async def install_in_chat(self, tenant_id: str, chat_id: str, catalog_app_id: str,
                              chat_permissions: list[str]) -> None:
        """POST /chats/{chat}/installedApps: the app in a meeting's chat (so it is in the meeting), consenting
        the chat's resource-specific permissions it needs. Already installed (409) counts as done."""
        try:
            await self._call("POST", tenant_id, f"/chats/{_segment(chat_id)}/installedApps", {
                "teamsApp@odata.bind": APP_CATALOG_BIND.format(catalog_app_id),
                "consentedPermissionSet": {"resourceSpecificPermissions": [
                    {"permissionValue": name, "permissionType": "application"} for name in chat_permissions]},
            })
        except GraphError as error:
            if error.status != 409:
                raise

    async def pin_tab(self, tenant_id: str, team_id: str, channel_id: str, catalog_app_id: str,
                      display_name: str, entity_id: str, content_url: str, website_url: str) -> dict:
        """POST /teams/{team}/channels/{channel}/tabs bound to the app's catalog id. Returns {"id", "webUrl"}."""
        tab = await self._call("POST", tenant_id, f"/teams/{_segment(team_id)}/channels/{_segment(channel_id)}/tabs", {
            "displayName": display_name,
            "teamsApp@odata.bind": APP_CATALOG_BIND.format(catalog_app_id),
            "configuration": {"entityId": entity_id, "contentUrl": content_url,
                              "websiteUrl": website_url, "removeUrl": None},
        })
        return {"id": tab["id"], "webUrl": tab.get("webUrl", "")}


def _attendee(record: dict) -> dict:
    identity = record.get("identity") or {}
    intervals = record.get("attendanceIntervals") or []
    joins = [i["joinDateTime"] for i in intervals if i.get("joinDateTime")]
    leaves = [i["leaveDateTime"] for i in intervals if i.get("leaveDateTime")]
    return {
        "aadObjectId": identity.get("id") or "",
        "name": identity.get("displayName") or "",
        "email": record.get("emailAddress") or "",
        "totalSeconds": record.get("totalAttendanceInSeconds") or 0,
        "joined": min(joins, key=_when) if joins else None,
        "left": max(leaves, key=_when) if leaves else None,
    }


def event_body(subject: str, start: datetime, end: datetime, attendees: list[dict], html: str) -> dict:
    """A calendar event with a Teams meeting; `attendees` are {"email", "name", "required"}."""
    return {
        "subject": subject, "body": {"contentType": "HTML", "content": html},
        "start": {"dateTime": _utc(start)[:-1], "timeZone": "UTC"},
        "end": {"dateTime": _utc(end)[:-1], "timeZone": "UTC"},
        "attendees": [{"emailAddress": {"address": a["email"], "name": a["name"]},
                       "type": "required" if a["required"] else "optional"} for a in attendees],
        "isOnlineMeeting": True, "onlineMeetingProvider": "teamsForBusiness",
    }


def graph_from_settings(settings) -> Optional[GraphClient]:
    """A GraphClient when the bot has an app id and password, or a managed identity
    (`managed_identity_client_id`: tokens from its identity endpoint), else None (Graph is off).

    Optional settings: graph_base_url, aad_authority_host, aad_ca_file (a CA bundle for a
    stand-in Azure AD with a self-signed certificate)."""
    if settings.app_id and settings.app_password:
        tokens = TokenProvider(settings.app_id, settings.app_password,
                               authority_host=settings.aad_authority_host or AUTHORITY_HOST,
                               verify=settings.aad_ca_file or True)
    elif settings.managed_identity_client_id:
        from runtime.identity import managed_identity

        tokens = TokenProvider(settings.managed_identity_client_id, "", credential=managed_identity(settings),
                               home_tenant=settings.app_tenant_id)
    else:
        return None
    from .telemetry import TracedGraphClient  # a span per Graph call

    return TracedGraphClient(tokens, base_url=settings.graph_base_url or GRAPH_URL)
