"""`setup`: create the team's project, or edit it."""

from __future__ import annotations

from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

from dialogs.replies import card_message
from cards import project_cards

from .forms import FormDialog


class SetupDialog(ComponentDialog):
    def __init__(self, planning):
        super().__init__(SetupDialog.__name__)
        self.planning = planning
        self.add_dialog(FormDialog("setup-form", project_cards.SETUP_FORM, self._render, planning.validate_setup))
        self.add_dialog(WaterfallDialog("setup-steps", [self._ask, self._save]))
        self.initial_dialog_id = "setup-steps"

    @staticmethod
    def _render(values, errors):
        return project_cards.setup_form_card(values, errors, editing=values.get("editing") is True)

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        """Open the form with the values the `setup` command read along with its permission check."""
        return await step.begin_dialog("setup-form", step.options)

    async def _save(self, step: WaterfallStepContext) -> DialogTurnResult:
        project, created = await self.planning.save_project(step.context, step.result)
        card = project_cards.project_saved_card(project, created=created)
        await step.context.send_activity(card_message(card))
        return await step.end_dialog(project)
