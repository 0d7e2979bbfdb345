"""The HTTP endpoint: bad requests get a 4xx with a JSON error, never a 5xx; auth fails closed."""

import json

import pytest

from tests.plugins.botapp import Harness


@pytest.mark.parametrize(
    "raw, content_type, status, code",
    [
        (b"", "application/json", 400, "EmptyBody"),
        (b"   ", "application/json", 400, "EmptyBody"),
        (b"{not json", "application/json", 400, "InvalidJson"),
        (b"\xff\xfe", "application/json", 400, "InvalidJson"),
        (b"[1, 2]", "application/json", 400, "NotAnActivity"),
        (b'"message"', "application/json", 400, "NotAnActivity"),
        (b"{}", "application/json", 400, "MissingType"),
        (b'{"type": 5}', "application/json", 400, "MissingType"),
        (b'{"type": "message", "text": "hi"}', "text/plain", 415, "UnsupportedMediaType"),
        (b'{"type": "message", "text": "hi"}', "application/x-www-form-urlencoded", 415, "UnsupportedMediaType"),
        (b'{"type": "message", "timestamp": "not a date", "from": 3}', "application/json", 400, "InvalidActivity"),
    ],
)
async def test_bad_requests_get_a_json_4xx(personal_bot: Harness, raw, content_type, status, code):
    response = await personal_bot.post(None, raw=raw, headers={"Content-Type": content_type})
    assert response.status == status
    body = await response.json()
    assert body["error"]["code"] == code
    assert body["error"]["message"]


async def test_oversized_body_is_refused_with_413(personal_bot: Harness):
    big = json.dumps(personal_bot.message("x" * (300 * 1024)))
    response = await personal_bot.post(None, raw=big.encode())
    assert response.status == 413
    assert (await response.json())["error"]["code"] == "TooLarge"


async def test_unknown_route_and_wrong_method_answer_in_json(personal_bot: Harness):
    missing = await personal_bot.client.get("/nope")
    assert missing.status == 404
    assert "error" in await missing.json()
    wrong = await personal_bot.client.get("/api/messages")
    assert wrong.status == 405
    assert "error" in await wrong.json()


async def test_healthz_reports_status_version_and_store(personal_bot: Harness):
    response = await personal_bot.client.get("/healthz")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "ok"
    assert body["version"]
    assert body["store"]["backend"] == "sqlite"
    assert body["store"]["ok"] is True


async def test_message_turn_is_accepted(personal_bot: Harness):
    response = await personal_bot.post(personal_bot.message("help"))
    assert response.status == 201


@pytest.mark.parametrize(
    "value, code",
    [
        (None, "BadRequest"),
        ("text", "BadRequest"),
        ({}, "BadRequest"),
        ({"action": "x"}, "BadRequest"),
        ({"action": {"type": "Action.Submit", "verb": "x"}}, "BadRequest"),
        ({"action": {"type": "Action.Execute"}}, "BadRequest"),
        ({"action": {"type": "Action.Execute", "verb": "approve", "data": [1]}}, "BadRequest"),
        ({"action": {"type": "Action.Execute", "verb": "no-such-verb", "data": {}}}, "NotSupported"),
    ],
)
async def test_malformed_card_actions_get_an_error_body_not_a_500(personal_bot: Harness, value, code):
    status, body = await personal_bot.invoke("adaptiveCard/action", value)
    assert status == 400
    assert body["statusCode"] == 400
    assert body["type"] == "application/vnd.microsoft.error"
    assert body["value"]["code"] == code


async def test_an_invoke_answer_is_compact_utf8_json_with_its_letters_as_they_are(personal_bot: Harness):
    response = await personal_bot.post(personal_bot.activity("invoke", name="adaptiveCard/action", locale="de-DE",
                                                             value={"action": {"type": "Action.Execute",
                                                                               "verb": "agenda.refresh",
                                                                               "data": {"workshopId": "cutover"}}}))
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    raw = await response.read()
    assert "öffnen".encode() in raw and b"\\u" not in raw and b'": ' not in raw
    assert json.loads(raw)["value"].startswith("Diese Agenda gibt es nicht mehr.")


async def test_unknown_invoke_gets_the_protocols_not_implemented(personal_bot: Harness):
    response = await personal_bot.post(personal_bot.activity("invoke", name="no/such-invoke", value={}))
    assert response.status == 501


class TestWithAppId:
    """With an app id configured, nothing unsigned gets in, even when the signing keys cannot be fetched."""

    @pytest.fixture
    async def secured(self, app_client, connector, unused_tcp_port) -> Harness:
        # Keys are looked up on a loopback port where nothing listens: the check must fail closed.
        client = await app_client(app_id="11111111-2222-3333-4444-555555555555", app_password="secret",
                                  openid_metadata_url=f"http://127.0.0.1:{unused_tcp_port}/openid")
        connector.clear()
        return Harness(client, connector, "personal")

    async def test_no_token_is_401(self, secured: Harness, connector):
        response = await secured.post(secured.message("help"))
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "Unauthorized"
        assert connector.sent == []

    async def test_forged_token_is_401_even_without_reachable_keys(self, secured: Harness, connector):
        forged = ("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZvcmdlZCJ9."
                  "eyJpc3MiOiJodHRwczovL2FwaS5ib3RmcmFtZXdvcmsuY29tIiwiYXVkIjoiMTExMTExMTEtMjIyMi0zMzMzLTQ0NDQtNTU1NTU1NTU1NTU1In0."
                  "c2lnbmF0dXJl")
        response = await secured.post(secured.message("help"), headers={"Authorization": f"Bearer {forged}"})
        assert response.status == 401
        assert connector.sent == []

    async def test_garbage_authorization_header_is_401(self, secured: Harness, connector):
        response = await secured.post(secured.message("help"), headers={"Authorization": "Basic Zm9vOmJhcg=="})
        assert response.status == 401
        assert connector.sent == []


@pytest.mark.parametrize("path, heading", [("/privacy", "Privacy"), ("/terms", "Terms of use")])
async def test_privacy_and_terms_pages_linked_from_the_manifest_are_served(personal_bot: Harness, path, heading):
    response = await personal_bot.client.get(path)
    assert response.status == 200
    assert response.content_type == "text/html"
    assert f"<h1>{heading}</h1>" in await response.text()
