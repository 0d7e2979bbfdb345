"""The real Bot Framework token check, end to end through the app and botbuilder's CloudAdapter.

Signing keys come from a local stand-in for the Bot Framework's OpenID metadata (BOT_OPENID_METADATA points
at it); tokens are signed here with those keys, carrying the claims Teams' channel tokens carry. The one
outgoing call that would leave the machine, the bot's own token request to Microsoft Entra ID (made by
MSAL), is answered by a stand-in MSAL client, so an accepted turn's reply reaches the connector stand-in
with a token we can recognise.

botbuilder 4.17.1 caches keys per metadata URL for the whole process, so every test serves its keys under
a URL of its own.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Optional

import jwt
import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.plugins.botapp import Connector, Harness, serving

APP_ID = "11111111-2222-3333-4444-555555555555"
CHANNEL_ISSUER = "https://api.botframework.com"  # the `iss` of every token the Bot Framework channel signs
OUTGOING_TOKEN = "token-from-the-entra-stand-in"

# RSA keys are slow to make; three are enough for every test.
TRUSTED_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROTATED_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def jwk(private_key, kid: str, endorsements: list[str]) -> dict:
    """A public key as the Bot Framework's JWKS lists it: endorsements name the channels it signs for."""
    key = json.loads(RSAAlgorithm.to_jwk(private_key.public_key()))
    return {**key, "kid": kid, "use": "sig", "alg": "RS256", "endorsements": endorsements}


class KeyServer:
    """The OpenID configuration document and its JWKS, served on 127.0.0.1.

    It runs on its own thread and event loop: botbuilder fetches keys with blocking `requests` calls from
    inside the request handler, so a server on the test's own loop could never answer."""

    def __init__(self):
        self.prefix = f"/{uuid.uuid4().hex}"
        self.keys: list[dict] = [jwk(TRUSTED_KEY, "key-1", ["msteams"])]
        self.fail_with: Optional[int] = None  # answer every request with this status instead
        self.url = ""  # the metadata document's URL, once started
        self._loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="openid-stand-in", daemon=True)

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get(f"{self.prefix}/v1/.well-known/openidconfiguration", self._configuration)
        app.router.add_get(f"{self.prefix}/v1/.well-known/keys", self._jwks)
        return app

    async def _configuration(self, request: web.Request) -> web.Response:
        if self.fail_with:
            return web.Response(status=self.fail_with)
        base = f"{request.scheme}://{request.host}{self.prefix}"
        return web.json_response({"issuer": CHANNEL_ISSUER, "authorization_endpoint": f"{base}/v1/authorize",
                                  "jwks_uri": f"{base}/v1/.well-known/keys",
                                  "id_token_signing_alg_values_supported": ["RS256"],
                                  "token_endpoint_auth_methods_supported": ["private_key_jwt"]})

    async def _jwks(self, _request: web.Request) -> web.Response:
        if self.fail_with:
            return web.Response(status=self.fail_with)
        return web.json_response({"keys": self.keys})

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        runner = web.AppRunner(self._app())
        self._loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, "127.0.0.1", 0)
        self._loop.run_until_complete(site.start())
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}{self.prefix}/v1/.well-known/openidconfiguration"
        self._started.set()
        self._loop.run_forever()
        self._loop.run_until_complete(runner.cleanup())
        self._loop.close()

    def start(self) -> "KeyServer":
        self._thread.start()
        assert self._started.wait(5), "the OpenID stand-in did not start"
        return self

    def stop(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)


def sign(service_url: str, key=TRUSTED_KEY, kid: str = "key-1", algorithm: str = "RS256", **claims) -> str:
    """A token as the Bot Framework channel signs it; `claims` override or (given None) remove one."""
    now = int(time.time())
    payload = {"iss": CHANNEL_ISSUER, "aud": APP_ID, "serviceurl": service_url, "nbf": now - 60, "iat": now - 60,
               "exp": now + 3600, **claims}
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key if algorithm != "none" else None, algorithm=algorithm, headers={"kid": kid})


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class EntraStandIn:
    """Stands in for MSAL's ConfidentialClientApplication, the bot's client for its own outgoing token."""

    requests: list = field(default_factory=list)  # (client_id, secret, authority, scopes)

    def client(self, client_id, client_credential=None, authority=None, **_ignored):
        stand_in = self

        class Client:
            def acquire_token_silent(self, scopes, account=None, **_kw):
                return None

            def acquire_token_for_client(self, scopes, **_kw):
                stand_in.requests.append((client_id, client_credential, authority, list(scopes)))
                return {"access_token": OUTGOING_TOKEN, "token_type": "Bearer", "expires_in": 3600}

        return Client()


@pytest.fixture(autouse=True)
def entra(monkeypatch) -> EntraStandIn:
    """No test here may reach login.microsoftonline.com."""
    stand_in = EntraStandIn()
    monkeypatch.setattr("botframework.connector.auth.microsoft_app_credentials.ConfidentialClientApplication",
                        stand_in.client)
    return stand_in


class RecordingConnector(Connector):
    """The usual connector stand-in, also noting the Authorization header of each call the bot makes."""

    def __init__(self):
        super().__init__()
        self.authorizations: list = []

    def app(self) -> web.Application:
        app = super().app()

        @web.middleware
        async def note_authorization(request, handler):
            self.authorizations.append(request.headers.get("Authorization"))
            return await handler(request)

        app.middlewares.append(note_authorization)
        return app


@pytest.fixture
async def connector():
    """A connector of this module's own, so the headers it saw belong to this test alone."""
    stand_in = RecordingConnector()
    stand_in.clear()
    async with serving(stand_in):
        yield stand_in


@pytest.fixture
def keys():
    server = KeyServer().start()
    yield server
    server.stop()


@pytest.fixture
async def secured(app_client, connector, keys) -> Harness:
    client = await app_client(app_id=APP_ID, app_password="secret", openid_metadata_url=keys.url)
    return Harness(client, connector, "personal")


async def refused(response, connector) -> None:
    """A refusal: 401, the JSON error body, and nothing at all sent on the bot's behalf."""
    assert response.status == 401, await response.text()
    body = await response.json()
    assert body["error"]["code"] == "Unauthorized"
    assert body["error"]["message"]
    assert connector.sent == [] and connector.authorizations == []


# Refused


async def test_no_token_is_refused(secured: Harness, connector):
    await refused(await secured.post(secured.message("help")), connector)


@pytest.mark.parametrize("header", ["Bearer not-a-jwt", "Bearer ", "Basic Zm9vOmJhcg==", "garbage"])
async def test_garbage_authorization_is_refused(secured: Harness, connector, header):
    await refused(await secured.post(secured.message("help"), headers={"Authorization": header}), connector)


@pytest.mark.parametrize("kid", ["key-1", "unknown-kid"], ids=["claiming-the-published-kid", "unpublished-kid"])
async def test_token_signed_by_a_key_not_in_the_jwks_is_refused(secured: Harness, connector, kid):
    forged = sign(connector.url, key=OTHER_KEY, kid=kid)
    await refused(await secured.post(secured.message("help"), headers=bearer(forged)), connector)


async def test_unsigned_token_is_refused(secured: Harness, connector):
    unsigned = sign(connector.url, algorithm="none")
    await refused(await secured.post(secured.message("help"), headers=bearer(unsigned)), connector)


async def test_expired_token_is_refused(secured: Harness, connector):
    # botbuilder allows five minutes of clock skew; this one expired ten minutes ago.
    now = int(time.time())
    expired = sign(connector.url, iat=now - 3600, nbf=now - 3600, exp=now - 600)
    await refused(await secured.post(secured.message("help"), headers=bearer(expired)), connector)


@pytest.mark.parametrize("audience", ["99999999-8888-7777-6666-555555555555", None], ids=["another-bot", "missing"])
async def test_token_for_another_audience_is_refused(secured: Harness, connector, audience):
    token = sign(connector.url, aud=audience)
    await refused(await secured.post(secured.message("help"), headers=bearer(token)), connector)


@pytest.mark.parametrize("issuer", ["https://evil.example", "https://api.botframework.com.evil.example"])
async def test_token_from_another_issuer_is_refused(secured: Harness, connector, issuer):
    token = sign(connector.url, iss=issuer)
    await refused(await secured.post(secured.message("help"), headers=bearer(token)), connector)


@pytest.mark.parametrize("claim", ["https://smba.evil.example/", None], ids=["different", "missing"])
async def test_token_whose_serviceurl_is_not_the_activitys_is_refused(secured: Harness, connector, claim):
    # A token captured from one conversation cannot send the bot's replies (and its token) elsewhere.
    token = sign(connector.url, serviceurl=claim)
    await refused(await secured.post(secured.message("help"), headers=bearer(token)), connector)


async def test_key_not_endorsed_for_teams_is_refused(secured: Harness, connector, keys):
    keys.keys = [jwk(TRUSTED_KEY, "key-1", ["webchat"])]
    await refused(await secured.post(secured.message("help"), headers=bearer(sign(connector.url))), connector)


# Fails closed when the keys cannot be had


async def test_metadata_server_down_is_refused_not_a_5xx(app_client, connector, keys):
    keys.stop()  # its port now refuses connections
    client = await app_client(app_id=APP_ID, app_password="secret", openid_metadata_url=keys.url)
    bot = Harness(client, connector, "personal")
    await refused(await bot.post(bot.message("help"), headers=bearer(sign(connector.url))), connector)


@pytest.mark.parametrize("status", [404, 500, 503])
async def test_metadata_server_failing_is_refused_not_a_5xx(secured: Harness, connector, keys, status):
    keys.fail_with = status
    await refused(await secured.post(secured.message("help"), headers=bearer(sign(connector.url))), connector)


# Accepted


async def test_correctly_signed_token_is_accepted_and_the_reply_reaches_the_connector(secured: Harness, connector):
    message = secured.message("help")
    response = await secured.post(message, headers=bearer(sign(connector.url)))
    assert response.status == 201, await response.text()
    assert connector.sent, "the bot did not reply"
    assert {sent["_conversation"] for sent in connector.sent} == {message["conversation"]["id"]}


async def test_reply_carries_the_bots_own_token_for_the_bot_framework(secured: Harness, connector, entra):
    response = await secured.post(secured.message("help"), headers=bearer(sign(connector.url)))
    assert response.status == 201, await response.text()
    assert connector.authorizations and set(connector.authorizations) == {f"Bearer {OUTGOING_TOKEN}"}
    # Asked of the public cloud's Bot Framework tenant, for the Bot Framework API, as this app.
    assert {(client_id, secret, authority) for client_id, secret, authority, _ in entra.requests} == {
        (APP_ID, "secret", "https://login.microsoftonline.com/botframework.com")}
    assert {scope for *_, scopes in entra.requests for scope in scopes} == {"https://api.botframework.com/.default"}
