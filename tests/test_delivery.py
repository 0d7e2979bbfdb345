"""Repeated deliveries have one effect, and other tenants are kept out."""

from tests.plugins.botapp import BOT_ID, Harness, card_of, card_text
from tests.test_planning import ANSWERS, GRACE, SETUP, execute_actions, give_roles, set_up


async def post_twice(bot: Harness, activity: dict):
    first = await bot.post(activity)
    second = await bot.post(activity)
    return first, second


async def test_a_repeated_message_is_answered_once(personal_bot: Harness, connector):
    before = len(connector.sent)
    await post_twice(personal_bot, personal_bot.message("setup"))
    assert len(connector.sent) - before == 1


async def test_a_repeated_form_submission_is_applied_once(personal_bot: Harness, connector):
    await personal_bot.say("setup")
    submission = personal_bot.activity("message", value=SETUP)
    before = len(connector.sent)
    await post_twice(personal_bot, submission)
    sent = connector.sent[before:]
    assert len(sent) == 1 and "Project set up" in card_text(card_of(sent[0]))


async def test_a_repeated_invoke_gets_the_first_answer(personal_bot: Harness):
    bot = personal_bot
    await set_up(bot)
    await give_roles(bot)
    await bot.say("plan")
    card = card_of((await bot.send_value(ANSWERS))[0])
    action = execute_actions(card)["plan.approve"]
    invoke = bot.activity("invoke", name="adaptiveCard/action", **{"from": GRACE}, value={
        "action": {"type": "Action.Execute", "verb": "plan.approve", "data": action["data"]}})
    first, second = await post_twice(bot, invoke)
    first_body, second_body = await first.json(), await second.json()
    assert "Approved by Grace Hopper" in card_text(first_body["value"])
    assert second_body == first_body, "the retry sees what the first delivery produced, not 'out of date'"


async def test_a_repeated_install_welcomes_once(personal_bot: Harness, connector):
    before = len(connector.sent)
    await post_twice(personal_bot, personal_bot.activity("conversationUpdate", membersAdded=[{"id": BOT_ID}]))
    assert len(connector.sent) - before == 1


async def test_a_repeated_help_is_answered_once(personal_bot: Harness, connector):
    before = len(connector.sent)
    await post_twice(personal_bot, personal_bot.message("help"))
    assert len(connector.sent) - before == 1, "a retry must not post a second card (tests/test_protocol.py)"


class TestAllowedTenants:
    async def test_other_tenants_are_refused_politely_and_nothing_is_stored(self, app_client, connector):
        connector.clear()
        bot = Harness(await app_client(allowed_tenants=frozenset({"contoso-tenant"})), connector, "channel")
        replies = await bot.say("setup")
        assert replies[0]["text"].startswith("Sorry, this bot is not available to your organisation")
        assert "attachments" not in replies[0] or not replies[0]["attachments"]
        response = await bot.post(bot.activity("invoke", name="adaptiveCard/action", value={
            "action": {"type": "Action.Execute", "verb": "plan.approve", "data": {"version": 1}}}))
        assert response.status == 403
        assert (await response.json())["value"]["code"] == "TenantNotAllowed"

        allowed = Harness(bot.client, connector, "channel", place={**bot.place, "channelData": {
            **bot.place["channelData"], "tenant": {"id": "contoso-tenant"}}})
        reply = card_of((await allowed.say("roster"))[0])
        assert "needs a project" in card_text(reply), "the refused setup left nothing behind"


async def test_a_claim_whose_turn_died_is_taken_over_once_its_lease_runs_out(store):
    from botbuilder.schema import Activity, ConversationAccount

    from bot.delivery import LEASE_SECONDS, Deliveries

    now = [1_000.0]
    deliveries = Deliveries(store, clock=lambda: now[0])
    activity = Activity(id="act-died", conversation=ConversationAccount(id="conv-1"))
    first = await deliveries.claim(activity)
    assert first.first, "the first delivery runs"
    meanwhile = await deliveries.claim(activity)
    assert not meanwhile.first and meanwhile.busy, "while it runs, a second delivery is asked to come back"
    now[0] += LEASE_SECONDS + 1  # the instance running the first died: its lease runs out
    taken = await deliveries.claim(activity)
    assert taken.first, "a later delivery takes the turn over and redoes it"
    await deliveries.finish(first, {"status": 200, "body": "from the dead one"})  # too late: not its claim now
    await deliveries.finish(taken, {"status": 200, "body": "done"})
    repeat = await deliveries.claim(activity)
    assert not repeat.first and not repeat.busy and repeat.answer == {"status": 200, "body": "done"}


async def test_a_message_whose_first_delivery_is_still_running_is_asked_for_again_later(personal_bot: Harness):
    from app import BOT

    bot = personal_bot
    message = bot.message("help")
    deliveries = bot.client.app[BOT].deliveries
    from botbuilder.schema import Activity

    await deliveries.claim(Activity().deserialize(message))  # another instance is handling it right now
    response = await bot.post(message)
    assert response.status == 503
    assert (await response.json())["error"]["code"] == "InProgress"
