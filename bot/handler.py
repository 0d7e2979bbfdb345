"""The Teams activity handler: turns messages and card actions into replies."""

from __future__ import annotations

import logging
from typing import Awaitable, Callable, Optional

from botbuilder.core import ConversationState, InvokeResponse, TurnContext
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.dialogs import DialogSet, DialogTurnStatus
from botbuilder.schema import Activity, ActivityTypes

from cards import catalog_cards, outcome_cards, project_cards
from cards.common import CONTENT_TYPE
from catalog import Catalog
from dialogs.forms import submitted_form
from dialogs.plan import PlanDialog
from dialogs.setup import SetupDialog

from . import commands
from .adapter import INVOKE_RESPONSE_KEY, invoke_error, set_invoke_answer
from dialogs.agenda import Agendas
from .card_updates import CardUpdates
from .delivery import Deliveries
from dialogs.followup import FollowUp
from dialogs.replies import SentCard, card_message
from dialogs.pinning import pin_or_explain
from dialogs.planning import Outcome, Planning, Refused
from dialogs.context import PLAN, actor, find, tenant_of
from store import StoreUnavailable

log = logging.getLogger(__name__)

CommandHandler = Callable[[TurnContext, str], Awaitable[None]]
PLANNING_VERBS = ("roster.save", "plan.approve", "plan.change")
AGENDA_VERBS = ("agenda.rsvp", "agenda.approve", "agenda.edit", "agenda.schedule", "agenda.refresh")
# Card actions that only read: Teams sends one each time someone views a changed card (refresh.userIds),
# so a burst of sixty views must not cost sixty delivery claims and stored answers.
READ_ONLY_VERBS = frozenset({"agenda.refresh"})
FOLLOW_UP_VERBS = ("attendance.checkin", "attendance.save", "attendance.import", "outcome.save", "session.close",
                   "action.done")
NOT_FOR_YOUR_TENANT = "Sorry, this bot is not available to your organisation. Ask your Teams administrator."
TRY_AGAIN = "The project's data store is not answering right now. Nothing was changed: please try again in a moment."


def invoke_card(card: dict) -> InvokeResponse:
    return InvokeResponse(status=200, body=SentCard(statusCode=200, type=CONTENT_TYPE, value=card))


def invoke_message(message: str) -> InvokeResponse:
    return InvokeResponse(status=200, body={"statusCode": 200, "type": "application/vnd.microsoft.activity.message",
                                            "value": message})


class WorkshopBot(TeamsActivityHandler):
    def __init__(self, catalog: Catalog, planning: Planning, agendas: Agendas, followup: FollowUp,
                 conversation_state: ConversationState, deliveries: Deliveries,
                 allowed_tenants: frozenset[str] = frozenset(), card_updates: Optional[CardUpdates] = None):
        self.catalog = catalog
        self.card_updates = card_updates or CardUpdates()
        self.deliveries = deliveries
        self.allowed_tenants = allowed_tenants
        self.planning = planning
        self.agendas = agendas
        self.followup = followup
        self.conversation_state = conversation_state
        self.dialogs = DialogSet(conversation_state.create_property("DialogState"))
        self.dialogs.add(SetupDialog(planning))
        self.dialogs.add(PlanDialog(planning))
        # Static cards are built once, not per turn.
        self._help = card_message(catalog_cards.help_card())
        self._welcome = card_message(catalog_cards.welcome_card())
        self._workshops = card_message(catalog_cards.workshops_card(catalog))
        self._workshop_cards: dict[str, Activity] = {}
        self._commands: dict[str, CommandHandler] = {
            "help": self._send_help,
            "workshops": self._send_workshops,
            "workshop": self._send_workshop,
            "setup": self._setup,
            "roster": self._roster,
            "plan": self._plan,
            "agenda": self._agenda,
            "checkin": self._checkin,
            "attendance": self._attendance,
            "outcomes": self._outcomes,
            "actions": self._actions,
            "status": self._status,
            "export": self._export,
            "pin": self._pin,
        }
        # Card action verb -> the operation that owns it, called as (turn_context, verb, data).
        self._card_actions = {**dict.fromkeys(PLANNING_VERBS, planning.act), **dict.fromkeys(AGENDA_VERBS, agendas.act),
                              **dict.fromkeys(FOLLOW_UP_VERBS, followup.act)}

    async def on_turn(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        if not self._tenant_allowed(activity):
            await self._refuse_tenant(turn_context)
            return
        try:
            claim = await self.deliveries.claim(activity) if self._may_change_something(activity) else None
            if claim is not None and not claim.first:
                log.info("ignored a repeated delivery of %s %s", activity.type, activity.id)
                if activity.type == ActivityTypes.invoke:
                    set_invoke_answer(turn_context, InvokeResponse(**claim.answer) if claim.answer else
                                      invoke_message("Already done."))
                return
            await super().on_turn(turn_context)
            if claim is not None and activity.type == ActivityTypes.invoke:
                answer = turn_context.turn_state.get(INVOKE_RESPONSE_KEY)
                if answer is not None and answer.value is not None:
                    await self.deliveries.remember_answer(claim, answer.value.status, answer.value.body)
        except StoreUnavailable:
            log.warning("store unavailable during a %s turn", turn_context.activity.type)
            if turn_context.activity.type == ActivityTypes.invoke:
                set_invoke_answer(turn_context, invoke_error(503, "StoreUnavailable", TRY_AGAIN))
            else:
                await turn_context.send_activity(TRY_AGAIN)
            return
        # Dialog state is saved once, at the end of the turn (a no-op when no dialog was touched).
        await self.conversation_state.save_changes(turn_context)

    @staticmethod
    def _may_change_something(activity: Activity) -> bool:
        """Turns whose repetition would show or change something twice; help and the catalog are exempt."""
        if activity.type == ActivityTypes.invoke:
            if activity.name != "adaptiveCard/action":
                return False
            action = _card_action(activity.value)
            return action is None or action["verb"] not in READ_ONLY_VERBS
        if activity.type == ActivityTypes.conversation_update:
            return True
        if activity.type != ActivityTypes.message:
            return False
        if not (activity.text or "").strip():
            return activity.value is not None
        return commands.parse(activity.text).name not in (None, "help", "workshops", "workshop")

    def _tenant_allowed(self, activity: Activity) -> bool:
        if not self.allowed_tenants:
            return True
        return tenant_of(activity) in self.allowed_tenants

    async def _refuse_tenant(self, turn_context: TurnContext) -> None:
        log.warning("refused an activity from tenant %s", tenant_of(turn_context.activity) or "(none)")
        if turn_context.activity.type == ActivityTypes.invoke:
            set_invoke_answer(turn_context, invoke_error(403, "TenantNotAllowed", NOT_FOR_YOUR_TENANT))
        elif turn_context.activity.type == ActivityTypes.message:
            await turn_context.send_activity(NOT_FOR_YOUR_TENANT)

    # Messages -------------------------------------------------------------

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        activity = turn_context.activity
        text = activity.text
        if not (text or "").strip() and activity.value is not None:
            if submitted_form(activity):
                await self._continue_form(turn_context)
                return
            if isinstance(activity.value, dict) and activity.value.get("verb") in self._card_actions:
                await self._submitted_card_action(turn_context, activity.value)
                return
            text = commands.submitted_command(activity.value)
            if text is None:
                await turn_context.send_activity("I can't act on that button. Type **help** to see what I can do.")
                return
        parsed = commands.parse(text)
        if parsed.name:
            await self._commands[parsed.name](turn_context, parsed.argument)
            return
        await turn_context.send_activity(self._hint(parsed.text))

    @staticmethod
    def _hint(text: str) -> str:
        guess = commands.closest_command(text)
        if guess:
            return f"I didn't catch that. Did you mean **{guess}**? Type **help** to see everything I can do."
        return "I didn't catch that. Type **help** to see everything I can do."

    async def _send_help(self, turn_context: TurnContext, _argument: str) -> None:
        await turn_context.send_activity(self._help)

    async def _send_workshops(self, turn_context: TurnContext, _argument: str) -> None:
        await turn_context.send_activity(self._workshops)

    async def _send_workshop(self, turn_context: TurnContext, name: str) -> None:
        workshop = self.catalog.find(name) if name else None
        if workshop is None:
            suggestions = self.catalog.closest(name) if name else []
            await turn_context.send_activity(card_message(catalog_cards.workshop_not_found_card(name, suggestions)))
            return
        reply = self._workshop_cards.get(workshop.id)
        if reply is None:  # built once per workshop, like the help card: the catalog never changes
            reply = card_message(catalog_cards.workshop_card(self.catalog, workshop))
            self._workshop_cards[workshop.id] = reply
        await turn_context.send_activity(reply)

    # Dialog-led commands ----------------------------------------------------

    async def _begin(self, turn_context: TurnContext, dialog_id: str, options: Optional[dict] = None) -> None:
        """Start a dialog, replacing any form this conversation left unfinished."""
        dialog_context = await self.dialogs.create_context(turn_context)
        await dialog_context.cancel_all_dialogs()
        await dialog_context.begin_dialog(dialog_id, options)

    async def _continue_form(self, turn_context: TurnContext) -> None:
        dialog_context = await self.dialogs.create_context(turn_context)
        if dialog_context.active_dialog is None:
            command = "plan" if submitted_form(turn_context.activity) == "plan" else "setup"
            await turn_context.send_activity(f"That form is no longer open. Type **{command}** to start again.")
            return
        result = await dialog_context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await turn_context.send_activity("That form is no longer open.")

    async def _setup(self, turn_context: TurnContext, _argument: str) -> None:
        refusal, values = await self.planning.setup_start(turn_context)
        if refusal:
            await turn_context.send_activity(refusal)
            return
        await self._begin(turn_context, SetupDialog.__name__, values)

    async def _roster(self, turn_context: TurnContext, _argument: str) -> None:
        project_id, project, _ = await self.planning.context(turn_context)
        if not project:
            await turn_context.send_activity(card_message(project_cards.needs_setup_card("roster")))
            return
        roster = await self.planning.sync_roster(turn_context, project_id)
        who = actor(turn_context.activity)["aadObjectId"]
        await turn_context.send_activity(card_message(await self.planning.roster_card(project, roster, who)))

    async def _plan(self, turn_context: TurnContext, argument: str) -> None:
        project_id, project, roster = await self.planning.context(turn_context)
        if not project:
            await turn_context.send_activity(card_message(project_cards.needs_setup_card("plan")))
            return
        plan = await find(self.planning.store, project_id, PLAN)
        if plan and argument.lower() not in ("again", "new", "review", "redo"):
            await turn_context.send_activity(card_message(await self.planning.plan_card(project, plan)))
            return
        refusal = await self.planning.plan_refusal(project, roster, actor(turn_context.activity)["aadObjectId"])
        if refusal:
            await turn_context.send_activity(refusal)
            return
        await self._begin(turn_context, PlanDialog.__name__)

    async def _agenda(self, turn_context: TurnContext, name: str) -> None:
        project = await self._with_project(turn_context, "agenda")
        if project:
            try:
                await self.agendas.open(turn_context, project, name)
            except Refused as refused:
                await turn_context.send_activity(str(refused))

    async def _with_project(self, turn_context: TurnContext, command: str) -> Optional[dict]:
        """The turn's project, or None after offering set-up."""
        _, project, _ = await self.planning.context(turn_context)
        if not project:
            await turn_context.send_activity(card_message(project_cards.needs_setup_card(command)))
        return project

    async def _checkin(self, turn_context: TurnContext, name: str) -> None:
        if await self._with_project(turn_context, "checkin"):
            await self._answer(turn_context, lambda: self.followup.checkin(turn_context, name))

    async def _attendance(self, turn_context: TurnContext, name: str) -> None:
        if await self._with_project(turn_context, "attendance"):
            await self._answer(turn_context, lambda: self.followup.attendance_card(turn_context, name))

    async def _outcomes(self, turn_context: TurnContext, name: str) -> None:
        if await self._with_project(turn_context, "outcomes"):
            await self._answer(turn_context, lambda: self.followup.outcome_form(turn_context, name))

    async def _actions(self, turn_context: TurnContext, scope: str) -> None:
        project = await self._with_project(turn_context, "actions")
        if project:
            await self._answer(turn_context, lambda: self.followup.actions_card(turn_context, project, scope.lower()))

    async def _status(self, turn_context: TurnContext, _argument: str) -> None:
        project = await self._with_project(turn_context, "status")
        if project:
            status = await self.followup.status(project)
            await turn_context.send_activity(card_message(outcome_cards.status_card(project, status, self.catalog)))

    async def _export(self, turn_context: TurnContext, _argument: str) -> None:
        project = await self._with_project(turn_context, "export")
        if project:
            links = self.followup.export_links(project["projectId"])
            await turn_context.send_activity(card_message(outcome_cards.export_card(project, links)))

    async def _pin(self, turn_context: TurnContext, name: str) -> None:
        project = await self._with_project(turn_context, "pin")
        if not project:
            return
        series = name.strip().lower() in ("series", "the series", "")
        workshop = None if series else self.catalog.find(name)
        if not series and workshop is None:
            await turn_context.send_activity(f"I don't know a workshop called “{name[:60]}”. "
                                             "Say **pin series** or **pin <workshop>**.")
            return
        card = await pin_or_explain(self.agendas.graph, self.agendas.settings, project, workshop,
                                    turn_context.activity)
        await turn_context.send_activity(card_message(card))

    @staticmethod
    async def _answer(turn_context: TurnContext, produce) -> None:
        """Send what `produce` returns (a card or a text); a refusal is sent as its message."""
        try:
            answer = await produce()
        except Refused as refused:
            await turn_context.send_activity(str(refused))
            return
        await turn_context.send_activity(answer if isinstance(answer, str) else card_message(answer))

    # Installation ---------------------------------------------------------

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        """Welcome once, when the bot itself joins a team, group chat or personal chat.

        Overrides Teams' dispatch, which looks up every other new member in the connector:
        people joining need no answer, and the look-up costs a round trip.
        """
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in activity.members_added or []):
            await turn_context.send_activity(self._welcome)

    # Card actions -----------------------------------------------------------

    async def _run_card_action(self, turn_context: TurnContext, verb: str, data: dict) -> Outcome:
        return await self._card_actions[verb](turn_context, verb, data)

    async def on_invoke_activity(self, turn_context: TurnContext) -> Optional[InvokeResponse]:
        if not isinstance(turn_context.activity.name, str) or not turn_context.activity.name.strip():
            return invoke_error(400, "BadRequest", "An invoke activity needs a name.")
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
            await turn_context.send_activity(outcome.message)

    def _update_card_for_everyone(self, turn_context: TurnContext, card: dict) -> None:
        """The invoke answer refreshes the card for the person who pressed; this updates the message
        itself, after the answer (bot/card_updates.py)."""
        message_id = turn_context.activity.reply_to_id
        if not message_id:
            return
        updated = card_message(card)
        updated.id = message_id
        self.card_updates.update(turn_context, updated)


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
