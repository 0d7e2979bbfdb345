"""The message extension through the real adapter: the `workshops` search (composeExtension/query and
selectItem) and link unfurling (composeExtension/queryLink) of the bot's own page links, shaped as
Teams sends them. Every card returned parses in the Adaptive Cards renderer."""

from urllib.parse import quote

import pytest

from tests.plugins.botapp import Harness, card_text, nodes, of_type, parse_cards, user
from tests.test_agenda import ready
from tests.test_planning import ADA, GRACE

STRANGER = user(6, "Mallory Stranger")  # not a member of any team here


def query(text: str = "", command: str = "workshops", initial: bool = False) -> dict:
    parameters = [{"name": "initialRun", "value": "true"}] if initial else [{"name": "query", "value": text}]
    return {"commandId": command, "parameters": parameters, "queryOptions": {"skip": 0, "count": 25}}


async def search(bot: Harness, value, who=ADA) -> tuple[int, dict]:
    response = await bot.post(bot.activity("invoke", name="composeExtension/query", value=value, **{"from": who}))
    return response.status, await response.json()


async def select(bot: Harness, value, who=ADA) -> tuple[int, dict]:
    response = await bot.post(bot.activity("invoke", name="composeExtension/selectItem", value=value,
                                           **{"from": who}))
    return response.status, await response.json()


async def unfurl(bot: Harness, url, who=ADA) -> tuple[int, dict]:
    response = await bot.post(bot.activity("invoke", name="composeExtension/queryLink", value={"url": url},
                                           **{"from": who}))
    return response.status, await response.json()


def attachments(body: dict) -> list[dict]:
    assert body["composeExtension"]["type"] == "result", body
    assert body["composeExtension"]["attachmentLayout"] == "list"
    return body["composeExtension"]["attachments"]


def assert_cards_parse(found: list[dict]) -> None:
    for item in found:
        assert item["contentType"] == "application/vnd.microsoft.card.adaptive"
        assert item["preview"]["contentType"] == "application/vnd.microsoft.card.thumbnail"
        assert item["preview"]["content"]["title"]
    results = parse_cards([(f"card{n}", item["content"]) for n, item in enumerate(found)])
    assert {name: events for name, events in results.items() if events} == {}


@pytest.fixture
async def channel_bot(app_client, connector) -> Harness:
    connector.clear()
    return Harness(await app_client(), connector, "channel")


async def tab_link(bot: Harness, workshop: str = "data migration") -> str:
    """The page link the bot posts with `pin` when Graph is off."""
    replies = await bot.say(f"pin {workshop}")
    [link] = [a["url"] for reply in replies for a in nodes(reply, of_type("Action.OpenUrl"))
              if a["title"] == "Open the page"]
    return link


# --- search ---------------------------------------------------------------------------------------

async def test_searching_the_catalog_finds_the_workshop_and_inserts_its_card(personal_bot: Harness):
    status, body = await search(personal_bot, query("cutover"))
    assert status == 200
    found = attachments(body)
    assert found[0]["preview"]["content"]["title"] == "Cutover strategy"
    assert "Cutover strategy" in card_text(found[0]["content"])
    assert_cards_parse(found)
    status, chosen = await select(personal_bot, found[0]["preview"]["content"]["tap"]["value"])
    assert status == 200
    [inserted] = attachments(chosen)
    assert card_text(inserted["content"]) == card_text(found[0]["content"])
    assert not nodes(inserted["content"], of_type("Action.Submit")), "inserted elsewhere: no buttons for the bot"


async def test_the_first_run_and_an_empty_query_list_every_workshop(personal_bot: Harness):
    for value in (query(initial=True), query("")):
        status, body = await search(personal_bot, value)
        assert status == 200 and len(attachments(body)) == 12


@pytest.mark.parametrize("text", ["zzzzqqq", "x" * 100_000, "<script>alert(1)</script>"])
async def test_a_query_that_matches_nothing_gets_a_short_answer(personal_bot: Harness, text):
    status, body = await search(personal_bot, query(text))
    assert status == 200
    assert body["composeExtension"]["type"] == "message"
    assert body["composeExtension"]["text"].startswith("No workshop matches")
    assert len(body["composeExtension"]["text"]) < 200


async def test_an_unknown_search_gets_a_short_answer(personal_bot: Harness):
    status, body = await search(personal_bot, query("cutover", command="deleteEverything"))
    assert status == 200 and body["composeExtension"] == {"type": "message",
                                                          "text": "This app has one search: Workshops."}


@pytest.mark.parametrize("value", [None, "cutover", [], {}, {"commandId": 7},
                                   {"commandId": "workshops", "parameters": "cutover"},
                                   {"commandId": "workshops", "parameters": [{"name": "query", "value": 5}]},
                                   {"commandId": "workshops", "parameters": [], "queryOptions": "all"}])
async def test_a_malformed_search_is_a_400_with_a_json_error(personal_bot: Harness, value):
    status, body = await search(personal_bot, value)
    assert status == 400
    assert set(body["error"]) == {"code", "message"}


@pytest.mark.parametrize("value", [None, [], "x", {"workshopId": "nope"}, {"workshopId": ["cutover"]}])
async def test_a_malformed_or_unknown_chosen_item_gets_an_answer_not_a_5xx(personal_bot: Harness, value):
    status, body = await select(personal_bot, value)
    assert status in (200, 400)
    assert "composeExtension" in body or set(body["error"]) == {"code", "message"}


async def test_in_a_projects_team_members_find_its_sessions_with_their_status(channel_bot: Harness):
    await ready(channel_bot)
    status, body = await search(channel_bot, query("data migration"), who=GRACE)
    assert status == 200
    found = attachments(body)
    first = card_text(found[0]["content"])
    assert "Data migration strategy" in first and "Contoso ERP" in first and "Draft" in first
    assert "Not scheduled yet" in first
    assert [a["title"] for a in nodes(found[0]["content"], of_type("Action.OpenUrl"))] == ["Open the workshop page"]
    assert found[0]["preview"]["content"]["text"] == "Draft · Contoso ERP"
    assert_cards_parse(found)
    # Someone who is not on the roster sees the catalog only: nothing of the project.
    _, theirs = await search(channel_bot, query("data migration"), who=STRANGER)
    shown = "\n".join(card_text(a["content"]) for a in attachments(theirs))
    assert "Contoso ERP" not in shown and "Draft" not in shown


# --- unfurling --------------------------------------------------------------------------------------

async def test_a_pasted_tab_link_unfurls_into_the_workshops_status_for_a_member(channel_bot: Harness):
    await ready(channel_bot)
    link = await tab_link(channel_bot)
    status, body = await unfurl(channel_bot, link, who=GRACE)
    assert status == 200
    [item] = attachments(body)
    shown = card_text(item["content"])
    assert "Data migration strategy" in shown and "Draft" in shown and "Contoso ERP" in shown
    assert item["content"]["version"] == "1.5"
    assert_cards_parse([item])


async def test_a_pasted_series_link_unfurls_into_the_series(channel_bot: Harness):
    await ready(channel_bot)
    link = await tab_link(channel_bot, "series")
    status, body = await unfurl(channel_bot, link, who=GRACE)
    [item] = attachments(body)
    shown = card_text(item["content"])
    assert "Workshop series" in shown and "Data migration strategy" in shown and "Planned" in shown
    assert_cards_parse([item])


async def test_a_link_to_a_project_someone_cannot_see_unfurls_into_nothing(channel_bot: Harness):
    await ready(channel_bot)
    link = await tab_link(channel_bot)
    status, body = await unfurl(channel_bot, link, who=STRANGER)
    assert status == 200 and attachments(body) == []
    assert "Contoso" not in str(body)


async def test_forged_foreign_and_other_links_unfurl_into_nothing(channel_bot: Harness):
    await ready(channel_bot)
    link = await tab_link(channel_bot)
    base, _, token = link.partition("&token=")
    for url in (f"{base}&token={quote('forged')}", link.replace("/tabs/workshop/", "/tabs/workshop/nope/"),
                link.replace("data-migration", "no-such-workshop"), "https://evil.example/tabs/series",
                link.split("/tabs/")[0] + "/privacy", link + "x" * 5000, "not a url at all", ""):
        status, body = await unfurl(channel_bot, url, who=GRACE)
        assert status == 200 and attachments(body) == [], url


@pytest.mark.parametrize("value", [None, "https://x", {}, {"url": 5}, {"url": ["a"]}])
async def test_a_malformed_unfurl_is_a_400_with_a_json_error(personal_bot: Harness, value):
    response = await personal_bot.post(personal_bot.activity("invoke", name="composeExtension/queryLink",
                                                             value=value))
    body = await response.json()
    assert response.status == 400 and set(body["error"]) == {"code", "message"}


def test_the_manifest_declares_the_search_and_the_link_domain():
    from dialogs.search import COMMAND_ID
    from manifest.build import build_manifest
    from tests.test_manifest import schema_errors

    manifest = build_manifest("2f1c1a3e-5b6d-4c7e-8f90-a1b2c3d4e5f6", "https://workshops.example.com:8443/bot")
    [extension] = manifest["composeExtensions"]
    assert extension["botId"] == manifest["bots"][0]["botId"]
    [command] = extension["commands"]
    assert (command["id"], command["type"], command["initialRun"]) == (COMMAND_ID, "query", True)
    assert [p["name"] for p in command["parameters"]] == ["query"]
    assert extension["messageHandlers"] == [{"type": "link", "value": {"domains": ["workshops.example.com:8443"]}}]
    assert manifest["validDomains"] == ["workshops.example.com:8443"]
    assert schema_errors(manifest) == []
