"""Forms that span turns: a dialog step that shows an Adaptive Card form and waits until its
answers are valid, and the conversation's dialog set the form-led commands (setup, plan) run in."""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Mapping, Optional

from botbuilder.core import ComponentRegistration, ConversationState, TurnContext
from botbuilder.dialogs import (Dialog, DialogContext, DialogsComponentRegistration, DialogSet, DialogTurnResult,
                                DialogTurnStatus)
from botbuilder.dialogs.memory import (ComponentMemoryScopesBase, ComponentPathResolversBase,
                                       DialogStateManagerConfiguration)

from texts import t

from .context import Refused
from .replies import card_message

log = logging.getLogger(__name__)

Render = Callable[[Mapping, dict], dict]
Validate = Callable[[TurnContext, dict], Awaitable[Any]]


class InvalidAnswers(Exception):
    """Raised by a validator: `errors` maps each bad field to a message shown on the form."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def submitted_form(activity) -> str | None:
    value = activity.value
    if isinstance(value, dict) and isinstance(value.get("form"), str):
        return value["form"]
    return None


class FormDialog(Dialog):
    """Sends the form card; on each submission of *this* form, validates it. Bad answers update the
    form the user pressed (the message Teams names in replyToId) with what they typed and every
    error marked, and the dialog keeps waiting; good ones end the dialog with whatever the
    validator returned. A validator that raises Refused (this person may not) gets its message as
    an answer and leaves the form alone: in a shared chat it is someone else's form. Other
    messages leave it waiting."""

    def __init__(self, dialog_id: str, form: str, render: Render, validate: Validate):
        super().__init__(dialog_id)
        self.form, self.render, self.validate = form, render, validate

    async def begin_dialog(self, dialog_context: DialogContext, options: object = None) -> DialogTurnResult:
        await self._send(dialog_context.context, options if isinstance(options, Mapping) else {}, {})
        return Dialog.end_of_turn

    async def continue_dialog(self, dialog_context: DialogContext) -> DialogTurnResult:
        activity = dialog_context.context.activity
        if submitted_form(activity) != self.form:
            return Dialog.end_of_turn
        answers = {k: v for k, v in activity.value.items() if k not in ("form", "verb")}
        try:
            result = await self.validate(dialog_context.context, answers)
        except Refused as refused:
            await dialog_context.context.send_activity(str(refused))
            return Dialog.end_of_turn
        except InvalidAnswers as invalid:
            await self._show_again(dialog_context.context, answers, invalid.errors)
            return Dialog.end_of_turn
        return await dialog_context.end_dialog(result)

    async def _send(self, turn_context: TurnContext, values: Mapping, errors: dict) -> None:
        await turn_context.send_activity(card_message(self.render(values, errors)))

    async def _show_again(self, turn_context: TurnContext, values: Mapping, errors: dict) -> None:
        """The form as typed, with its errors, in place of the one pressed; sent anew only when
        Teams did not say which message that was, or refuses the update."""
        pressed = turn_context.activity.reply_to_id
        if pressed:
            updated = card_message(self.render(values, errors))
            updated.id = pressed
            try:
                await turn_context.update_activity(updated)
                return
            except Exception:  # the user must still see what to fix
                log.warning("could not update form message %r; sending it again", str(pressed)[:60], exc_info=True)
        await self._send(turn_context, values, errors)


def memory_configuration() -> DialogStateManagerConfiguration:
    """The memory scopes and path resolvers botbuilder's DialogStateManager gathers from the registered
    components for the first dialog context of every turn (a tenth of a dialog step's CPU). They hold no
    state of their own, so one set serves every turn."""
    ComponentRegistration.add(DialogsComponentRegistration())
    configuration = DialogStateManagerConfiguration()
    for component in ComponentRegistration.get_components():
        if isinstance(component, ComponentMemoryScopesBase):
            configuration.memory_scopes.extend(component.get_memory_scopes())
        if isinstance(component, ComponentPathResolversBase):
            configuration.path_resolvers.extend(component.get_path_resolvers())
    return configuration


class Forms:
    """The conversation's dialog set (kept in conversation state, saved once at the end of a turn)."""

    def __init__(self, conversation_state: ConversationState):
        self.dialogs = DialogSet(conversation_state.create_property("DialogState"))
        self._memory = memory_configuration()

    async def _context(self, turn_context: TurnContext) -> DialogContext:
        turn_context.turn_state.setdefault(DialogStateManagerConfiguration.__name__, self._memory)
        return await self.dialogs.create_context(turn_context)

    def add(self, dialog: Dialog) -> None:
        self.dialogs.add(dialog)

    async def begin(self, turn_context: TurnContext, dialog_id: str, options: Optional[dict] = None) -> None:
        """Start a dialog, replacing any form this conversation left unfinished."""
        dialog_context = await self._context(turn_context)
        await dialog_context.cancel_all_dialogs()
        await dialog_context.begin_dialog(dialog_id, options)

    async def continue_form(self, turn_context: TurnContext) -> None:
        """A form was submitted: hand it to the dialog waiting for it, or say it is closed."""
        dialog_context = await self._context(turn_context)
        if dialog_context.active_dialog is None:
            command = "plan" if submitted_form(turn_context.activity) == "plan" else "setup"
            await turn_context.send_activity(t("dialogs.forms.closed_start_again", command=command))
            return
        result = await dialog_context.continue_dialog()
        if result.status == DialogTurnStatus.Empty:
            await turn_context.send_activity(t("dialogs.forms.closed"))
