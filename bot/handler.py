"""The Teams activity handler: turns messages and card actions into replies."""

from __future__ import annotations

import asyncio
import logging
from typing import Callable, NamedTuple, Optional, Union

from botbuilder.core import ConversationState, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.schema import Activity, ActivityTypes
from botframework.connector import Channels

from cards.commands import not_here, scope_of
from cards.common import CONTENT_TYPE
from dialogs import Flows
from dialogs.context import Outcome, Refused, Services, tenant_of
from dialogs.forms import submitted_form
from dialogs.meeting import EVENTS as MEETING_EVENTS
from dialogs.replies import SentCard, card_message
from dialogs.search import BadInvoke
from store import StoreUnavailable
from texts import DEFAULT, catalogue, t

from . import commands
from .adapter import INVOKE_RESPONSE_KEY, invoke_error, set_invoke_answer
from .card_updates import CardUpdates
from .delivery import ASK_AGAIN_LATER, LAZY_CLAIM, Claim, Deliveries, Repeated, TurnClaim

log = logging.getLogger(__name__)

# Card actions that only read, and send and change nothing, so they take no delivery claim: Teams sends
# one each time someone views a changed card (refresh.userIds), and a burst of sixty views must not cost
# sixty delivery claims and stored answers.
READ_ONLY_VERBS = frozenset({"agenda.refresh", "actions.refresh"})
# Card actions whose one write records the activity id in the record it changes (dialogs/context.remember),
# so a redelivery is recognised there and changes nothing: no separate claim and done mark (two writes).
SELF_CLAIMED_VERBS = frozenset({"agenda.rsvp"})
READ_ONLY_COMMANDS = frozenset({None, "help", "workshops", "workshop"})  # None: not a command, a hint
# Commands that show a card or open a form and write nothing but the conversation's dialog state: like
# the read-only ones, a repeat must not post the form twice, and a turn that died is simply typed again.
FORM_COMMANDS = frozenset({"setup", "plan"})
TRY_AGAIN = catalogue(DEFAULT)["bot.handler.try_again"]  # the English text, as tests compare it; sent with t()


class Refusal(NamedTuple):
    """Why an activity is turned away before anything reads it: an invoke's error, a message's answer
    (`key`: its text in the catalogue, read in the turn's language)."""
    status: int
    code: str
    key: str

    @property
    def message(self) -> str:
        return t(self.key)


NOT_TEAMS = Refusal(403, "ChannelNotSupported", "bot.handler.not_teams")
NO_SENDER = Refusal(400, "MissingIdentity", "bot.handler.no_sender")
NOT_FOR_YOUR_TENANT = Refusal(403, "TenantNotAllowed", "bot.handler.not_your_tenant")


def invoke_card(card: dict) -> InvokeResponse:
    return InvokeResponse(status=200, body=SentCard(statusCode=200, type=CONTENT_TYPE, value=card))


def invoke_message(message: str) -> InvokeResponse:
    return InvokeResponse(status=200, body={"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                                            "value": message})


class WorkshopBot(TeamsActivityHandler):
    """Routes each activity to its flow (dialogs/): messages to a command or the open form, card
    actions by verb, and the bot's own installation to the welcome card. Around every turn: the
    channel, sender and tenant checks, the at-most-once delivery claim, and one save of the dialog state."""

    def __init__(self, services: Services, conversation_state: ConversationState, deliveries: Deliveries,
                 allowed_tenants: frozenset[str] = frozenset(), card_updates: Optional[CardUpdates] = None):
        self.card_updates = card_updates or CardUpdates(services.messenger, services.outbox)
        self.deliveries = deliveries
        self.allowed_tenants = allowed_tenants
        self.conversation_state = conversation_state
        self.services = services
        self.flows = Flows(services, conversation_state)
        self._commands = self.flows.commands
        self._card_actions = self.flows.card_actions
        self._invokes = self.flows.invokes

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        refusal = self._refusal(activity)
        if refusal is not None:
            await self._refuse(turn_context, refusal)
            return
        needs_claim = self._needs_claim(activity)
        # A form submission claims at its first effect (bot/delivery.py, TurnClaim), every other turn first.
        lazy = TurnClaim(self.deliveries, activity) if needs_claim and submitted_form(activity) else None
        token = LAZY_CLAIM.set(lazy)
        if lazy is not None:
            _claim_before_sending(turn_context, lazy)
        try:
            claim = (await self.deliveries.claim(activity, settled=self._only_reads(activity))
                     if needs_claim and lazy is None else None)
            if claim is not None and not claim.first:
                self._answer_repeat(turn_context, claim)
                return
            await super().on_turn(turn_context)
            claim = claim or (lazy.claim if lazy else None)
            # Dialog state is saved once, at the end of the turn (a no-op when no dialog was touched);
            # it and the claim's done mark are independent writes, made together.
            writes = [self.conversation_state.save_changes(turn_context)]
            if claim is not None:
                writes.append(self.deliveries.finish(claim, _invoke_answer(turn_context)))
            for result in await asyncio.gather(*writes, return_exceptions=True):
                if isinstance(result, BaseException):
                    raise result
            if claim is None and lazy is not None and lazy.claim is not None:  # the state save took it
                await self.deliveries.finish(lazy.claim, _invoke_answer(turn_context))
        except Repeated as repeated:
            self._answer_repeat(turn_context, repeated.claim)
        except StoreUnavailable:
            log.warning("store unavailable during a %r turn", _short(activity.type))
            if lazy is not None:
                lazy.closed = True  # saying so takes no claim: with the store down, none could be taken
            if turn_context.activity.type == ActivityTypes.invoke:
                set_invoke_answer(turn_context, invoke_error(503, "StoreUnavailable", t("bot.handler.try_again")))
            else:
                await turn_context.send_activity(t("bot.handler.try_again"))
        finally:
            if lazy is not None:
                lazy.closed = True
            LAZY_CLAIM.reset(token)

    @staticmethod
    def _answer_repeat(turn_context: TurnContext, claim: Claim) -> None:
        """A delivery of an activity already handled (or being handled right now, elsewhere)."""
        activity = turn_context.activity
        log.info("repeated delivery of %r %r (%s)", _short(activity.type), _short(activity.id),
                 "still running" if claim.busy else "done")
        if activity.type == ActivityTypes.invoke:
            set_invoke_answer(turn_context, invoke_error(503, "InProgress", t("bot.handler.still_working")) if claim.busy
                              else InvokeResponse(**claim.answer) if claim.answer
                              else invoke_message(t("bot.handler.already_done")))
        elif claim.busy:
            ASK_AGAIN_LATER.set(True)

    @staticmethod
    def _only_reads(activity: Activity) -> bool:
        """A typed message that only shows the catalog or a hint, or opens a form: nothing to redo if its
        turn dies, so its claim is done at once (one write, not two)."""
        if activity.type != ActivityTypes.message or not (activity.text or "").strip():
            return False
        return commands.parse(activity.text).name in READ_ONLY_COMMANDS | FORM_COMMANDS

    def _needs_claim(self, activity: Activity) -> bool:
        """Every turn that sends or changes something takes a delivery claim, so a redelivery has no
        second effect: every message (help and the catalog too: a retry must not post a second card),
        every invoke but a read-only one (searches and link previews are), and the welcome."""
        if activity.type == ActivityTypes.message:
            return True
        if activity.type == ActivityTypes.invoke:
            if isinstance(activity.name, str) and activity.name in self._invokes:
                return False
            action = _card_action(activity.value) if activity.name == "adaptiveCard/action" else None
            return action is None or action["verb"] not in READ_ONLY_VERBS | SELF_CLAIMED_VERBS
        if activity.type == ActivityTypes.event:
            return activity.name in MEETING_EVENTS
        return activity.type == ActivityTypes.conversation_update and _bot_added(activity)

    def _refusal(self, activity: Activity) -> Optional[Refusal]:
        """Why this activity is turned away unread, or None. Team, tenant and user ids are taken from
        the activity as Teams sends it; other channels (Emulator, Web Chat, Direct Line) fill those
        fields as they please, and every record and claim keys on the sender and the conversation."""
        if activity.channel_id != Channels.ms_teams:
            return NOT_TEAMS
        if not (_has_id(activity.from_property) and _has_id(activity.conversation)):
            return NO_SENDER
        if self.allowed_tenants and tenant_of(activity) not in self.allowed_tenants:
            return NOT_FOR_YOUR_TENANT
        return None

    @staticmethod
    async def _refuse(turn_context: TurnContext, refusal: Refusal) -> None:
        """An invoke gets the error, a message one short answer (if it says where to), anything else nothing."""
        activity = turn_context.activity
        log.warning("refused a %r activity: %s (channel %r, tenant %r)", _short(activity.type), refusal.code,
                    _short(activity.channel_id), _short(tenant_of(activity)))
        if activity.type == ActivityTypes.invoke:
            set_invoke_answer(turn_context, invoke_error(refusal.status, refusal.code, refusal.message))
        elif activity.type == ActivityTypes.message and _has_id(activity.conversation):
            await turn_context.send_activity(refusal.message)

    # Messages -------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        text = activity.text
        if not (text or "").strip() and activity.value is not None:
            if submitted_form(activity):
                await self.flows.forms.continue_form(turn_context)
                return
            if isinstance(activity.value, dict) and activity.value.get("verb") in self._card_actions:
                await self._submitted_card_action(turn_context, activity.value)
                return
            text = commands.submitted_command(activity.value)
            if text is None:
                await turn_context.send_activity(t("bot.handler.unknown_button"))
                return
        parsed = commands.parse(text)
        if not parsed.name:
            await turn_context.send_activity(self._hint(parsed.text))
            return
        elsewhere = not_here(parsed.name, scope_of(activity.conversation.conversation_type))
        if elsewhere:
            await turn_context.send_activity(elsewhere)
            return
        try:
            await self._commands[parsed.name](turn_context, parsed.argument)
        except Refused as refused:
            await turn_context.send_activity(str(refused))

    @staticmethod
    def _hint(text: str) -> str:
        guess = commands.closest_command(text)
        if guess:
            return t("bot.handler.did_you_mean", command=guess)
        return t("bot.handler.not_understood")

    # Installation ---------------------------------------------------------

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """Welcome once, when the bot itself joins a team, group chat or personal chat (in a workshop's
        meeting chat, the welcome is the workshop's agenda).

        Overrides Teams' dispatch, which looks up every other new member in the connector:
        people joining need no answer, and the look-up costs a round trip.
        """
        if _bot_added(turn_context.activity) and not await self.flows.meetings.welcome(turn_context):
            await turn_context.send_activity(self.flows.browse.welcome)

    # Meeting events ---------------------------------------------------------

    async def on_event_activity(self, turn_context: TurnContext) -> None:
        """Teams meeting start and end, participants joining and leaving: the meeting flow."""
        if turn_context.activity.name in MEETING_EVENTS:
            await self.flows.meetings.on_event(turn_context)

    # Card actions -----------------------------------------------------------

    async def _run_card_action(self, turn_context: TurnContext, verb: str, data: dict) -> Outcome:
        return await self._card_actions[verb](turn_context, verb, data)

    async def on_invoke_activity(self, turn_context: TurnContext) -> Optional[InvokeResponse]:
        if not isinstance(turn_context.activity.name, str) or not turn_context.activity.name.strip():
            return invoke_error(400, "BadRequest", "An invoke activity needs a name.")
        if turn_context.activity.name in self._invokes:
            try:
                return await self._invokes[turn_context.activity.name](turn_context)
            except BadInvoke as bad:
                return InvokeResponse(status=bad.status, body={"error": {"code": bad.code, "message": str(bad)}})
        if turn_context.activity.name != "adaptiveCard/action":
            return await super().on_invoke_activity(turn_context)
        action = _card_action(turn_context.activity.value)
        if action is None:
            return invoke_error(400, "BadRequest", "This card action is malformed.")
        if action["verb"] not in self._card_actions:
            return invoke_error(400, "NotSupported", f"The card action '{action['verb'][:50]}' is not supported.")
        try:
            outcome = await self._run_card_action(turn_context, action["verb"], action.get("data") or {})
        except Refused as refused:
            return invoke_message(str(refused))
        if outcome.changed:
            self._update_card_for_everyone(turn_context, outcome.everyone or outcome.card)
        return invoke_card(outcome.card)

    async def _submitted_card_action(self, turn_context: TurnContext, data: dict) -> None:
        """The Action.Submit fallback of an Action.Execute button, from older Teams clients."""
        try:
            outcome = await self._run_card_action(turn_context, data["verb"], data)
        except Refused as refused:
            await turn_context.send_activity(str(refused))
            return
        if outcome.changed:
            self._update_card_for_everyone(turn_context, outcome.everyone or outcome.card)
        elif outcome.message:
            # Nothing changed (a check failed, or the card was stale): the presser's card, as they typed
            # it, goes to them as a reply; the message everyone shares is left as it is.
            await turn_context.send_activity(card_message(outcome.card))

    def _update_card_for_everyone(self, turn_context: TurnContext, card: Union[dict, Callable[[], dict]]) -> None:
        """The invoke answer refreshes the card for the person who pressed; this updates the message
        itself, after the answer (bot/card_updates.py), drawing the card then when `card` draws it."""
        message_id = turn_context.activity.reply_to_id
        if not message_id:
            return

        def draw() -> Activity:
            updated = card_message(card() if callable(card) else card)
            updated.id = message_id
            return updated

        self.card_updates.update(turn_context, message_id, draw)


def _claim_before_sending(turn_context: TurnContext, turn: TurnClaim) -> None:
    """The turn's claim is taken before the first message it posts (an invoke's answer is not one: it
    goes back on the request). Not an on_send_activities handler: botbuilder 4.17 makes the send's
    coroutine before running those, and one that stops the send would leave it never awaited."""
    send = turn_context.send_activities

    async def claimed_first(activities):
        if any(a.type not in (ActivityTypes.invoke_response, ActivityTypes.trace) for a in activities):
            await turn.take()
        return await send(activities)

    turn_context.send_activities = claimed_first


def _has_id(account: object) -> bool:
    """A `from` or `conversation` with a non-blank id."""
    account_id = getattr(account, "id", None)
    return isinstance(account_id, str) and bool(account_id.strip())


def _short(value: object) -> Optional[str]:
    """A field from the activity, cut short for a log line (logged with %r, so it cannot forge lines)."""
    return None if value is None else str(value)[:60]


def _bot_added(activity: Activity) -> bool:
    """The bot itself is among the members a conversationUpdate adds."""
    bot_id = activity.recipient.id if activity.recipient else None
    return any(member.id == bot_id for member in activity.members_added or [])


def _invoke_answer(turn_context: TurnContext) -> Optional[dict]:
    """The answer this turn gives its invoke, as a claim keeps it for a repeated delivery."""
    answer = turn_context.turn_state.get(INVOKE_RESPONSE_KEY)
    if turn_context.activity.type != ActivityTypes.invoke or answer is None or answer.value is None:
        return None
    return {"status": answer.value.status, "body": answer.value.body}


def _card_action(value: object) -> Optional[dict]:
    """The `action` of an adaptiveCard/action invoke if it is well formed, else None."""
    if not isinstance(value, dict):
        return None
    action = value.get("action")
    if not isinstance(action, dict) or action.get("type") != "Action.Execute":
        return None
    if not isinstance(action.get("verb"), str) or not action["verb"]:
        return None
    if "data" in action and not isinstance(action["data"], dict):
        return None
    return action
