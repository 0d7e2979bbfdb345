"""botbuilder Storage on both backends: MemoryStorage's semantics, and dialogs that survive between turns."""

from __future__ import annotations

import pytest
from botbuilder.core import ConversationState, MessageFactory, StoreItem, TurnContext, UserState
from botbuilder.core.adapters import TestAdapter
from botbuilder.dialogs import (
    Dialog,
    DialogSet,
    DialogTurnStatus,
    PromptOptions,
    PromptValidatorContext,
    TextPrompt,
    WaterfallDialog,
    WaterfallStepContext,
)
from botbuilder.schema import Activity, ChannelAccount, ConversationAccount

from bot.state_storage import BotStateStorage, StateConflict, WorkshopConversationState
from cards.common import card, text
from dialogs.forms import FormDialog, Forms, InvalidAnswers
from store import BOT_STATE, Conflict, DocumentStore, storage_id


@pytest.fixture
def storage(store: DocumentStore) -> BotStateStorage:
    return BotStateStorage(store)


async def test_reading_unknown_or_no_keys_returns_an_empty_dict(storage: BotStateStorage):
    assert await storage.read(["unknown"]) == {}
    assert await storage.read([]) == {}
    assert await storage.read(None) == {}


async def test_writing_none_raises_and_writing_nothing_does_not(storage: BotStateStorage):
    with pytest.raises(Exception, match="Changes are required when writing"):
        await storage.write(None)
    await storage.write({})
    await storage.write([])


async def test_create_and_read_dicts_and_store_items(storage: BotStateStorage):
    await storage.write({"createPoco": {"id": 1}, "createPocoStoreItem": {"id": 2, "e_tag": "*"},
                        "item": StoreItem(count=3, tags=["a", "ü"])})
    read = await storage.read(["createPoco", "createPocoStoreItem", "item", "missing"])
    assert set(read) == {"createPoco", "createPocoStoreItem", "item"}
    assert read["createPoco"]["id"] == 1 and read["createPocoStoreItem"]["id"] == 2
    assert read["createPocoStoreItem"]["e_tag"]
    assert isinstance(read["item"], StoreItem)
    assert (read["item"].count, read["item"].tags) == (3, ["a", "ü"])
    assert read["item"].e_tag


async def test_write_does_not_change_what_it_is_given(storage: BotStateStorage):
    change = {"count": 1, "e_tag": "*"}
    await storage.write({"k": change})
    assert change == {"count": 1, "e_tag": "*"}


@pytest.mark.parametrize("key", [
    '!@#$%^&*()_+??><":QASD~`',
    "msteams/conversations/19:abc@thread.tacv2;messageid=1700000000000/",
    "a/b", "a*2fb", "a\\b#c?d\t\n",
    "ключ/🔑/数据",
    "x" * 600,
])
async def test_crazy_keys(storage: BotStateStorage, key: str):
    await storage.write({key: {"id": 1}, "a*2fb-neighbour": {"id": 2}})
    read = await storage.read([key])
    assert read[key]["id"] == 1
    assert len(storage_id(key)) <= 255


async def test_keys_that_look_alike_stay_apart(storage: BotStateStorage):
    keys = ["a/b", "a*2fb", "a*b", "a\\b", "x" * 600, "x" * 599 + "y"]
    await storage.write({key: {"n": n} for n, key in enumerate(keys)})
    read = await storage.read(keys)
    assert {key: item["n"] for key, item in read.items()} == {key: n for n, key in enumerate(keys)}


async def test_update_with_etags(storage: BotStateStorage):
    """botbuilder's StorageBaseTests.update_object, including the stale-e_tag check it leaves out for Python."""
    await storage.write({"pocoItem": {"id": 1, "count": 1}, "pocoStoreItem": {"id": 1, "count": 1, "e_tag": "*"}})
    loaded = await storage.read(["pocoItem", "pocoStoreItem"])
    poco, poco_store_item = loaded["pocoItem"], loaded["pocoStoreItem"]
    poco["e_tag"] = None
    assert poco_store_item["e_tag"]

    poco["count"] += 1
    poco_store_item["count"] += 1
    await storage.write(loaded)
    reloaded = await storage.read(loaded.keys())
    assert reloaded["pocoItem"]["count"] == 2 and reloaded["pocoStoreItem"]["count"] == 2
    assert reloaded["pocoStoreItem"]["e_tag"] != poco_store_item["e_tag"]

    poco["count"] = 123  # no e_tag: overwrites
    await storage.write({"pocoItem": poco})

    poco_store_item["count"] = 123  # a stale e_tag: refused
    with pytest.raises(StateConflict) as refused:
        await storage.write({"pocoStoreItem": poco_store_item})
    assert isinstance(refused.value, KeyError) and isinstance(refused.value, Conflict)  # as MemoryStorage raises
    assert "pocoStoreItem" in str(refused.value)

    again = await storage.read(["pocoItem", "pocoStoreItem"])
    assert again["pocoItem"]["count"] == 123 and again["pocoStoreItem"]["count"] == 2

    again["pocoItem"]["count"] = again["pocoStoreItem"]["count"] = 100
    again["pocoStoreItem"]["e_tag"] = "*"  # the wildcard overwrites whatever is stored
    await storage.write(again)
    latest = await storage.read(["pocoItem", "pocoStoreItem"])
    assert latest["pocoItem"]["count"] == latest["pocoStoreItem"]["count"] == 100

    latest["pocoStoreItem"]["e_tag"] = ""  # an empty e_tag is an error
    with pytest.raises(Exception, match="etag missing"):
        await storage.write({"pocoStoreItem": latest["pocoStoreItem"]})
    assert (await storage.read(["pocoStoreItem"]))["pocoStoreItem"]["count"] == 100


async def test_stale_etag_on_a_store_item_is_refused(storage: BotStateStorage):
    await storage.write({"item": StoreItem(count=1)})
    first = (await storage.read(["item"]))["item"]
    second = (await storage.read(["item"]))["item"]
    first.count = 2
    await storage.write({"item": first})
    second.count = 3
    with pytest.raises(StateConflict):
        await storage.write({"item": second})
    assert (await storage.read(["item"]))["item"].count == 2


async def test_an_etag_for_an_item_that_is_gone_writes_it(storage: BotStateStorage):
    """As MemoryStorage: with nothing stored there is nothing to conflict with."""
    await storage.write({"k": {"n": 1, "e_tag": "some-old-etag"}})
    assert (await storage.read(["k"]))["k"]["n"] == 1


async def test_delete(storage: BotStateStorage):
    await storage.write({"delete1": {"id": 1, "count": 1, "e_tag": "*"}, "keep": {"n": 1}})
    assert (await storage.read(["delete1"]))["delete1"]["count"] == 1
    await storage.delete(["delete1"])
    assert await storage.read(["delete1", "keep"]) == {"keep": (await storage.read(["keep"]))["keep"]}
    await storage.delete(["unknown_key"])
    await storage.delete({"keep", "delete1"})
    assert await storage.read(["delete1", "keep"]) == {}


async def test_batch_operations(storage: BotStateStorage):
    await storage.write({"batch1": {"count": 10}, "batch2": {"count": 20}, "batch3": {"count": 30}})
    result = await storage.read(["batch1", "batch2", "batch3"])
    assert [result[k]["count"] for k in ("batch1", "batch2", "batch3")] == [10, 20, 30]
    await storage.delete(["batch1", "batch2", "batch3"])
    assert await storage.read(["batch1", "batch2", "batch3"]) == {}


async def test_state_lives_in_the_botstate_container(storage: BotStateStorage, store: DocumentStore):
    key = "msteams/conversations/19:abc@thread.tacv2"
    await storage.write({key: {"n": 1}})
    doc_id = storage_id(key)
    stored = await store.get(BOT_STATE, doc_id, doc_id)
    assert stored["realId"] == key and stored["document"] == {"n": 1}


TEAMS_CHANNEL = Activity(
    channel_id="msteams",
    service_url="https://smba.trafficmanager.net/emea/",
    from_property=ChannelAccount(id="29:user-1", name="Ada Lovelace", aad_object_id="00000000-0000-0000-0000-000000000001"),
    recipient=ChannelAccount(id="28:workshops-bot", name="Workshops"),
    conversation=ConversationAccount(id="19:channel@thread.tacv2;messageid=1700000000000", is_group=True),
)


async def test_waterfall_dialog_survives_between_turns(store: DocumentStore):
    """Every turn builds its state objects afresh on the store, so nothing is carried over in memory."""

    async def validate_name(prompt: PromptValidatorContext) -> bool:
        if len(prompt.recognized.value) > 3:
            await prompt.context.send_activity(f"You got it at try {prompt.options.number_of_attempts}!")
            return True
        await prompt.context.send_activity(f"Longer than 3 characters, please. {prompt.options.number_of_attempts}")
        return False

    async def step_1(step: WaterfallStepContext) -> DialogTurnStatus:
        assert isinstance(step.active_dialog.state["stepIndex"], int)
        await step.context.send_activity("step1")
        return Dialog.end_of_turn

    async def step_2(step: WaterfallStepContext):
        return await step.prompt(TextPrompt.__name__, PromptOptions(prompt=MessageFactory.text("Please type your name")))

    async def step_3(step: WaterfallStepContext):
        step.values["name"] = step.result
        await step.context.send_activity(f"Hello {step.result}")
        return Dialog.end_of_turn

    async def step_4(step: WaterfallStepContext):
        await step.context.send_activity(f"Bye {step.values['name']}")
        return await step.end_dialog(step.values["name"])

    async def turn(context: TurnContext) -> None:
        storage = BotStateStorage(store)
        conversation_state, user_state = ConversationState(storage), UserState(storage)
        dialogs = DialogSet(conversation_state.create_property("DialogState"))
        dialogs.add(WaterfallDialog(WaterfallDialog.__name__, [step_1, step_2, step_3, step_4]))
        dialogs.add(TextPrompt(TextPrompt.__name__, validate_name))
        turns = user_state.create_property("turns")

        await turns.set(context, await turns.get(context, lambda: 0) + 1)
        dialog_context = await dialogs.create_context(context)
        result = await dialog_context.continue_dialog()
        if result.status == DialogTurnStatus.Complete:
            await context.send_activity(f"done: {result.result}")
        elif not context.responded:
            await dialog_context.begin_dialog(WaterfallDialog.__name__)
        await conversation_state.save_changes(context)
        await user_state.save_changes(context)

    adapter = TestAdapter(turn, TEAMS_CHANNEL)
    flow = await adapter.send("hello")
    flow = await flow.assert_reply("step1")
    flow = await flow.send("hello")
    flow = await flow.assert_reply("Please type your name")
    flow = await flow.send("hi")
    flow = await flow.assert_reply("Longer than 3 characters, please. 0")
    flow = await flow.send("yo")
    flow = await flow.assert_reply("Longer than 3 characters, please. 1")
    flow = await flow.send("Kyle")
    flow = await flow.assert_reply("You got it at try 2!")
    flow = await flow.assert_reply("Hello Kyle")
    flow = await flow.send("ok")
    flow = await flow.assert_reply("Bye Kyle")
    flow = await flow.assert_reply("done: Kyle")

    # The state really is in the store, under the keys botbuilder uses.
    storage = BotStateStorage(store)
    saved = await storage.read(["msteams/users/29:user-1", f"msteams/conversations/{TEAMS_CHANNEL.conversation.id}"])
    assert saved["msteams/users/29:user-1"]["turns"] == 6  # one per message sent
    conversation = saved[f"msteams/conversations/{TEAMS_CHANNEL.conversation.id}"]
    assert conversation["DialogState"].dialog_stack == []  # the dialog ended


async def test_concurrent_turns_do_not_silently_overwrite_each_other(store: DocumentStore):
    """Two turns read the same conversation state; the second one to save is refused."""
    storage = BotStateStorage(store)
    key = "msteams/conversations/19:busy@thread.tacv2"
    await storage.write({key: {"step": 0}})
    first, second = (await storage.read([key]))[key], (await storage.read([key]))[key]
    first["step"] = 1
    await storage.write({key: first})
    second["step"] = 2
    with pytest.raises(StateConflict):
        await storage.write({key: second})
    assert (await storage.read([key]))[key]["step"] == 1


class CountedStorage(BotStateStorage):
    """The bot's storage, counting the writes that reach it."""

    def __init__(self, store: DocumentStore):
        super().__init__(store)
        self.writes = []

    async def write(self, changes):
        self.writes.append(sorted(changes))
        await super().write(changes)


async def test_the_bot_saves_its_form_dialog_state_only_when_a_turn_changes_it(store: DocumentStore):
    """The setup form sent back with errors leaves the dialog as it was: nothing is written. Starting the
    form and finishing it change the dialog stack: each is written."""
    storage = CountedStorage(store)

    def render(values, errors) -> dict:
        return card([text(f"name: {values.get('name', '')} {errors.get('name', '')}")])

    async def validate(_context, answers):
        if not answers.get("name"):
            raise InvalidAnswers({"name": "needed"})
        return answers["name"]

    async def turn(context: TurnContext) -> None:
        state = WorkshopConversationState(storage)  # afresh each turn, as nothing may be carried in memory
        forms = Forms(state)
        forms.add(FormDialog("setup", "setup", render, validate))
        if context.activity.value:
            await forms.continue_form(context)
        else:
            await forms.begin(context, "setup")
        await state.save_changes(context)

    adapter = TestAdapter(turn, TEAMS_CHANNEL)
    key = f"msteams/conversations/{TEAMS_CHANNEL.conversation.id}"
    await adapter.send("setup")
    assert storage.writes == [[key]], "the form's dialog is saved"
    for _ in range(2):
        await adapter.send(Activity(type="message", value={"form": "setup", "name": ""}))
    assert storage.writes == [[key]], "answers with errors change nothing, so nothing is written"
    await adapter.send(Activity(type="message", value={"form": "setup", "name": "Contoso"}))
    assert storage.writes == [[key], [key]], "the finished dialog is saved"
    assert (await storage.read([key]))[key]["DialogState"].dialog_stack == []


async def test_any_change_deep_in_the_state_is_saved_even_one_pickle_cannot_take(store: DocumentStore):
    storage = CountedStorage(store)
    key = f"msteams/conversations/{TEAMS_CHANNEL.conversation.id}"
    await storage.write({key: {"stack": [{"id": "setup", "state": {"values": {"name": "a", "n": 1}}}]}})
    changes = [
        lambda s: None,  # untouched: no write
        lambda s: s["stack"][0]["state"]["values"].update(n=True),  # 1 -> True: equal in Python, not in JSON
        lambda s: s["stack"][0]["state"]["values"].update(name="b"),
        lambda s: s["stack"].append(StoreItem(tags=["x"])),
        lambda s: s.update(later=lambda: None),  # pickle cannot take a lambda: botbuilder's fingerprint decides
        lambda s: s["stack"][0]["state"]["values"].update(name="c"),
    ]
    for number, change in enumerate(changes):
        context = TurnContext(TestAdapter(), Activity(type="message", **{
            k: getattr(TEAMS_CHANNEL, k) for k in ("channel_id", "conversation", "from_property", "recipient")}))
        state = WorkshopConversationState(storage)
        await state.load(context)
        change(state.get(context))
        await state.save_changes(context)
        assert len(storage.writes) == 1 + number, f"change {number}"


async def test_a_state_another_instance_wrote_is_read_as_written_and_ours_stay_private(store):
    """Each instance restores the states it read or wrote from memory, by ETag: a change made elsewhere
    has another ETag, so it is read from the store; and what a read returns is the reader's own copy."""
    ours, theirs = BotStateStorage(store), BotStateStorage(store)
    await ours.write({"conv": {"stack": [{"id": "setup", "step": 1}]}})
    first = (await ours.read(["conv"]))["conv"]
    first["stack"].append("changed by the caller")
    mine = (await ours.read(["conv"]))["conv"]
    assert mine["stack"] == [{"id": "setup", "step": 1}]
    await theirs.write({"conv": {**mine, "stack": [{"id": "setup", "step": 2}]}})
    again = (await ours.read(["conv"]))["conv"]
    assert again["stack"] == [{"id": "setup", "step": 2}] and again["e_tag"] != mine["e_tag"]
    with pytest.raises(StateConflict):
        await ours.write({"conv": {**mine, "stack": []}})
