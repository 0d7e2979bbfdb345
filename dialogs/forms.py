"""A dialog step that shows an Adaptive Card form and waits until its answers are valid."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Mapping

from botbuilder.core import TurnContext
from botbuilder.dialogs import Dialog, DialogContext, DialogTurnResult

from dialogs.replies import card_message

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
    """Sends the form card; on each submission of *this* form, validates it. Bad answers get the
    form again with every error marked, and the dialog keeps waiting; good ones end the dialog
    with whatever the validator returned. Other messages leave it waiting."""

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
        except InvalidAnswers as invalid:
            await self._send(dialog_context.context, answers, invalid.errors)
            return Dialog.end_of_turn
        return await dialog_context.end_dialog(result)

    async def _send(self, turn_context: TurnContext, values: Mapping, errors: dict) -> None:
        card = self.render(values, errors)
        await turn_context.send_activity(card_message(card))
