"""The bot's records and its conversations survive a restart, on both stores."""

from bot.handler import TRY_AGAIN
from tests.plugins.botapp import Harness, card_of, card_text
from tests.test_planning import SETUP


async def test_an_unfinished_setup_dialog_continues_after_a_restart(app_client, connector, store_settings):
    connector.clear()
    first = Harness(await app_client(store_settings), connector, "channel")
    form = card_of((await first.say("setup"))[0])
    assert "Set up the project" in card_text(form)
    await first.client.close()

    # Same store, new process state: the form the user still has on screen is submitted now.
    second = Harness(await app_client(store_settings), connector, "channel", place=first.place)
    saved = card_of((await second.send_value(SETUP))[0])
    assert "Project set up" in card_text(saved)

    third = Harness(await app_client(store_settings), connector, "channel", place=first.place)
    reply = card_of((await third.say("setup"))[0])
    assert "Edit the project" in card_text(reply), "the project itself was stored"


async def test_healthz_reports_the_backend_and_that_it_answers(app_client, store_settings, backend):
    client = await app_client(store_settings)
    body = await (await client.get("/healthz")).json()
    assert body["store"] == {"backend": backend, "ok": True}


async def test_store_down_mid_dialog_tells_the_user_and_the_dialog_resumes(app_client, connector, proxy,
                                                                           cosmos_server):
    connector.clear()
    bot = Harness(await app_client(cosmos_server.settings(endpoint=proxy.url)), connector, "channel")
    await bot.say("setup")

    proxy.inject("503", times=10_000)
    replies = await bot.send_value(SETUP)
    assert [r.get("text") for r in replies] == [TRY_AGAIN]
    proxy.clear()

    assert "needs a project" in card_text(card_of((await bot.say("roster"))[0])), "nothing was half-written"
    saved = card_of((await bot.send_value(SETUP))[0])
    assert "Project set up" in card_text(saved), "the same form goes through once the store is back"
