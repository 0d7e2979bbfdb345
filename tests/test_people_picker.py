"""People are chosen with Teams' People Picker (an Input.ChoiceSet whose choices come from a Data.Query
on the conversation's users): action-item owners, agenda topic owners, a guest at attendance, and who
gets a role on the roster. The server still accepts only people on the roster."""

import pytest

from tests.plugins.botapp import Harness, aad, card_of, card_text, nodes, parse_cards
from tests.test_agenda import ready
from tests.test_planning import ADA, ALAN, press, roster_card, set_up
from tests.test_followup import record_outcomes

PICKER = {"type": "Data.Query", "dataset": "graph.microsoft.com/users?scope=currentContext"}


@pytest.fixture
async def bot(personal_bot):
    return personal_bot


def pickers(card: dict) -> dict:
    return {n["id"]: n for n in nodes(card, lambda node: node.get("choices.data") is not None)}


async def test_the_roster_gives_a_role_to_the_person_picked(bot: Harness):
    await set_up(bot)
    card = await roster_card(bot)
    picker = pickers(card)["grant:person"]
    assert picker["type"] == "Input.ChoiceSet" and picker["choices.data"] == PICKER
    assert {c["title"] for c in picker["choices"]} >= {"Grace Hopper", "Katherine Johnson"}
    assert parse_cards([("roster", card)]) == {"roster": []}
    status, body = await press(bot, card, "roster.save", ADA, **{"grant:person": aad(4), "grant:role": "test-lead"})
    assert status == 200
    shown = card_text(body["value"])
    assert "Roles saved." in shown
    after = card_text(await roster_card(bot))
    assert "Katherine Johnson" in after
    roles = nodes(await roster_card(bot), lambda node: node.get("id") == f"roles:{aad(4)}")
    assert roles[0]["value"] == "test-lead"


async def test_a_person_picked_who_is_not_on_the_roster_gets_no_role(bot: Harness):
    await set_up(bot)
    card = await roster_card(bot)
    _, body = await press(bot, card, "roster.save", ADA, **{"grant:person": aad(99), "grant:role": "test-lead"})
    shown = card_text(body["value"])
    assert "Nothing changed." in shown and "not on the roster yet" in shown
    _, body = await press(bot, card, "roster.save", ADA, **{"grant:person": aad(4)})
    assert "Choose the role" in card_text(body["value"])


async def test_owners_and_guests_are_picked_with_the_people_picker(bot: Harness):
    agenda = await ready(bot)
    assert {"owner:t1", "newOwner"} <= set(pickers(agenda))
    form = card_of((await bot.say("outcomes data migration", **{"from": ALAN}))[-1])
    owner = pickers(form)
    assert any(key.endswith(":owner") for key in owner)
    assert all(p["choices.data"] == PICKER for p in owner.values())
    assert parse_cards([("outcomes", form)]) == {"outcomes": []}


async def test_an_owner_picked_who_is_not_on_the_roster_is_refused_next_to_the_field(bot: Harness):
    await ready(bot)
    body = await record_outcomes(bot, who=ALAN, confirmed=True, **{"action:new1:owner": aad(99)})
    assert "from the roster" in card_text(body["value"])
