"""bot/wire.py reads and writes activities exactly as msrest does, for generated activities of every
shape: well formed, with unknown keys, with wrongly typed values, nested accounts and entities."""

import copy
import json
from datetime import datetime, timezone

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, ConversationReference
from hypothesis import given, settings, strategies as st
from msrest.serialization import Model, Serializer

from cards.common import Card, card
from dialogs.replies import SentBuiltCard, SentCard, card_message
from bot.wire import ActivityReader, ActivityWriter, is_plain_json
from tests.test_cards import all_cards, form_and_status_cards, lifecycle_cards, planning_cards
from tests.test_hostile import json_values

MODELS = Activity._infer_class_models()
READ = ActivityReader()
WRITE = ActivityWriter(Serializer(MODELS), dict_types=(dict, SentCard), plain_types=(Card, SentBuiltCard))
TIMES = st.sampled_from(["2026-11-28T10:00:00.000Z", "2026-11-28T10:00:00.1234567+01:00", "2026-11-28T10:00:00Z",
                         "2026-11-28T09:59:59.999-08:00", "2026-02-30T10:00:00Z", "yesterday"])
SETTINGS = settings(max_examples=300, deadline=None)


def body_of(model_name: str, depth: int = 0):
    """JSON for a model: any of its keys, each with a value of its type or of any JSON type, plus extras."""
    fields = {}
    for desc in MODELS[model_name]._attribute_map.values():
        if desc["key"]:
            typed = value_of(desc["type"], depth)
            fields[desc["key"]] = st.one_of(*[typed] * 9, json_values)  # mostly well typed
    known = st.lists(st.sampled_from(sorted(fields)), max_size=8, unique=True).flatmap(
        lambda keys: st.fixed_dictionaries({key: fields[key] for key in keys}))
    extras = st.dictionaries(st.text(max_size=8), json_values, max_size=2)
    return st.builds(lambda k, e: {**e, **k}, known, extras)


def value_of(kind: str, depth: int):
    if kind == "str":
        return st.text(max_size=20)
    if kind == "bool":
        return st.booleans()
    if kind == "iso-8601":
        return TIMES
    inner = kind.strip("[]{}")
    if inner in MODELS and isinstance(MODELS[inner], type) and issubclass(MODELS[inner], Model):
        if depth >= 2:
            return st.none()
        model = st.deferred(lambda: body_of(inner, depth + 1))
        return st.lists(st.one_of(model, model, st.none()), max_size=3) if kind.startswith("[") else model
    return json_values


def shape(value):
    """A model tree as plain values, every attribute and the unknown keys kept, for comparison."""
    if isinstance(value, Model):
        return type(value).__name__, {k: shape(v) for k, v in sorted(vars(value).items())}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return value


def outcome(call, *args):
    try:
        return "ok", call(*args)
    except Exception as error:  # both sides must fail alike, whatever they raise
        return "error", type(error).__name__ != ""


@SETTINGS
@given(body_of("Activity"))
def test_reading_an_activity_builds_what_msrest_builds(body):
    ours = outcome(lambda b: shape(READ(b)), body)
    theirs = outcome(lambda b: shape(Activity().deserialize(b)), body)
    assert ours == theirs


@SETTINGS
@given(body_of("Activity"))
def test_writing_an_activity_gives_the_json_msrest_gives(body):
    try:
        activity = Activity().deserialize(body)
    except Exception:
        return
    ours = WRITE(activity)
    theirs = outcome(lambda a: Serializer(MODELS).body(a, "Activity"), activity)
    if ours is None:
        return  # left to msrest itself
    assert ("ok", ours) == theirs


def test_a_card_reply_as_the_bot_sends_it_is_written_as_msrest_writes_it():
    card = {"type": "AdaptiveCard", "version": "1.5", "body": [{"type": "TextBlock", "text": "Hi <b>", "wrap": True}]}
    incoming = READ({"type": "message", "id": "1", "channelId": "msteams", "serviceUrl": "https://smba.example/",
                     "from": {"id": "29:u", "name": "Ada", "aadObjectId": "a"}, "recipient": {"id": "28:b"},
                     "conversation": {"id": "19:c;messageid=1", "conversationType": "channel", "tenantId": "t"},
                     "timestamp": "2026-11-28T10:00:00Z", "entities": [{"type": "mention", "text": "<at>B</at>",
                                                                        "mentioned": {"id": "28:b"}}]})
    reference = TurnContext.get_conversation_reference(incoming)
    assert isinstance(reference, ConversationReference)
    reply = TurnContext.apply_conversation_reference(card_message(card), reference)
    reply.timestamp = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
    assert reply.type == ActivityTypes.message and type(reply.type) is not str
    written = WRITE(reply)
    plain = TurnContext.apply_conversation_reference(card_message(card), reference)
    plain.attachments[0].content = dict(card)  # what msrest can write: a plain dict
    plain.timestamp = reply.timestamp
    assert written == Serializer(MODELS).body(plain, "Activity")
    assert written["type"] == "message" and written["attachments"][0]["content"] == card
    assert incoming.entities[0].additional_properties == {"text": "<at>B</at>", "mentioned": {"id": "28:b"}}


def test_every_card_the_bot_builds_is_plain_json_so_it_may_be_sent_unwalked():
    """The writer takes a Card (and a card message's SentBuiltCard) without looking inside: that holds
    because the builders in cards/ make nothing but JSON. Walked here as plain dicts, each one is."""
    cards = all_cards() + planning_cards() + form_and_status_cards() + lifecycle_cards()
    for name, built in cards:
        assert type(built) is Card, name
        assert is_plain_json(built, dict_types=(dict, Card)), name
        assert type(card_message(built).attachments[0].content) is SentBuiltCard, name


def as_msrest_writes_it(activity: Activity) -> dict:
    """The JSON msrest writes for the activity with its cards as plain dicts (all msrest can write)."""
    plain = Activity().deserialize(Serializer(MODELS).body(activity, "Activity"))
    plain.attachments = [type(a)(content_type=a.content_type, content=json.loads(json.dumps(a.content)))
                         for a in activity.attachments]
    return Serializer(MODELS).body(plain, "Activity")


json_objects = st.dictionaries(st.text(max_size=8), json_values, max_size=4)


@SETTINGS
@given(json_objects, json_objects, st.booleans())
def test_a_built_card_is_written_as_msrest_writes_the_same_json(body, inner, nested_in_plain):
    """Cards, whole or shown inside another card (Action.ShowCard), come out as the same JSON as plain dicts."""
    shown = card([{"type": "TextBlock", "text": "inner", **inner}])
    outer = card([{"type": "TextBlock", "text": "x", **body}],
                 [{"type": "Action.ShowCard", "title": "More", "card": shown}])
    message = card_message(dict(outer) if nested_in_plain else outer)  # a plain card holding a built one
    message.timestamp = datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc)
    written = WRITE(message)
    assert written == as_msrest_writes_it(message)
    assert json.loads(json.dumps(written)) == as_msrest_writes_it(message)
    assert copy.deepcopy(outer) == outer and type(copy.deepcopy(outer)) is Card
