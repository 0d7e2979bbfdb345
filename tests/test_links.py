"""Signed links: tokens no route may choke on, an access log that never records one, a signing
secret a real deployment must set, and `revoke links`, which stops every link of one project."""

import logging
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from urllib.parse import quote, urlsplit

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given, strategies as st

from app import STORE
from runtime.access_log import PathOnlyAccessLogger
from runtime.settings import Settings, SettingsError
from store import PROJECT_DATA
from tabs.links import calendar_url, export_links, tab_url
from tabs.signing import sign, verify
from tests.plugins.botapp import ROOT, Harness, card_of, card_text, make_settings, parse_cards
from tests.test_agenda import links, ready
from tests.test_concurrency import _wait_ready
from tests.test_hostile import HYPOTHESIS, INJECTIONS
from tests.test_planning import ADA, ALAN, press

# As they arrive in a query: 'é' after a plausible expiry, and '²' (str.isdigit says yes, int() says no).
HOSTILE_TOKENS = ["99999999999.%C3%A9", "%C2%B2.abc", "99999999999.%C2%B2", "%C2%B2", "1%C2%B2.%C3%A9" * 3]
SECRET = b"s" * 32


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def project_id_of(bot: Harness) -> str:
    return bot.place["conversation"]["id"].split(";", 1)[0]


async def issued(bot: Harness) -> dict:
    """What a person gets handed now: {"tab", "workshop tab", "calendar", "export"} -> a local URL."""
    agenda = card_of((await bot.say("agenda data migration", **{"from": ALAN}))[-1])
    export = links(card_of((await bot.say("export"))[0]))["Findings (CSV)"]
    tab = links(card_of((await bot.say("pin series"))[0]))["Open the page"]
    workshop_tab = links(card_of((await bot.say("pin data migration"))[0]))["Open the page"]
    return {"tab": local(tab), "workshop tab": local(workshop_tab),
            "calendar": local(links(agenda)["Add to calendar"]), "export": local(export)}


@pytest.fixture
async def linked(app_client, connector, store_settings) -> Harness:
    """A project with a scheduled data migration workshop, so every kind of link exists; on both
    stores, since every signed-link route reads the project before it checks the token."""
    connector.clear()
    bot = Harness(await app_client(store_settings), connector, "personal")
    card = await ready(bot)
    day = (date.today() + timedelta(days=30)).isoformat()
    status, _ = await press(bot, card, "agenda.schedule", ALAN, day=day, time="09:00", confirmed=True)
    assert status == 200
    return bot


async def assert_refused(bot: Harness, url: str) -> None:
    """403 and nothing of the project: the 403 page for tabs, a JSON error for downloads."""
    response = await bot.client.get(url)
    body = await response.text()
    assert response.status == 403, (url, response.status, body[:300])
    assert "Contoso" not in body and "Data migration" not in body
    if url.startswith(("/calendar/", "/export/")):
        error = (await response.json())["error"]
        assert error["code"] == "Forbidden" and "not valid or has expired" in error["message"]
    else:
        assert "This link is not valid" in body


# --- 1. tokens no route may choke on ------------------------------------------------------------

async def test_non_ascii_tokens_are_refused_on_every_signed_link_route(linked: Harness):
    project = quote(project_id_of(linked), safe="")
    for token in HOSTILE_TOKENS:
        for url in (f"/tabs/workshop/data-migration?project={project}&token={token}",
                    f"/tabs/series?project={project}&token={token}",
                    f"/calendar/{project}/data-migration.ics?token={token}",
                    f"/export/{project}/findings.csv?token={token}"):
            await assert_refused(linked, url)
        # The configuration page asks again for a link; it shows no project data either.
        pasted = f"https://bot.example.com/tabs/series?project={project}&token={token}"
        for code in (token, quote(pasted, safe="")):
            response = await linked.client.get(f"/tabs/config?project={project}&code={code}")
            body = await response.text()
            assert response.status == 200 and "not valid or has expired" in body, (code, body[:300])
            assert 'name="choice"' not in body and "Data migration" not in body


@given(token=st.one_of(st.text(), st.binary(), st.integers(), st.floats(), st.none(), st.lists(st.text()),
                       st.from_regex(r"[0-9\u00b2\u0663\uff11]{1,14}\.[A-Za-z0-9_\u00e9-]{0,50}", fullmatch=True)))
def test_verify_answers_true_or_false_for_anything(token):
    assert verify(SECRET, "tab|p", token) is False
    assert verify(SECRET, "tab|p", sign(SECRET, "tab|p", 60)) is True


@HYPOTHESIS
@given(token=st.one_of(st.text(max_size=100),
                       st.from_regex(r"[0-9\u00b2\uff11]{1,13}\.[A-Za-z0-9_\u00e9-]{40,45}", fullmatch=True)))
async def test_any_token_on_the_series_page_is_a_403(linked: Harness, token):
    response = await linked.client.get("/tabs/series", params={"project": project_id_of(linked), "token": token})
    assert response.status == 403
    assert "Contoso" not in await response.text()


@HYPOTHESIS
@given(project=st.one_of(st.text(max_size=300), st.sampled_from(INJECTIONS)), token=st.text(max_size=80),
       route=st.sampled_from(["/tabs/series?", "/tabs/workshop/data-migration?", "/tabs/config?code=x&"]))
async def test_any_project_and_token_get_no_data_and_no_5xx(linked: Harness, project, token, route):
    response = await linked.client.get(f"{route}project={quote(project, safe='')}&token={quote(token, safe='')}")
    body = await response.text()
    assert response.status in (200, 403) and "Contoso" not in body and "Traceback" not in body
    for path in (f"/calendar/{quote(project, safe='')}/data-migration.ics", f"/export/{quote(project, safe='')}/x"):
        response = await linked.client.get(path, params={"token": token})
        assert response.status in (403, 404), (path, response.status)


# --- 2. the access log --------------------------------------------------------------------------

async def test_the_access_log_has_the_path_and_never_the_query(caplog, unused_tcp_port):
    async def page(_request):
        return web.Response(text="a page")

    app = web.Application()
    app.router.add_get("/tabs/series", page)
    runner = web.AppRunner(app, access_log_class=PathOnlyAccessLogger)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    with caplog.at_level(logging.INFO, logger="aiohttp.access"):
        try:
            async with aiohttp.ClientSession() as http:
                url = f"http://127.0.0.1:{unused_tcp_port}/tabs/series?project=p&token=secret-token"
                async with http.get(url) as response:
                    assert response.status == 200
        finally:
            await runner.cleanup()
    [line] = [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]
    assert re.fullmatch(r"GET /tabs/series 200 \d+ \d+\.\d{3}s", line), line
    assert "secret-token" not in line and "?" not in line


def run_bot(tmp_path, port: int, **env) -> subprocess.Popen:
    """`python app.py` in anonymous mode (unless env says otherwise), stderr into a file."""
    environment = {**os.environ, "PORT": str(port), "SQLITE_PATH": str(tmp_path / "bot.sqlite3"),
                   "HOST": "127.0.0.1", "REMINDER_INTERVAL_SECONDS": "3600", "MicrosoftAppId": "",
                   "SIGNING_SECRET": "", **env}
    with open(tmp_path / "stderr.log", "wb") as stderr:
        return subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,
                                stderr=stderr)


async def test_python_app_py_logs_requests_without_their_tokens(tmp_path, unused_tcp_port):
    url = f"http://127.0.0.1:{unused_tcp_port}"
    process = run_bot(tmp_path, unused_tcp_port)
    try:
        await _wait_ready(url)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{url}/tabs/series?project=p&token=99999999999.secret-token-value") as response:
                assert response.status == 403
    finally:
        process.terminate()
        process.wait(timeout=20)
    log = (tmp_path / "stderr.log").read_text()
    assert "GET /tabs/series 403 " in log, log
    assert "secret-token-value" not in log
    # Anonymous mode keeps a random secret, and says once what that means.
    assert log.count("SIGNING_SECRET is not set") == 1 and "stop working when the bot restarts" in log


# --- 3. the signing secret ----------------------------------------------------------------------

def test_a_bot_with_an_app_id_refuses_to_start_without_a_signing_secret(tmp_path, caplog):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"MicrosoftAppId": "an-app-id"}, "")
    message = str(refused.value)
    assert "SIGNING_SECRET" in message and 'python -c "import secrets; print(secrets.token_urlsafe(48))"' in message
    assert "every other instance" in message and "same value on every instance" in message
    configured = Settings.from_env({"MicrosoftAppId": "an-app-id", "SIGNING_SECRET": "k" * 40}, "")
    assert configured.signing_secret == b"k" * 40 and configured.signing_secret_configured
    with caplog.at_level(logging.WARNING, logger="runtime.settings"):
        anonymous = Settings.from_env({}, "")
    assert not anonymous.signing_secret_configured and len(anonymous.signing_secret) == 32
    assert [r.getMessage() for r in caplog.records if "SIGNING_SECRET" in r.getMessage()] != []
    # Built directly (as tests do), settings with an app id keep working.
    assert Settings(app_id="an-app-id").signing_secret


def test_python_app_py_exits_2_and_says_how_to_set_the_secret(tmp_path, unused_tcp_port):
    process = run_bot(tmp_path, unused_tcp_port, MicrosoftAppId="an-app-id", MicrosoftAppPassword="x")
    assert process.wait(timeout=30) == 2
    log = (tmp_path / "stderr.log").read_text()
    assert "cannot start: SIGNING_SECRET is not set" in log and "secrets.token_urlsafe(48)" in log


# --- 4. revoking a project's links --------------------------------------------------------------

async def test_revoke_links_stops_every_old_link_and_new_ones_work(linked: Harness):
    old = await issued(linked)
    for url in old.values():
        assert (await linked.client.get(url)).status == 200, url

    [refused] = await linked.say("revoke links", **{"from": ALAN})
    assert "Only project admins" in refused["text"]
    assert (await linked.client.get(old["tab"])).status == 200, "a refusal changes nothing"

    [revoked] = await linked.say("revoke links", **{"from": ADA})
    shown = card_text(card_of(revoked))
    assert "Every tab, calendar and export link issued before now stops working." in shown
    assert "Pinned tabs need pinning again: type pin series / pin" in shown
    assert parse_cards([("revoked", card_of(revoked))]) == {"revoked": []}
    fresh_export = local(links(card_of(revoked))["Outcomes (Markdown)"])
    markdown = await (await linked.client.get(fresh_export)).text()
    assert "Ada Lovelace, project: revoked every tab, calendar and export link issued before now" in markdown

    for url in old.values():
        await assert_refused(linked, url)
    for name, url in (await issued(linked)).items():
        assert (await linked.client.get(url)).status == 200, name


async def test_revoke_links_delivered_twice_has_one_effect(linked: Harness, connector):
    store = linked.client.app[STORE]
    project_id = project_id_of(linked)
    activity = linked.message("revoke links", **{"from": ADA})
    before = len(connector.sent)
    assert (await linked.post(activity)).status in (200, 201)
    assert (await linked.post(activity)).status in (200, 201)
    assert len(connector.sent) - before == 1
    assert (await store.get(PROJECT_DATA, project_id, "project"))["linkVersion"] == 1
    audit = await store.query(PROJECT_DATA, project_id, doc_type="audit")
    assert [a["record"] for a in audit].count("project") == 1


async def test_revoke_needs_its_word_and_a_project(personal_bot: Harness):
    assert "type **revoke links**" in (await personal_bot.say("revoke"))[0]["text"]
    assert "needs a project" in card_text(card_of((await personal_bot.say("revoke links"))[0]))


async def test_a_well_signed_link_to_a_project_that_does_not_exist_is_refused(app_client, connector, tmp_path):
    settings = make_settings(tmp_path)
    bot = Harness(await app_client(settings), connector, "personal")
    ghost = {"projectId": "19:ghost@thread.tacv2"}
    for url in (tab_url(settings, ghost, None), tab_url(settings, ghost, "data-migration"),
                calendar_url(settings, ghost, "data-migration"), *export_links(settings, ghost).values()):
        await assert_refused(bot, local(url))
