"""The meeting's side panel behind Teams SSO: tokens from a local OpenID stand-in, the page run in
Chromium with a stand-in Teams host answering the teams-js calls, and the change it makes in the store.

The bot that scheduled the workshop runs anonymously (so the tests can post activities); the panel is
served by a second instance of the app on the same SQLite file, with an app id and a public host, as
the bot runs in Azure."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from app import BOT, STORE
from dialogs.meeting import meeting_thread
from tests.plugins.botapp import TENANT, Harness, aad, card_of, card_text, make_settings
from tests.plugins.entra import SSO_APP_ID, SSO_HOST, entra  # noqa: F401 (the fixture)
from tests.test_meeting import scheduled
from tests.test_tabs import assert_clean, browser, close, open_page  # noqa: F401 (browser: the fixture)

STRANGER = "00000000-0000-0000-0000-000000000999"


@pytest.fixture
async def world(app_client, connector, graph, entra, tmp_path):  # noqa: F811
    connector.clear()
    graph.server.catalog[""] = "catalog-local"
    bot = Harness(await app_client(make_settings(tmp_path), graph=graph.client), connector, "channel")
    await scheduled(bot)
    (event,) = graph.server.live_events()
    panel = await app_client(make_settings(tmp_path), app_id=SSO_APP_ID, public_base_url=f"https://{SSO_HOST}",
                             sso_openid_metadata_url=entra.metadata_url)
    return bot, panel, meeting_thread(event["onlineMeeting"]["joinUrl"])


async def read(panel, thread: str, token: str | None):
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    response = await panel.get("/tabs/api/meeting", params={"chat": thread}, headers=headers)
    return response.status, await response.json()


async def outcome_of(bot: Harness) -> dict:
    team = bot.place["channelData"]["team"]["id"]
    return await bot.client.server.app[STORE].get("projects", team, "outcome:data-migration")


async def test_a_roster_member_signed_in_through_teams_sees_the_agenda(world, entra):  # noqa: F811
    _, panel, thread = world
    status, body = await read(panel, thread, entra.token(aad(4)))
    assert status == 200
    assert body["workshop"]["title"] == "Data migration strategy" and body["topics"]
    assert body["canEdit"] is False, "a customer stakeholder reads; only leads write"
    status, body = await read(panel, thread, entra.token(aad(3)))
    assert status == 200 and body["canEdit"] is True


@pytest.mark.parametrize("case", ["none", "not a token", "forged", "expired", "wrong audience", "other tenant",
                                  "wrong issuer", "no oid"])
async def test_bad_tokens_get_401_and_no_data(world, entra, case):  # noqa: F811
    bot, panel, thread = world
    token = {
        "none": None, "not a token": "abc.def.ghi",
        "forged": entra.forged(aad(3)),
        "expired": entra.token(aad(3), exp=1_700_000_000, iat=1_699_990_000, nbf=1_699_990_000),
        "wrong audience": entra.token(aad(3), aud=f"api://{SSO_HOST}/another-app"),
        "other tenant": entra.token(aad(3), "tenant-2"),  # a real token, of another organisation
        "wrong issuer": entra.token(aad(3), iss="https://evil.example/tenant-1/v2.0"),
        "no oid": entra.token(aad(3), oid=None),
    }[case]
    status, body = await read(panel, thread, token)
    assert status == 401, body
    assert set(body) == {"error"} and body["error"]["code"] in ("Unauthenticated", "OtherTenant")
    assert "Data migration" not in json.dumps(body)
    response = await panel.post("/tabs/api/meeting", json={"chat": thread, "kind": "decision", "text": "x",
                                                          "version": 0},
                                headers={"Authorization": f"Bearer {token}"} if token else {})
    assert response.status == 401
    assert await outcome_of_or_none(bot) is None, "nothing stored"


async def outcome_of_or_none(bot: Harness):
    from store import NotFound
    try:
        return await outcome_of(bot)
    except NotFound:
        return None


async def test_someone_off_the_roster_and_a_non_lead_are_refused(world, entra):  # noqa: F811
    bot, panel, thread = world
    status, body = await read(panel, thread, entra.token(STRANGER))
    assert status == 403 and "Data migration" not in json.dumps(body)
    status, body = await read(panel, "19:meeting_unknown@thread.v2", entra.token(aad(3)))
    assert status == 404
    response = await panel.post("/tabs/api/meeting", json={"chat": thread, "kind": "decision", "text": "Go",
                                                          "version": 0},
                                headers={"Authorization": f"Bearer {entra.token(aad(4))}"})
    assert response.status == 403 and (await response.json())["error"]["code"] == "LeadsOnly"
    assert await outcome_of_or_none(bot) is None


async def test_writes_are_version_guarded_and_checked(world, entra):  # noqa: F811
    bot, panel, thread = world
    auth = {"Authorization": f"Bearer {entra.token(aad(3))}"}
    first = await panel.post("/tabs/api/meeting", json={"chat": thread, "kind": "decision", "text": "Use DMF",
                                                       "version": 0}, headers=auth)
    assert first.status == 200 and (await first.json())["decisions"] == ["Use DMF"]
    stale = await panel.post("/tabs/api/meeting", json={"chat": thread, "kind": "decision", "text": "Again",
                                                       "version": 0}, headers=auth)
    assert stale.status == 409
    bad = await panel.post("/tabs/api/meeting", json={"chat": thread, "kind": "finding", "text": "x" * 1001,
                                                     "findingKind": "risk", "priority": "high", "version": 1},
                           headers=auth)
    assert bad.status == 400 and "at most 1,000" in (await bad.json())["error"]["message"]
    assert (await outcome_of(bot))["decisions"] == ["Use DMF"]


# --- in Chromium, inside a stand-in Teams host ----------------------------------------------------

def teams_host(chat: str, token: str, frame: str = "sidePanel") -> str:
    """Answers the teams-js calls the panel makes (initialize, getContext, authentication.getAuthToken)
    through window.nativeInterface, as the Teams mobile host does; it records every call."""
    runtime = {"apiVersion": 4, "supports": {"pages": {"config": {}, "appButton": {}, "tabs": {}}, "teamsCore": {},
                                             "meeting": {}}}
    return """
(function () {
  var host = window.__host = {calls: [], config: {}};
  host.send = function (func, args) { window.onNativeMessage({data: {func: func, args: args}}); };
  function reply(msg, args) {
    setTimeout(function () { window.onNativeMessage({data: {id: msg.id, uuidAsString: msg.uuidAsString, args: args}}); }, 0);
  }
  window.nativeInterface = {framelessPostMessage: function (json) {
    var msg = JSON.parse(json);
    host.calls.push({func: msg.func, args: msg.args});
    if (msg.func === "initialize") reply(msg, [%s, "web", %s, "2.0.0"]);
    else if (msg.func === "getContext") reply(msg, [{theme: "default", frameContext: %s, locale: "en-gb",
                                                     chatId: %s, meetingId: "MCMxOTptZWV0aW5n", tid: %s}]);
    else if (msg.func === "authentication.getAuthToken") reply(msg, [true, %s]);
    else if (msg.func === "settings.getSettings") reply(msg, [host.config]);
    else if (msg.func === "settings.setSettings") { host.config = msg.args[0]; reply(msg, [true]); }
    else reply(msg, []);
  }};
})();
""" % (json.dumps(frame), json.dumps(json.dumps(runtime)), json.dumps(frame), json.dumps(chat), json.dumps(TENANT),
       json.dumps(token))


async def test_the_side_panel_ticks_a_topic_and_adds_a_decision(world, entra, browser, connector):  # noqa: F811
    bot, panel, thread = world
    watched = await open_page(browser, str(panel.make_url("/tabs/meeting?theme=default")),
                              init_script=teams_host(thread, entra.token(aad(3))))
    page = watched.page
    await page.wait_for_selector("#topics input[type=checkbox]")
    assert await page.inner_text("h1") == "Data migration strategy"
    assert "0 of" in await page.inner_text("#time")
    updates = len(connector.updates)
    await page.locator("#topics input[type=checkbox]").first.check()
    await page.wait_for_selector("#status.good")  # "Saved."
    await page.fill("#decision", "Migrate open orders only <b>bold</b>")
    await page.click("#decision-form button")
    await page.wait_for_selector("#decisions li")
    assert await page.inner_text("#decisions li") == "Migrate open orders only <b>bold</b>", "shown as text"
    assert "1 of" in await page.inner_text("#time")
    await assert_clean(watched)
    await close(watched)

    outcome = await outcome_of(bot)
    first_topic = (await bot.client.server.app[STORE].get(
        "projects", bot.place["channelData"]["team"]["id"], "session:data-migration"))["topics"][0]["id"]
    assert outcome["covered"] == [first_topic] and outcome["decisions"] == ["Migrate open orders only <b>bold</b>"]
    assert outcome["version"] == 2 and outcome["updatedBy"]["aadObjectId"] == aad(3)
    audit = [d for d in await bot.client.server.app[STORE].query("projects", bot.place["channelData"]["team"]["id"],
                                                                  doc_type="audit")]
    assert [a["changes"] for a in audit if a["record"] == "outcome:data-migration"][-2:] == [
        [f"marked topic {first_topic} as covered"], ["added the decision “Migrate open orders only <b>bold</b>”"]]
    # The panel's instance could not reach Teams here (it has an app id and no Entra ID to sign in with), so
    # the card update waits in the outbox; the bot's own instance sends it.
    assert connector.updates[updates:] == []
    outbox = bot.client.server.app[BOT].services.outbox
    now = outbox.clock()
    outbox.clock = lambda: now + timedelta(minutes=2)
    assert await outbox.run_due() == 1
    changed = [card_text(card_of(u)) for u in connector.updates[updates:]]
    assert len(changed) == 1 and "✓" in changed[0], "the channel's agenda card shows the topic covered"


async def test_the_configuration_page_in_a_workshop_meeting_needs_no_pasted_link(world, entra, browser):  # noqa: F811
    _, panel, thread = world
    watched = await open_page(browser, str(panel.make_url("/tabs/config?project=&theme=default")),
                              init_script=teams_host(thread, entra.token(aad(3)), frame="settings"))
    page = watched.page
    await page.wait_for_selector("#meeting-choice:not([hidden])")
    assert await page.is_hidden("#paste")
    assert await page.inner_text("#meeting-title") == "Agenda: Data migration strategy"
    await page.check("#meeting-form input[type=radio]")
    await page.evaluate("window.__host.send('settings.save', [{}])")
    for _ in range(50):
        config = await page.evaluate("window.__host.config")
        if config.get("contentUrl"):
            break
        await page.wait_for_timeout(50)
    assert config["contentUrl"] == f"https://{SSO_HOST}/tabs/meeting?theme={{theme}}"
    assert config["suggestedDisplayName"] == "Data migration strategy" and "token" not in config["contentUrl"]
    await assert_clean(watched)
    await close(watched)


_values = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=40),
                    st.lists(st.text(max_size=5), max_size=3),
                    st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2))
_change = st.fixed_dictionaries(
    {"chat": st.one_of(st.just("THREAD"), _values),
     "kind": st.one_of(st.sampled_from(["covered", "decision", "finding", "action"]), _values),
     "version": st.one_of(st.integers(0, 3), _values)},
    optional={k: _values for k in ("text", "topic", "covered", "findingKind", "priority", "title", "owner", "due")})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(body=st.one_of(_change, _values))
async def test_any_change_the_panel_is_sent_answers_with_a_json_4xx_or_the_state(world, entra, body):  # noqa: F811
    """Hostile and malformed changes from a signed-in lead: never a 5xx, always JSON, the store still reads."""
    bot, panel, thread = world
    if isinstance(body, dict) and body.get("chat") == "THREAD":
        body = {**body, "chat": thread}
    response = await panel.post("/tabs/api/meeting", data=json.dumps(body),
                                headers={"Authorization": f"Bearer {entra.token(aad(3))}"})
    answer = await response.json()
    assert response.status < 500, answer
    assert ("error" in answer) == (response.status >= 400)
    status, state = await read(panel, thread, entra.token(aad(3)))
    assert status == 200 and isinstance(state["decisions"], list)
