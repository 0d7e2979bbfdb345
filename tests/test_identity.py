"""Cosmos DB and Microsoft Graph through the bot's managed identity when no key or secret is configured,
against a local stand-in of the App Service / Container Apps identity endpoint (tests/plugins/identity.py),
the Graph stand-in (tests/plugins/graph.py) and the local Cosmos DB server."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from graph.client import GraphUnavailable, event_body, graph_from_settings
from runtime.settings import Settings
from store import PROJECT_DATA, StoreUnavailable, open_store
from tests.plugins.botapp import Harness, serving
from tests.plugins.graph import TENANT
from tests.plugins.identity import API_VERSION, CLIENT_ID
from tests.test_auth import KeyServer, RecordingConnector, bearer, sign

START = datetime.now(timezone.utc) + timedelta(days=3)


def cutover_event(start: datetime) -> dict:
    """A one-hour event, as scheduling makes one."""
    return event_body("Cutover", start, start + timedelta(hours=1), [], "<p>Cutover</p>")


def msi(**overrides) -> Settings:
    """A bot deployed as infra/ deploys it: a user-assigned managed identity, no password, no Cosmos DB key."""
    return Settings(app_id=CLIENT_ID, app_type="UserAssignedMSI", app_tenant_id=TENANT, **overrides)


def keyless(cosmos_server) -> Settings:
    return dataclasses.replace(cosmos_server.settings(), cosmos_key="", azure_client_id=CLIENT_ID)


@pytest.fixture
def graph_on_identity(identity_endpoint, graph_server):
    graph_server.reset()
    identity_endpoint.accepted_by.append(graph_server.tokens)
    identity_endpoint.tenant = TENANT
    return graph_server


async def test_graph_gets_its_token_from_the_identity_endpoint(identity_endpoint, graph_on_identity):
    client = graph_from_settings(msi(graph_base_url=graph_on_identity.graph_url))
    assert client is not None, "Graph must be on with a managed identity and no password"
    try:
        for _ in range(2):
            meeting = await client.create_event(TENANT, "organizer-1", cutover_event(START), "tx-1")
    finally:
        await client.close()
    assert meeting["joinUrl"]
    query, headers = identity_endpoint.requests[0]
    assert query == {"api-version": API_VERSION, "resource": "https://graph.microsoft.com", "client_id": CLIENT_ID}
    assert headers["X-IDENTITY-HEADER"] == identity_endpoint.header
    assert len(identity_endpoint.requests) == 1, "the token is cached, not asked for on every call"
    (token,) = identity_endpoint.issued
    assert graph_on_identity.graph_requests("POST", "/events")[-1].headers["Authorization"] == f"Bearer {token}"
    assert graph_on_identity.token_calls == [], "no client-credentials sign-in without a secret"


async def test_a_refused_identity_is_a_graph_failure_a_user_can_read(identity_endpoint, graph_on_identity):
    identity_endpoint.refuse = True
    client = graph_from_settings(msi(graph_base_url=graph_on_identity.graph_url))
    try:
        with pytest.raises(GraphUnavailable) as failure:
            await client.create_event(TENANT, "organizer-1", cutover_event(START), "tx-1")
    finally:
        await client.close()
    assert str(failure.value).startswith("Microsoft Graph is not answering right now")
    assert "managed identity" in failure.value.reason
    assert graph_on_identity.requests == [], "nothing is sent to Graph without a token"


async def test_graph_on_a_managed_identity_stays_in_its_own_tenant(identity_endpoint, graph_on_identity):
    client = graph_from_settings(msi(graph_base_url=graph_on_identity.graph_url))
    try:
        with pytest.raises(GraphUnavailable, match="own tenant"):
            await client.create_event("another-tenant", "organizer-1", cutover_event(START), "tx-1")
    finally:
        await client.close()
    assert identity_endpoint.requests == []


async def test_a_client_secret_still_wins_over_the_identity(identity_endpoint, graph_server):
    graph_server.reset()
    client = graph_from_settings(Settings(app_id=graph_server.client_id, app_password=graph_server.client_secret,
                                          aad_authority_host=graph_server.aad_url, aad_ca_file=str(graph_server.cert_file),
                                          graph_base_url=graph_server.graph_url, azure_client_id=CLIENT_ID))
    try:
        await client.create_event(TENANT, "organizer-1", cutover_event(START), "tx-1")
    finally:
        await client.close()
    assert len(graph_server.token_calls) == 1 and identity_endpoint.requests == []


async def test_cosmos_db_without_a_key_signs_in_with_the_managed_identity(identity_endpoint, cosmos_server):
    settings = keyless(cosmos_server)
    assert settings.store_backend == "cosmos"
    store = await open_store(settings)
    try:
        await store.create(PROJECT_DATA, {"id": "project", "projectId": "team-1", "type": "project"})
        assert (await store.get(PROJECT_DATA, "team-1", "project"))["type"] == "project"
    finally:
        await store.close()
    # The SDK asks for the account's own scope (https://<account host>/.default): here the loopback host.
    assert set(identity_endpoint.resources()) == {"https://127.0.0.1"}
    query, headers = identity_endpoint.requests[0]
    assert (query["api-version"], query["client_id"]) == (API_VERSION, CLIENT_ID)
    assert headers["X-IDENTITY-HEADER"] == identity_endpoint.header
    assert len(identity_endpoint.requests) == 1, "one token for the whole session, cached by the credential"


async def test_cosmos_db_with_a_refused_identity_does_not_start(identity_endpoint, cosmos_server):
    identity_endpoint.refuse = True
    with pytest.raises(StoreUnavailable):
        await open_store(keyless(cosmos_server))


async def test_a_cosmos_db_key_is_used_as_before(identity_endpoint, cosmos_server):
    store = await open_store(cosmos_server.settings(azure_client_id=CLIENT_ID))
    try:
        assert await store.ping()
    finally:
        await store.close()
    assert identity_endpoint.requests == []


@pytest.fixture
async def recording_connector():
    async with serving(RecordingConnector()) as stand_in:
        stand_in.clear()
        yield stand_in


async def test_the_bot_as_infra_deploys_it_answers_with_no_password_and_no_key(
        identity_endpoint, cosmos_server, app_client, recording_connector):
    """MicrosoftAppType UserAssignedMSI, no MicrosoftAppPassword, no COSMOS_KEY: the Bot Framework token checked
    as always, the reply sent with the identity's token for the Bot Framework, the store on Cosmos DB."""
    keys = KeyServer().start()
    try:
        settings = dataclasses.replace(keyless(cosmos_server), app_id=CLIENT_ID, app_type="UserAssignedMSI",
                                       app_tenant_id=TENANT, openid_metadata_url=keys.url,
                                       signing_secret_configured=True)
        bot = Harness(await app_client(settings), recording_connector, "personal")
        response = await bot.post(bot.message("help"), headers=bearer(sign(recording_connector.url, aud=CLIENT_ID)))
        assert response.status == 201, await response.text()
        assert recording_connector.sent, "the bot answered"
    finally:
        keys.stop()
    tokens = {token: resource for token, resource in identity_endpoint.issued.items()}
    [bot_framework_token] = [t for t, resource in tokens.items() if resource == "https://api.botframework.com"]
    assert set(recording_connector.authorizations) == {f"Bearer {bot_framework_token}"}
    assert "https://127.0.0.1" in tokens.values(), "the store signed in with the identity too"
    assert all(query["client_id"] == CLIENT_ID for query, _ in identity_endpoint.requests)
