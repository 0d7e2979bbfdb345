"""Connector clients pooled for the process: what makes a turn cheap (see the notes below)."""

from __future__ import annotations

import asyncio
import base64
import collections
import json
import time
import weakref
from typing import Optional

import aiohttp
from botbuilder.schema import Activity
from botframework.connector import ConnectorClient
from botframework.connector.auth import (AppCredentials, AuthenticateRequestResult, AuthenticationConstants,
                                         BotFrameworkAuthentication,
                                         ClaimsIdentity, ConnectorFactory, UserTokenClient)
from msrest import Serializer
from msrest.exceptions import ClientRequestError
from msrest.pipeline import AsyncHTTPPolicy, AsyncHTTPSender, AsyncPipeline, Request, Response
from msrest.pipeline.universal import RawDeserializer
from msrest.universal_http import AsyncClientResponse, ClientRequest
from multidict import CIMultiDict

from cards.common import Card
from dialogs.replies import SentBuiltCard, SentCard
from runtime.retry import retry_after_seconds
from runtime.settings import proxy_configured
from .wire import ActivityWriter, is_plain_json, json_bytes


# Connector clients ------------------------------------------------------------------------------------
#
# botbuilder 4.17's CloudAdapter builds a new ConnectorClient and a new UserTokenClient for every turn. Each
# builds an msrest Configuration (its retry settings alone scan a 999 x 501 list: ~6 ms of CPU here, twice a
# turn), new credentials (so, with an app id, a new MSAL app with an empty token cache: a blocking token
# request to Entra ID on the event loop, every turn) and a `requests` session reached through a thread pool
# (a new TCP connection per turn). Then msrest reads, validates and serialises every node of an outgoing
# Adaptive Card, three passes in pure Python. Measured in bench/RESULTS.md (`python -m bench`; profile a turn
# with `python -m bench.profile help`). Here, with no change to what is sent:
#
# - one ConnectorClient per (service URL, audience, app id) for the process (LRU, MAX_CONNECTOR_CLIENTS)
#   and one UserTokenClient per app id. A client never serves another service URL than its own; the
#   credentials it holds are the ones botbuilder would have built for that key.
# - their calls go through one pooled aiohttp session per event loop (keep-alive, no cookie jar, no
#   default headers or auth, so nothing carries over between service URLs or conversations), with the
#   retries msrest's urllib3 sender made, three times with 0/1.6/3.2 s back-off: connection failures for
#   any method, and 408/5xx (not 501/505, 503's Retry-After honoured) for reads and deletes only. Sends
#   (POST) and card updates (PUT, the connector's only one) are retried on a status by bot/sending.py's
#   SendPolicy alone: were they retried here too, a failing update would be tried 4 x 5 times.
# - the bot's own token (MSAL) is fetched on a worker thread, once for all concurrent callers, and reused
#   until five minutes before its `exp`; MSAL's cache still decides when a new token is really requested.
# - an outgoing activity's attachment contents that are plain JSON (our cards) are put into the body as they
#   are, not walked by msrest (_CardSerializer); anything else is serialised by msrest as before.
#
# Clients whose credentials are not botbuilder AppCredentials keep msrest's own pipeline (still cached).

MAX_CONNECTOR_CLIENTS = 512
MAX_USER_TOKEN_CLIENTS = 16
TOKEN_REFRESH_MARGIN = 300.0  # seconds before `exp` at which a new token is asked for
_RETRIES = 3
_BACKOFF = 0.8  # urllib3: no wait after the first failure, then 0.8 * 2 ** (failures - 1) seconds
_STATUS_RETRIED = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "TRACE"})  # idempotent, less PUT (see above)
_RETRY_STATUSES = frozenset({408, *range(500, 999)}) - {501, 505}

_sessions: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession]" = weakref.WeakKeyDictionary()
_session_keepers: set = set()


def _pooled_session() -> aiohttp.ClientSession:
    """The event loop's one client session for the connector, closed when the loop's tasks are cancelled at
    shutdown (aiohttp's run_app and asyncio.run both do that)."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        # Proxies from the environment are honoured as msrest's `requests` sender did; trust_env costs two
        # thread hops per request in aiohttp, so it is on only when a proxy is configured.
        session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar(),
                                        trust_env=proxy_configured())
        _sessions[loop] = session
        keeper = loop.create_task(_close_on_shutdown(session), name="connector-session")
        _session_keepers.add(keeper)
        keeper.add_done_callback(_session_keepers.discard)
    return session


async def _close_on_shutdown(session: aiohttp.ClientSession) -> None:
    try:
        await asyncio.Future()
    finally:
        await session.close()


def _jwt_expiry(token: str) -> Optional[float]:
    """A JWT's `exp` (read, not verified: it is our own token, only used to know when to ask again)."""
    try:
        payload = token.split(".")[1]
        return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return None


class _BotToken(AsyncHTTPPolicy):
    """Adds `Authorization: Bearer <the bot's token>` as botbuilder's credentials would, without blocking the
    event loop: MSAL runs on a worker thread, once for all concurrent callers."""

    def __init__(self, credentials: AppCredentials):
        super().__init__()
        self._credentials = credentials
        self._wanted = bool(credentials._should_set_token(None))  # pylint: disable=protected-access
        self._token: Optional[str] = None
        self._refresh_at = 0.0
        self._pending: Optional[asyncio.Future] = None

    async def send(self, request: Request, **kwargs) -> Response:
        headers = request.http_request.headers
        if self._wanted:
            headers["Authorization"] = f"Bearer {await self._current()}"
        else:
            headers.pop("Authorization", None)
        return await self.next.send(request, **kwargs)

    async def _current(self) -> str:
        if self._token is not None and time.time() < self._refresh_at:
            return self._token
        loop = asyncio.get_running_loop()
        if self._pending is None or self._pending.get_loop() is not loop:
            self._pending = loop.create_task(self._refresh())
        pending = self._pending
        try:
            return await asyncio.shield(pending)
        finally:
            if pending.done() and self._pending is pending:
                self._pending = None

    async def _refresh(self) -> str:
        token = await asyncio.get_running_loop().run_in_executor(None, self._credentials.get_access_token)
        now, expires = time.time(), _jwt_expiry(token)
        self._token = token
        self._refresh_at = max(now + 30, expires - TOKEN_REFRESH_MARGIN) if expires else now + TOKEN_REFRESH_MARGIN
        return token


class _PooledResponse(AsyncClientResponse):
    """An answer read whole, in the shape msrest's deserialisers and error types read."""

    def __init__(self, request: ClientRequest, raw: aiohttp.ClientResponse, body: bytes):
        super().__init__(request, raw)
        self.status_code, self.reason, self.headers = raw.status, raw.reason, CIMultiDict(raw.headers)
        self._body = body

    def body(self) -> bytes:
        return self._body

    def stream_download(self, chunk_size=None, callback=None):
        async def chunks():
            size = chunk_size or 10 * 1024
            for start in range(0, len(self._body), size):
                chunk = self._body[start:start + size]
                if callback:
                    callback(chunk, self)
                yield chunk

        return chunks()


class _PooledSender(AsyncHTTPSender):
    """Sends msrest requests through the loop's pooled aiohttp session."""

    def __init__(self, timeout: float):
        self._timeout = aiohttp.ClientTimeout(sock_connect=timeout, sock_read=timeout)

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc_details):
        return None

    async def send(self, request: Request, **config) -> Response:
        http = request.http_request
        if http.files:
            raise ClientRequestError("multipart uploads are not supported by the pooled connector sender")
        data = http.data.encode("utf-8") if isinstance(http.data, str) else http.data
        headers = {k: v for k, v in http.headers.items() if k.lower() != "content-length"}  # aiohttp sets it
        for attempt in range(_RETRIES + 1):
            wait = 0.0 if attempt == 0 else _BACKOFF * 2 ** attempt  # after this attempt fails: 0, 1.6, 3.2 s
            try:
                async with _pooled_session().request(http.method, http.url, data=data, headers=headers,
                                                     timeout=self._timeout, allow_redirects=True) as raw:
                    body = await raw.read()
                    if attempt < _RETRIES and http.method in _STATUS_RETRIED and raw.status in _RETRY_STATUSES:
                        retry_after = retry_after_seconds(raw.headers.get("Retry-After")) if raw.status == 503 else None
                        await asyncio.sleep(wait if retry_after is None else retry_after)
                        continue
                    return Response(request, _PooledResponse(http, raw, body))
            except aiohttp.ClientConnectorError as error:  # nothing was sent: safe to retry any method
                if attempt == _RETRIES:
                    raise ClientRequestError(f"Error occurred in request. {error}") from error
                await asyncio.sleep(wait)
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                raise ClientRequestError(f"Error occurred in request. {type(error).__name__}: {error}") from error
        raise AssertionError("unreachable")


class _CardSerializer(Serializer):
    """msrest's serializer, except that an outgoing activity is written by bot/wire.py's ActivityWriter
    (the same JSON, without msrest's walks). When the writer leaves an activity to msrest, its attachment
    contents (Adaptive Cards: plain JSON) are still kept out of msrest's walk, which would visit every node
    three times (re-read, validate, serialise) and turns a SentCard, a dict subclass, into its repr; they
    are set into the serialised body as they are. The cards the bot builds (cards.common.Card) are plain
    JSON by construction and are not even walked to check that (a setup form: ~1 ms a turn). msrest's client-side validation is skipped when no
    model it knows has a validation rule (none of botbuilder's has): it could never fail."""

    def __init__(self, classes: dict):
        super().__init__(classes)
        self.client_side_validation = any(getattr(cls, "_validation", None) for cls in self.dependencies.values())
        self.writer = ActivityWriter(self, dict_types=_CARD_DICTS, plain_types=_BUILT_CARDS)

    def body(self, data, data_type, **kwargs):
        if data_type == "Activity" and type(data) is Activity and not kwargs:
            written = self.writer(data)
            if written is not None:
                return json_bytes(written)  # msrest's add_content takes bytes as the body as they are
        attachments = getattr(data, "attachments", None) if data_type == "Activity" else None
        if not attachments or not isinstance(data, Activity):
            return super().body(data, data_type, **kwargs)
        kept = [(attachment, attachment.content) for attachment in attachments
                if isinstance(attachment.content, dict)
                and is_plain_json(attachment.content, _CARD_DICTS, _BUILT_CARDS)]
        if not kept:
            return super().body(data, data_type, **kwargs)
        for attachment, _content in kept:
            attachment.content = None
        try:
            body = super().body(data, data_type, **kwargs)
        finally:
            for attachment, content in kept:
                attachment.content = content
        serialised = body.get("attachments")
        if not isinstance(serialised, list) or len(serialised) != len(attachments):
            return super().body(data, data_type, **kwargs)  # msrest dropped one: let it do the whole thing
        for position, attachment in enumerate(attachments):
            if any(attachment is kept_attachment for kept_attachment, _ in kept):
                serialised[position]["content"] = attachment.content
        return body


_CARD_DICTS = (dict, SentCard)
_BUILT_CARDS = (Card, SentBuiltCard)  # plain JSON by construction (cards.common.Card): not walked


def _pool(client: ConnectorClient) -> ConnectorClient:
    """Route a connector client's calls through the pooled session, keeping msrest's other policies, and give
    its operations the card-aware serializer."""
    config = client.config
    if isinstance(config.credentials, AppCredentials):
        config.pipeline = AsyncPipeline(
            [config.user_agent_policy, _BotToken(config.credentials), RawDeserializer(), config.http_logger_policy],
            _PooledSender(config.connection.timeout))
    serializer = _card_serializer(client._serialize.dependencies)  # pylint: disable=protected-access
    client._serialize = client.conversations._serialize = serializer  # pylint: disable=protected-access
    return client


_SERIALIZER: Optional["_CardSerializer"] = None


def _card_serializer(dependencies: dict) -> "_CardSerializer":
    """One serializer (and ActivityWriter, with its field maps) for every client: every ConnectorClient
    knows the same botframework models."""
    global _SERIALIZER
    if _SERIALIZER is None:
        _SERIALIZER = _CardSerializer(dependencies)
    return _SERIALIZER


def _app_id(claims_identity: ClaimsIdentity) -> Optional[str]:
    """The bot's app id as botbuilder reads it from the claims (audience, else appid)."""
    app_id = claims_identity.get_claim_value(AuthenticationConstants.AUDIENCE_CLAIM)
    return app_id if app_id is not None else claims_identity.get_claim_value(AuthenticationConstants.APP_ID_CLAIM)


class _PooledConnectorFactory(ConnectorFactory):
    def __init__(self, owner: "PooledAuthentication", inner: ConnectorFactory, app_id: Optional[str]):
        self._owner, self._inner, self._app_id = owner, inner, app_id

    async def create(self, service_url: str, audience: str = None) -> ConnectorClient:
        return await self._owner.connector_client(self._inner, self._app_id, service_url, audience)


class PooledAuthentication(BotFrameworkAuthentication):
    """botbuilder's authentication, unchanged, handing out pooled connector and user-token clients."""

    def __init__(self, inner: BotFrameworkAuthentication):
        self.inner = inner
        self._clients: collections.OrderedDict = collections.OrderedDict()
        self._user_token_clients: dict = {}

    async def connector_client(self, factory: ConnectorFactory, app_id: Optional[str], service_url: str,
                               audience: Optional[str]) -> ConnectorClient:
        key = (service_url, audience, app_id)
        client = self._clients.get(key)
        if client is None:
            client = _pool(await factory.create(service_url, audience))
            self._clients[key] = client
            while len(self._clients) > MAX_CONNECTOR_CLIENTS:
                self._clients.popitem(last=False)
        else:
            self._clients.move_to_end(key)
        return client

    async def authenticate_request(self, activity: Activity, auth_header: str) -> AuthenticateRequestResult:
        result = await self.inner.authenticate_request(activity, auth_header)
        if result.connector_factory is not None:
            result.connector_factory = _PooledConnectorFactory(self, result.connector_factory,
                                                               _app_id(result.claims_identity))
        return result

    async def authenticate_streaming_request(self, auth_header: str, channel_id_header: str):
        return await self.inner.authenticate_streaming_request(auth_header, channel_id_header)

    def create_connector_factory(self, claims_identity: ClaimsIdentity) -> ConnectorFactory:
        return _PooledConnectorFactory(self, self.inner.create_connector_factory(claims_identity),
                                       _app_id(claims_identity))

    async def create_user_token_client(self, claims_identity: ClaimsIdentity) -> UserTokenClient:
        app_id = _app_id(claims_identity)  # the only part of the claims botbuilder's client depends on
        client = self._user_token_clients.get(app_id)
        if client is None:
            client = await self.inner.create_user_token_client(claims_identity)
            if len(self._user_token_clients) >= MAX_USER_TOKEN_CLIENTS:
                self._user_token_clients.clear()
            self._user_token_clients[app_id] = client
        return client

    def create_bot_framework_client(self):
        return self.inner.create_bot_framework_client()

    def get_originating_audience(self) -> str:
        return self.inner.get_originating_audience()

    async def authenticate_channel_request(self, auth_header: str) -> ClaimsIdentity:
        return await self.inner.authenticate_channel_request(auth_header)
