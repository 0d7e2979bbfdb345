"""The turns the benchmark sends: activities shaped as Teams sends them (personal chat), and the five
turn types, each with an optional per-conversation warm-up that is not timed."""

from __future__ import annotations

import itertools
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Awaitable, Callable, Optional

BOT_ID = "28:workshops-bot"
TENANT = "tenant-1"
PEOPLE = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Katherine Johnson", "Edsger Dijkstra")
GO_LIVE = (date.today() + timedelta(days=300)).isoformat()
SETUP = {"form": "setup", "name": "Contoso ERP", "customer": "Contoso", "partner": "Fabrikam",
         "products": "finance,supply-chain", "goLive": GO_LIVE, "phase": "implement", "timeZone": "Europe/London"}
BAD_SETUP = {**SETUP, "name": "", "goLive": "2020-01-01", "products": ""}  # three validation errors
ANSWERS = {"form": "plan", "products": "finance,supply-chain", "migration_volume": "high",
           "integrations": "office365,external", "external_systems": "3", "gap_count": "4", "business_units": "2",
           "regulated": "false", "high_volumes": "true", "geo_distributed": "false", "reporting": "standard",
           "legacy_mapping": "false", "branding": "false", "alm_maturity": "basic", "go_live": GO_LIVE}
WORKSHOP_NAMES = ("cutover", "alm", "data migration", "bi", "perf", "data model", "post go live", "integration",
                  "security", "testing", "user experience", "gap solutions")
RSVP_ANSWERS = ("accept", "tentative", "decline")

_run = uuid.uuid4().hex[:6]
_ids = itertools.count(1)


def aad(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


def user(n: int) -> dict:
    return {"id": f"29:user{n}", "name": PEOPLE[(n - 1) % len(PEOPLE)], "aadObjectId": aad(n)}


def conversation_id(label: str, n: int) -> str:
    return f"a:bench-{_run}-{label}-{n}"


def activity(service_url: str, conversation: str, type_: str, who: int = 1, **fields: Any) -> dict:
    return {"type": type_, "id": f"act-{_run}-{next(_ids)}", "channelId": "msteams", "serviceUrl": service_url,
            "from": user(who), "recipient": {"id": BOT_ID, "name": "Workshops"}, "locale": "en-GB",
            "conversation": {"id": conversation, "conversationType": "personal", "tenantId": TENANT},
            "channelData": {"tenant": {"id": TENANT}}, **fields}


def message(service_url: str, conversation: str, text: str, who: int = 1) -> dict:
    return activity(service_url, conversation, "message", who, text=text)


def submit(service_url: str, conversation: str, value: dict, who: int = 1) -> dict:
    """An Action.Submit press: a message with the form's values and no text, naming (as Teams does) the
    message of the card pressed, here card-message-1."""
    return activity(service_url, conversation, "message", who, value=value, replyToId="card-message-1")


def execute(service_url: str, conversation: str, verb: str, data: dict, who: int = 1) -> dict:
    """An Action.Execute press on a card the bot posted as message card-message-1."""
    value = {"action": {"type": "Action.Execute", "verb": verb, "data": data}}
    return activity(service_url, conversation, "invoke", who, name="adaptiveCard/action", value=value,
                    replyToId="card-message-1")


def execute_data(card: dict, verb: str) -> dict:
    """The data of the card's Action.Execute with this verb (searched at any depth)."""
    stack = [card]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if node.get("type") == "Action.Execute" and node.get("verb") == verb:
                return dict(node.get("data") or {})
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    raise LookupError(f"no Action.Execute {verb!r} on the card")


def card_of(posted: dict) -> dict:
    attachments = posted.get("attachments") or []
    if not attachments:
        raise LookupError(f"expected a card, the bot sent text: {posted.get('text')!r}")
    return attachments[0]["content"]


# Something that sends one activity and returns (HTTP status, parsed JSON body or None).
Send = Callable[[dict], Awaitable[tuple[int, Any]]]
# Something that returns the last activity the bot posted to a conversation.
LastPosted = Callable[[str], Awaitable[dict]]


@dataclass
class Conversation:
    id: str
    service_url: str
    state: dict = field(default_factory=dict)


@dataclass
class TurnType:
    """One kind of turn. `warm_up` runs once per conversation before timing starts; `turn` builds the
    t-th timed activity; `expect_invoke` says whether the answer is an invoke response (200 + card)."""

    name: str
    title: str
    turn: Callable[[Conversation, int], dict]
    warm_up: Optional[Callable[[Conversation, Send, LastPosted], Awaitable[None]]] = None
    expect_invoke: bool = False
    stateful: bool = False


async def _ok(send: Send, body: dict) -> Any:
    status, answer = await send(body)
    if status not in (200, 201, 202):
        raise RuntimeError(f"warm-up turn answered {status}: {answer}")
    return answer


async def open_setup(conv: Conversation, send: Send, _last: LastPosted) -> None:
    await _ok(send, message(conv.service_url, conv.id, "setup"))


async def _ready_agenda(conv: Conversation, send: Send, last: LastPosted) -> None:
    """A project, roles (Grace solution architect, Alan functional lead), a plan and the data migration
    agenda card, as the tests build them; keeps the card's RSVP action data."""
    url = conv.service_url
    await _ok(send, message(url, conv.id, "setup"))
    await _ok(send, submit(url, conv.id, SETUP))
    await _ok(send, message(url, conv.id, "roster"))
    roster = card_of(await last(conv.id))
    roles = {f"roles:{aad(2)}": "solution-architect", f"org:{aad(2)}": "partner",
             f"roles:{aad(3)}": "functional-lead", f"org:{aad(3)}": "customer"}
    answer = await _ok(send, execute(url, conv.id, "roster.save", {**execute_data(roster, "roster.save"), **roles}))
    if not isinstance(answer, dict) or answer.get("type") != "application/vnd.microsoft.card.adaptive":
        raise RuntimeError(f"roster.save was not accepted: {answer}")
    await _ok(send, message(url, conv.id, "plan"))
    await _ok(send, submit(url, conv.id, ANSWERS))
    await _ok(send, message(url, conv.id, "agenda data migration"))
    card = card_of(await last(conv.id))
    conv.state["rsvp"], conv.state["refresh"] = execute_data(card, "agenda.rsvp"), execute_data(card, "agenda.refresh")


def _rsvp(conv: Conversation, t: int) -> dict:
    """Each of five people in turn; each one's answer changes every time they press, so every RSVP
    is a real change (saved, and the shared card updated)."""
    who = t % len(PEOPLE) + 1
    answer = RSVP_ANSWERS[(t // len(PEOPLE)) % len(RSVP_ANSWERS)]
    return execute(conv.service_url, conv.id, "agenda.rsvp", {**conv.state["rsvp"], "response": answer}, who)


def _refresh(conv: Conversation, t: int) -> dict:
    """What Teams sends for each of up to 60 people when they look at an agenda card that changed."""
    return execute(conv.service_url, conv.id, "agenda.refresh", conv.state["refresh"], t % len(PEOPLE) + 1)


HELP = TurnType("help", "`help`", lambda c, t: message(c.service_url, c.id, "help"))
WORKSHOP = TurnType("workshop", "`workshop <name>`",
                    lambda c, t: message(c.service_url, c.id, f"workshop {WORKSHOP_NAMES[t % len(WORKSHOP_NAMES)]}"))
def _dialog_step(conv: Conversation, t: int) -> dict:
    """The `setup` dialog, alternately: a form submission with three validation errors (reads the dialog
    state, validates, sends the form back with the errors; the state is unchanged, so not written), then
    `setup` again (reads the dialog state, cancels the open form and begins a new one: a write)."""
    if t % 2 == 0:
        return submit(conv.service_url, conv.id, BAD_SETUP)
    return message(conv.service_url, conv.id, "setup")


DIALOG = TurnType("dialog", "dialog step (`setup` form: a submission with errors, then `setup` again, alternately)",
                  _dialog_step, warm_up=open_setup, stateful=True)
RSVP = TurnType("rsvp", "RSVP card action (Action.Execute)", _rsvp, warm_up=_ready_agenda, expect_invoke=True,
                stateful=True)
REFRESH = TurnType("refresh", "card refresh (`agenda.refresh`: a person looks at an agenda card that changed)",
                   _refresh, warm_up=_ready_agenda, expect_invoke=True, stateful=True)
ECHO = TurnType("echo", "echo (`help` sent to an echo bot)", lambda c, t: message(c.service_url, c.id, "help"))

BOT_TURNS = (HELP, WORKSHOP, DIALOG, RSVP, REFRESH)


def dumps(body: dict) -> bytes:
    return json.dumps(body).encode()
