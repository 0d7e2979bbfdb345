"""Agenda tab pages through the real app, looked at in a real browser (Debian's chromium driven by
Playwright): what a person sees, hostile text, CSP, themes, a phone screen, print; the signed-link
rules over plain HTTP; the configuration page driving the real Teams library against a stand-in
Teams host; and pinning through the Graph stand-in."""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from botbuilder.schema import Activity, ConversationAccount

from app import STORE, create_app
from tabs import pages as tab_pages
from dialogs.pinning import pin_or_explain, pin_workshop_tab
from tabs.signing import sign
from store import PROJECT_DATA, update
from tabs.links import tab_scope, tab_url
from tabs.routes import add_tab_routes
from cards import tab_cards
from catalog import default_catalog
from tests.plugins.botapp import ROOT, Harness, aad, card_text, make_settings, nodes, of_type, parse_cards
from tests.plugins.graph import APP_EXTERNAL_ID
from tests.test_agenda import DATA_MIGRATION, agenda_card
from tests.test_planning import ALAN, ANSWERS, GRACE, SETUP, give_roles, press, set_up

ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TODAY = date.today()


# --- the app, two projects, and a browser ----------------------------------------------------

@dataclasses.dataclass
class World:
    client: TestClient
    settings: object
    good: str  # a project with everything recorded
    hostile: str  # a project whose people typed markup everywhere
    included: list

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))

    def page(self, project: str, workshop: str | None = None, **extra) -> str:
        link = tab_url(self.settings, {"projectId": project}, workshop)
        base = self.settings.base_url
        return self.url(link[len(base):]) + "".join(f"&{k}={quote(v)}" for k, v in extra.items())


async def start_app(settings) -> TestClient:
    """The real app; the tab routes are added here until app.py registers them itself."""
    app = create_app(settings)
    if not any(getattr(r.resource, "canonical", "") == "/tabs/series" for r in app.router.routes()):
        add_tab_routes(app, settings, default_catalog(), lambda: app[STORE])
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


async def build_project(harness: Harness, store, name: str) -> str:
    """Set-up, roles (Grace solution architect, Alan functional lead), the plan, the data migration
    agenda with two RSVPs and an edited topic; then attendance and an outcome written as the
    follow-up features store them."""
    await set_up(harness)
    await give_roles(harness)
    await harness.say("plan")
    await harness.send_value(ANSWERS)
    card = await agenda_card(harness)
    await press(harness, card, "agenda.rsvp", GRACE, response="accept")
    await press(harness, card, "agenda.rsvp", ALAN, response="decline")
    _, edited = await press(harness, card, "agenda.edit", ALAN, **{
        "owner:t1": aad(3), "minutes:t1": "30", "newTitle": f"Archive scope {name}", "newOwner": aad(2),
        "newMinutes": "20"})
    assert edited["type"] == "application/vnd.microsoft.card.adaptive", edited
    project_id = harness.place["channelData"]["team"]["id"]
    start = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=12)
    await update(store, PROJECT_DATA, project_id, f"session:{DATA_MIGRATION}", lambda doc: {
        **doc, "start": start.isoformat(), "meeting": {"joinUrl": "https://teams.microsoft.com/l/meetup-join/x"},
        "attendance": {aad(2): {"name": "Grace Hopper", "status": "present", "at": start.isoformat(), "source": "manual"},
                       aad(3): {"name": f"Alan {name}", "status": "late", "at": start.isoformat(), "source": "checkin"},
                       aad(4): {"name": "Katherine Johnson", "status": "absent", "at": "", "source": "manual"}}})
    await store.upsert(PROJECT_DATA, {
        "id": f"outcome:{DATA_MIGRATION}", "projectId": project_id, "type": "outcome", "workshopId": DATA_MIGRATION,
        "summary": f"Agreed the approach {name}.", "decisions": ["Use the Data management framework", name],
        "findings": [
            {"id": "f1", "text": f"Legacy data quality {name}", "kind": "risk", "priority": "high", "open": True},
            {"id": "f2", "text": "Volumes are known", "kind": "assertion", "priority": "low", "open": True}],
        "recommendations": ["Start the mapping early"],
        "actions": [
            {"id": "a1", "title": f"Profile the legacy data {name}", "owner": aad(3),
             "due": (TODAY - timedelta(days=2)).isoformat(), "done": False},
            {"id": "a2", "title": "Book the migration environment", "owner": aad(2),
             "due": (TODAY + timedelta(days=9)).isoformat(), "done": False},
            {"id": "a3", "title": "A finished action", "owner": aad(2), "due": TODAY.isoformat(), "done": True}],
        "specific": {"volumes": "2 million customers", "throughput": ""}})
    return project_id


@pytest.fixture(scope="module")
async def world(tmp_path_factory, connector):
    connector.clear()
    settings = make_settings(tmp_path_factory.mktemp("tabs"))
    client = await start_app(settings)
    store = client.app[STORE]
    good = Harness(client, connector, "channel")
    good_id = await build_project(good, store, "and Sons")
    bad = Harness(client, connector, "channel")
    bad_id = await build_project(bad, store, HOSTILE)
    await update(store, PROJECT_DATA, bad_id, "project", lambda doc: {**doc, "name": HOSTILE, "customer": HOSTILE})
    await update(store, PROJECT_DATA, bad_id, "roster", lambda doc: {
        **doc, "members": {**doc["members"], aad(2): {**doc["members"][aad(2)], "name": HOSTILE}}})
    plan = await store.get(PROJECT_DATA, good_id, "plan")
    included = [i["workshopId"] for i in sorted(plan["items"], key=lambda i: i["order"]) if i["included"]]
    # A second workshop already held, so the timeline shows more than one state.
    held = next(w for w in included if w != DATA_MIGRATION)
    await store.upsert(PROJECT_DATA, {"id": f"session:{held}", "projectId": good_id, "type": "session",
                                      "workshopId": held, "status": "held", "durationMinutes": 60, "version": 3,
                                      "start": (datetime.now(timezone.utc) - timedelta(days=3)).isoformat(),
                                      "topics": [], "rsvps": {}, "meeting": None})
    yield World(client, settings, good_id, bad_id, included)
    await client.close()


NO_CHROMIUM = ("chromium is not installed: these tests render the tab pages in a real browser. "
               "Install Debian's package: apt-get install -y chromium")


@pytest.fixture(scope="module")
async def browser():
    """Debian's chromium, once per module; None when it is missing, and then every test that needs
    it fails (never skips) with NO_CHROMIUM."""
    executable = shutil.which("chromium")
    if executable is None:
        yield None
        return
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


@dataclasses.dataclass
class Watched:
    page: object
    console: list
    errors: list
    dialogs: list

    async def csp_violations(self) -> list:
        reported = await self.page.evaluate("window.__csp || []")
        return reported + [m for m in self.console if "Content Security Policy" in m]


RECORD_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI);
});
"""


async def open_page(browser, url: str, *, width: int = 1100, height: int = 900, color_scheme: str = "light",
                    init_script: str = "") -> Watched:
    if browser is None:
        pytest.fail(NO_CHROMIUM, pytrace=False)
    context = await browser.new_context(viewport={"width": width, "height": height}, color_scheme=color_scheme)
    page = await context.new_page()
    watched = Watched(page, [], [], [])
    page.on("console", lambda m: watched.console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: watched.errors.append(str(e)))

    async def dismiss(dialog):
        watched.dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", dismiss)
    await page.add_init_script(RECORD_CSP + init_script)
    response = await page.goto(url)
    assert response.status == 200, (url, response.status)
    await page.wait_for_load_state("load")
    return watched


async def shot(watched: Watched, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    await watched.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


async def assert_clean(watched: Watched) -> None:
    assert await watched.csp_violations() == []
    assert watched.errors == []
    assert watched.dialogs == []


async def close(watched: Watched) -> None:
    await watched.page.context.close()


# --- in the browser ----------------------------------------------------------------------------

async def test_workshop_page_shows_agenda_people_attendance_outcomes_and_actions(world, browser):
    watched = await open_page(browser, world.page(world.good, DATA_MIGRATION))
    shown = await watched.page.inner_text("body")
    assert "Data migration strategy" in shown and "Contoso ERP" in shown
    assert "Awaiting approval" in shown
    assert "Migration strategy and general information — Alan Turing, 30 min" in shown
    assert "Archive scope and Sons (added) — Grace Hopper, 20 min" in shown
    assert "Join the Teams meeting" in shown
    mandatory = shown.split("Mandatory")[1].split("Recommended")[0]
    assert re.search(r"Grace Hopper\s+Solution architect\s+Accepted", mandatory), mandatory
    assert "Mandatory roles nobody holds" in shown
    assert re.search(r"Also answered\s+Alan Turing\s+Declined", shown), "answered though not invited"
    assert "200 of 180 minutes planned (20 over)" in shown
    assert "Present: Grace Hopper" in shown and "Late: Alan and Sons" in shown and "Absent: Katherine" in shown
    assert "Agreed the approach and Sons." in shown and "Use the Data management framework" in shown
    assert re.search(r"Risk, high\s+Legacy data quality and Sons \(open\)", shown)
    assert "Data volumes" in shown and "2 million customers" in shown
    actions = shown.split("Open actions")[1]
    assert "Profile the legacy data and Sons — Alan Turing" in actions and "Overdue" in actions
    assert "Book the migration environment" in actions and "A finished action" not in actions
    await assert_clean(watched)
    await shot(watched, "tab-workshop")
    await close(watched)


async def test_workshop_page_without_agenda_or_outcome_says_not_recorded(world, browser):
    other = next(w for w in world.included if w != DATA_MIGRATION)
    untouched = next(w for w in world.included if w not in (DATA_MIGRATION, other))
    watched = await open_page(browser, world.page(world.good, untouched))
    shown = await watched.page.inner_text("body")
    assert "The agenda has not been drawn up yet" in shown
    assert shown.count("Not recorded yet.") == 3, "attendance, outcomes, open actions"
    assert "Not scheduled yet" in shown and "Planned" in shown
    await assert_clean(watched)
    await close(watched)


async def test_series_page_shows_timeline_against_go_live_and_readiness(world, browser):
    watched = await open_page(browser, world.page(world.good))
    page = watched.page
    shown = await page.inner_text("body")
    assert "Workshop series" in shown and "Contoso ERP" in shown
    go_live = date.fromisoformat(SETUP["goLive"])
    assert f"Go-live: {go_live.day} {go_live:%b %Y}" in shown
    assert "Readiness: Not ready" in shown and "Legacy data quality and Sons" in shown
    catalog = default_catalog()
    rows = await page.locator(".timeline li").all_inner_texts()
    assert [r.splitlines()[0].strip() for r in rows] == [catalog.get(w).title for w in world.included]
    migration = next(r for r in rows if r.startswith("Data migration strategy"))
    assert "Awaiting approval" in migration and "before go-live" in migration
    assert any("Held" in r for r in rows)
    assert "1 of" in shown and "held" in shown
    # Each row is drawn: a window bar and the go-live line inside an SVG as wide as the row.
    assert await page.locator(".timeline svg.strip .golive").count() == len(rows)
    assert await page.locator(".timeline svg.strip .window").count() == len(rows)
    box = await page.locator(".timeline svg.strip").first.bounding_box()
    assert box["width"] > 500 and box["height"] >= 10
    # A title opens that workshop's page.
    await page.get_by_role("link", name="Data migration strategy").click()
    await page.wait_for_load_state("load")
    assert "Legacy data quality and Sons" in await page.inner_text("body")
    await assert_clean(watched)
    await close(watched)
    watched = await open_page(browser, world.page(world.good))
    await shot(watched, "tab-series")
    await close(watched)


async def test_hostile_text_is_shown_as_text_and_never_runs(world, browser):
    for url in (world.page(world.hostile, DATA_MIGRATION), world.page(world.hostile)):
        watched = await open_page(browser, url)
        page = watched.page
        shown = await page.inner_text("body")
        assert HOSTILE in shown
        assert await page.locator("img").count() == 0
        scripts = await page.evaluate("[...document.scripts].map(s => s.src || s.textContent)")
        assert not any("alert(" in s for s in scripts)
        assert await page.title() in (f"Data migration strategy · {HOSTILE}", f"Series · {HOSTILE}")
        await page.wait_for_timeout(200)
        await assert_clean(watched)
        await shot(watched, "tab-hostile-" + ("workshop" if "workshop" in url else "series"))
        await close(watched)


BACKGROUND = "getComputedStyle(document.body).backgroundColor"


async def test_theme_parameter_system_setting_and_print(world, browser):
    light = await open_page(browser, world.page(world.good))
    light_bg = await light.page.evaluate(BACKGROUND)
    assert light_bg == "rgb(255, 255, 255)"
    await close(light)
    dark = await open_page(browser, world.page(world.good, theme="dark"))
    dark_bg = await dark.page.evaluate(BACKGROUND)
    assert dark_bg != light_bg
    await shot(dark, "tab-series-dark")
    # Printing is black on white whatever the theme.
    await dark.page.emulate_media(media="print")
    assert await dark.page.evaluate(BACKGROUND) == "rgb(255, 255, 255)"
    assert await dark.page.evaluate("getComputedStyle(document.body).color") == "rgb(0, 0, 0)"
    await close(dark)
    contrast = await open_page(browser, world.page(world.good, DATA_MIGRATION, theme="contrast"))
    assert await contrast.page.evaluate(BACKGROUND) == "rgb(0, 0, 0)"
    await close(contrast)
    system = await open_page(browser, world.page(world.good), color_scheme="dark")
    assert await system.page.evaluate(BACKGROUND) == dark_bg, "no theme parameter: the system setting applies"
    await close(system)
    forced_light = await open_page(browser, world.page(world.good, theme="default"), color_scheme="dark")
    assert await forced_light.page.evaluate(BACKGROUND) == light_bg, "Teams' default theme is light"
    await close(forced_light)


async def test_phone_screen_has_no_horizontal_scroll(world, browser):
    for name, url in (("workshop", world.page(world.good, DATA_MIGRATION)), ("series", world.page(world.good)),
                      ("hostile", world.page(world.hostile, DATA_MIGRATION))):
        watched = await open_page(browser, url, width=375, height=740)
        widths = await watched.page.evaluate(
            "[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert widths[0] <= widths[1] == 375, (name, widths)
        if name != "hostile":
            await shot(watched, f"tab-{name}-phone")
        await close(watched)


# --- inside Teams: the real Teams library against a stand-in host ----------------------------------

def teams_host(frame_context: str, theme: str = "default", config: dict | None = None) -> str:
    """A stand-in Teams host for the real @microsoft/teams-js: the library talks to a host with no
    parent frame through window.nativeInterface (as on mobile), so a page opened directly can be
    driven without framing it (which its CSP frame-ancestors would refuse on 127.0.0.1)."""
    import json

    runtime = {"apiVersion": 4, "supports": {"pages": {"config": {}, "appButton": {}, "tabs": {}, "backStack": {},
                                                       "fullTrust": {}}, "teamsCore": {}}}
    return """
(function () {
  var host = window.__host = {calls: [], config: %s};
  function reply(msg, args) {
    setTimeout(function () { window.onNativeMessage({data: {id: msg.id, uuidAsString: msg.uuidAsString, args: args}}); }, 0);
  }
  host.send = function (func, args) { window.onNativeMessage({data: {func: func, args: args}}); };
  window.nativeInterface = {framelessPostMessage: function (json) {
    var msg = JSON.parse(json);
    host.calls.push({func: msg.func, args: msg.args});
    if (msg.func === "initialize") reply(msg, [%s, "web", %s, "2.0.0"]);
    else if (msg.func === "getContext") reply(msg, [{theme: %s, frameContext: %s, locale: "en-gb"}]);
    else if (msg.func === "settings.getSettings") reply(msg, [host.config]);
    else if (msg.func === "settings.setSettings") { host.config = msg.args[0]; reply(msg, [true]); }
    else reply(msg, []);
  }};
})();
""" % (json.dumps(config or {}), json.dumps(frame_context), json.dumps(json.dumps(runtime)), json.dumps(theme),
       json.dumps(frame_context))


async def host_calls(watched: Watched, func: str) -> list:
    return await watched.page.evaluate(f"window.__host.calls.filter(c => c.func === {func!r}).map(c => c.args)")


async def test_tab_follows_the_teams_theme_and_its_changes(world, browser):
    watched = await open_page(browser, world.page(world.good, DATA_MIGRATION, theme="default"),
                              init_script=teams_host("content", theme="dark"))
    page = watched.page
    await page.wait_for_function("document.documentElement.dataset.theme === 'dark'")
    assert ["themeChange"] in await host_calls(watched, "registerHandler")
    await page.evaluate("window.__host.send('themeChange', ['contrast'])")
    await page.wait_for_function("document.documentElement.dataset.theme === 'contrast'")
    assert await page.evaluate(BACKGROUND) == "rgb(0, 0, 0)"
    await assert_clean(watched)
    await close(watched)


async def test_config_page_asks_for_the_link_then_saves_signed_urls(world, browser):
    config_url = world.url(f"/tabs/config?project={quote(world.good, safe='')}&theme=default")
    watched = await open_page(browser, config_url, init_script=teams_host("settings"))
    page = watched.page
    shown = await page.inner_text("body")
    assert "Paste the link" in shown and "Contoso ERP" not in shown and "Data migration" not in shown
    await page.wait_for_function("window.__host.calls.some(c => c.func === 'settings.getSettings')")
    await shot(watched, "tab-config-link")

    await page.fill("#code", tab_url(world.settings, {"projectId": world.good}, DATA_MIGRATION))
    await page.click("button[type=submit]")
    await page.wait_for_selector("input[name=choice]")
    catalog = default_catalog()
    labels = [t.strip() for t in await page.locator("#choices label").all_inner_texts()]
    assert labels == ["Workshop series"] + [catalog.get(w).title for w in world.included]
    await page.wait_for_function("window.__host.calls.some(c => c.func === 'settings.setValidityState')")
    assert await host_calls(watched, "settings.setValidityState") == [[False]]
    await page.get_by_label("Data migration strategy").check()
    assert (await host_calls(watched, "settings.setValidityState"))[-1] == [True]
    await shot(watched, "tab-config-choose")

    await page.evaluate("window.__host.send('settings.save', [{}])")
    await page.wait_for_function("window.__host.calls.some(c => c.func === 'settings.save.success')")
    [[config]] = await host_calls(watched, "settings.setSettings")
    assert config["entityId"] == f"workshop:{DATA_MIGRATION}"
    assert config["suggestedDisplayName"] == "Data migration strategy"
    assert config["contentUrl"].endswith("&theme={theme}") and "{theme}" not in config["websiteUrl"]
    await assert_clean(watched)
    await close(watched)

    # What Teams then loads in the tab, with {theme} filled in, is the signed page.
    base = world.settings.base_url
    response = await world.client.get(config["contentUrl"][len(base):].replace("{theme}", "dark"))
    assert response.status == 200 and "Data migration strategy" in await response.text()
    response = await world.client.get(config["websiteUrl"][len(base):])
    assert response.status == 200


async def test_config_page_editing_a_tab_reads_its_own_link(world, browser):
    existing = {"entityId": "series",
                "contentUrl": tab_url(world.settings, {"projectId": world.good}, None, teams_theme=True)}
    watched = await open_page(browser, world.url(f"/tabs/config?project={quote(world.good, safe='')}"),
                              init_script=teams_host("settings", config=existing))
    await watched.page.wait_for_selector("input[name=choice]")
    assert "Workshop series" in await watched.page.inner_text("body")
    await assert_clean(watched)
    await close(watched)


# --- over HTTP -----------------------------------------------------------------------------------

def page_paths(world: World, project: str) -> list[str]:
    return [world.page(project, DATA_MIGRATION), world.page(project)]


async def get(world: World, url: str):
    response = await world.client.get(url[len(world.url("/")) - 1:])
    return response, await response.text()


async def test_every_page_carries_a_fresh_nonce_and_strict_headers(world):
    nonces = set()
    urls = page_paths(world, world.good) + [world.url(f"/tabs/config?project={quote(world.good, safe='')}")]
    for url in urls + urls:
        response, body = await get(world, url)
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        policy = response.headers["Content-Security-Policy"]
        nonce = re.search(r"script-src 'nonce-([A-Za-z0-9_-]{20,})' 'self';", policy).group(1)
        assert f"style-src 'nonce-{nonce}';" in policy
        for directive in ("default-src 'none'", "img-src 'self' data:", "connect-src 'self'", "base-uri 'none'",
                          "form-action 'self'", "frame-ancestors teams.microsoft.com *.teams.microsoft.com "
                          "*.cloud.microsoft *.office.com *.microsoft365.com *.skype.com"):
            assert directive in policy
        nonces.add(nonce)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        # Every inline script and style carries the nonce; no inline handlers or style attributes.
        inline = re.findall(r"<(script|style)([^>]*)>", body)
        assert inline and all(f'nonce="{nonce}"' in attrs or 'src="' in attrs for _, attrs in inline)
        assert not re.search(r"<[^>]+\s(on\w+|style)=", body)
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in body
    assert len(nonces) == len(urls) * 2, "a fresh nonce per response"


async def test_teams_library_is_served_by_the_bot(world):
    response = await world.client.get("/tabs/static/teams-js.js")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "microsoftTeams" in (await response.text())[:2000]


@pytest.mark.parametrize("case", ["missing", "forged", "expired", "other project", "wrong scope"])
async def test_a_page_without_a_valid_token_is_403_and_shows_no_project_data(world, case):
    secret = world.settings.signing_secret
    token = {"missing": None, "forged": sign(b"x" * 32, tab_scope({"projectId": world.good}), 3600),
             "expired": sign(secret, tab_scope({"projectId": world.good}), -10),
             "other project": sign(secret, tab_scope({"projectId": world.hostile}), 3600),
             "wrong scope": sign(secret, f"calendar|{world.good}|{DATA_MIGRATION}", 3600)}[case]
    query = f"project={quote(world.good, safe='')}" + (f"&token={quote(token)}" if token else "")
    for path in (f"/tabs/workshop/{DATA_MIGRATION}", "/tabs/series"):
        response = await world.client.get(f"{path}?{query}")
        body = await response.text()
        assert response.status == 403, (case, path)
        assert "This link is not valid" in body
        for secret_text in ("Contoso", "Grace", "Legacy data", "Data migration", "and Sons", world.good):
            assert secret_text not in body, (case, secret_text)
        assert "Content-Security-Policy" in response.headers


async def test_unknown_workshop_is_404(world):
    link = tab_url(world.settings, {"projectId": world.good}, "no-such-workshop")
    response = await world.client.get(link[len(world.settings.base_url):])
    assert response.status == 404 and "There is no workshop by that name." in await response.text()


@pytest.mark.parametrize("code, message", [
    ("not a link", "not valid or has expired"),
    ("other", "belongs to another team"),
])
async def test_config_page_refuses_a_bad_link_and_shows_nothing(world, code, message):
    if code == "other":
        code = tab_url(world.settings, {"projectId": world.hostile}, None)
    response = await world.client.get("/tabs/config", params={"project": world.good, "code": code})
    body = await response.text()
    assert response.status == 200 and message in body
    assert "Data migration" not in body and 'name="choice"' not in body


async def test_config_page_takes_the_link_as_copied_from_the_bots_card(world):
    link = tab_url(world.settings, {"projectId": world.good}, DATA_MIGRATION)
    card = tab_cards.pin_by_hand_card("Data migration strategy", link)
    copied = next(t for t in card_text(card).splitlines() if "/tabs/workshop/" in t)  # markdown-escaped
    response = await world.client.get("/tabs/config", params={"project": world.good, "code": copied})
    body = await response.text()
    assert response.status == 200 and body.count('name="choice"') == len(world.included) + 1


async def test_missing_library_is_said_on_the_config_page(tmp_path, world):
    app = web.Application()
    add_tab_routes(app, world.settings, default_catalog(), lambda: world.client.app[STORE],
                   teams_js_file=tmp_path / "absent.js")
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        body = await (await client.get("/tabs/config")).text()
        assert "Teams JavaScript library is missing" in body and "teams-js.js" not in body.split("</main>")[1]
        assert (await client.get("/tabs/static/teams-js.js")).status == 404
        link = tab_url(world.settings, {"projectId": world.good}, None)
        assert (await client.get(link[len(world.settings.base_url):])).status == 200
    finally:
        await client.close()


# --- pure rules ------------------------------------------------------------------------------------

def test_readiness():
    risk = {"id": "f", "text": "t", "kind": "risk", "priority": "high", "open": True}
    assert tab_pages.readiness({}, {})[0] == "On track"
    assert tab_pages.readiness({}, {"cutover": {"findings": [risk]}})[0] == "Not ready"
    assert tab_pages.readiness({}, {"cutover": {"findings": [{**risk, "open": False}]}})[0] == "On track"
    assert tab_pages.readiness({}, {"cutover": {"findings": [{**risk, "priority": "medium"}]}})[0] == "On track"
    assert tab_pages.readiness({}, {"cutover": {"findings": [{**risk, "kind": "assertion"}]}})[0] == "On track"
    closed = {"post-go-live": {"status": "closed"}}
    assert tab_pages.readiness(closed, {})[0] == "Engagement closed"
    triaged = {"risk": {**risk, "text": "Go-live date at risk"}}
    label, _, blocking = tab_pages.readiness({}, {}, triaged)
    assert label == "Not ready" and [f["text"] for f in blocking] == ["Go-live date at risk"], "as the status card"
    assert tab_pages.readiness({}, {}, {"risk": None})[0] == "On track"


def test_tab_url_is_absolute_signed_and_scoped(tmp_path):
    settings = make_settings(tmp_path, public_base_url="https://workshops.example.com")
    url = tab_url(settings, {"projectId": "19:abc@thread.tacv2"}, DATA_MIGRATION)
    assert url.startswith("https://workshops.example.com/tabs/workshop/data-migration?project=19%3Aabc%40thread.tacv2"
                          "&token=")
    assert tab_url(settings, {"projectId": "p"}, None).startswith(
        "https://workshops.example.com/tabs/series?project=p&token=")
    assert tab_url(settings, {"projectId": "p"}, None, teams_theme=True).endswith("&theme={theme}")


# --- pinning -------------------------------------------------------------------------------------

TEAM_GROUP = "9b1f7c1e-1111-4222-8333-944445555666"
CHANNEL = "19:general@thread.tacv2"
PROJECT = {"projectId": "19:team-x@thread.tacv2", "name": "Contoso ERP"}


def channel_activity(**channel_data) -> Activity:
    data = {"team": {"id": PROJECT["projectId"], "aadGroupId": TEAM_GROUP}, "channel": {"id": CHANNEL},
            "tenant": {"id": "11111111-2222-3333-4444-555555555555"}, **channel_data}
    return Activity(type="message", channel_data=data, conversation=ConversationAccount(id=CHANNEL))


@pytest.fixture
def pin_settings(tmp_path):
    return make_settings(tmp_path, app_id=APP_EXTERNAL_ID, public_base_url="https://workshops.example.com")


async def test_pin_workshop_tab_through_graph(graph, pin_settings):
    catalog_id = graph.server.install_app(TEAM_GROUP)
    workshop = default_catalog().get(DATA_MIGRATION)
    tab = await pin_workshop_tab(graph.client, pin_settings, PROJECT, workshop, TEAM_GROUP, CHANNEL, graph.tenant)
    assert tab["id"] and tab["webUrl"].startswith("https://teams.microsoft.com/")
    [pinned] = graph.server.tabs
    assert pinned["displayName"] == "Data migration strategy"
    configuration = pinned["configuration"]
    assert configuration["entityId"] == f"workshop:{DATA_MIGRATION}"
    assert configuration["contentUrl"] == configuration["websiteUrl"] + "&theme={theme}"
    assert configuration["websiteUrl"].startswith(
        "https://workshops.example.com/tabs/workshop/data-migration?project=19%3Ateam-x%40thread.tacv2&token=")
    assert graph.server.graph_requests("POST", "/tabs")[0].body["teamsApp@odata.bind"].endswith(catalog_id)


async def test_pin_or_explain_posts_the_right_card(graph, pin_settings):
    workshop = default_catalog().get(DATA_MIGRATION)
    graph.server.install_app(TEAM_GROUP)
    recorded = []

    async def record(tab):
        recorded.append(tab)

    pinned = await pin_or_explain(graph.client, pin_settings, PROJECT, workshop, channel_activity(), record=record)
    assert "Tab pinned" in card_text(pinned)
    assert recorded == [{"id": graph.server.tabs[0]["id"], "webUrl": graph.server.tabs[0]["webUrl"]}]
    assert graph.server.graph_requests("GET", "/installedApps")[0].path == f"/v1.0/teams/{TEAM_GROUP}/installedApps", \
        "Graph addresses the team by its group id (aadGroupId), not the thread id"
    assert nodes(pinned, of_type("Action.OpenUrl"))[0]["url"] == graph.server.tabs[0]["webUrl"]

    chat = Activity(type="message", channel_data={"tenant": {"id": "t"}}, conversation=ConversationAccount(id="19:c"))
    by_hand = await pin_or_explain(graph.client, pin_settings, PROJECT, workshop, chat)
    assert "Tabs are pinned in a team's channels" in card_text(by_hand)
    assert "/tabs/workshop/data-migration?project=" in card_text(by_hand)

    assert "not connected to Microsoft Graph" in card_text(
        await pin_or_explain(None, pin_settings, PROJECT, workshop, channel_activity()))

    graph.server.fail_next(1, status=403)
    assert "TeamsTab.Create.Group" in card_text(
        await pin_or_explain(graph.client, pin_settings, PROJECT, workshop, channel_activity()))

    graph.server.fail_next(4, status=503)
    failed = await pin_or_explain(graph.client, pin_settings, PROJECT, workshop, channel_activity())
    graph.server.failures.clear()
    assert "Could not pin the tab" in card_text(failed)
    assert failed["actions"] == [{"type": "Action.Submit", "title": "Retry", "data": {"command": "pin data-migration"}}]

    series = await pin_or_explain(graph.client, pin_settings, PROJECT, None, channel_activity())
    assert "Tab pinned" in card_text(series) and graph.server.tabs[-1]["configuration"]["entityId"] == "series"


def test_tab_cards_render_and_escape():
    cards = [("pinned", tab_cards.pinned_card("Cutover *plan*", "https://teams.microsoft.com/l/entity/x")),
             ("by hand", tab_cards.pin_by_hand_card("Cutover", "https://w.example.com/tabs/series?project=p&token=t",
                                                    note="Not a channel.")),
             ("failed", tab_cards.pin_failed_card("Cutover", "Graph said <no>", "cutover"))]
    assert {name: events for name, events in parse_cards(cards).items() if events} == {}
    for _, card in cards:
        assert card["version"] == "1.5"
    assert r"Cutover \*plan\*" in card_text(cards[0][1])
    assert r"Graph said \<no\>" in card_text(cards[2][1])
