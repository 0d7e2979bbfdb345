"""`plan`: the Solution Blueprint Review questions, then the recommended series to approve."""

from __future__ import annotations

from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

from dialogs.replies import card_message
from cards import plan_cards

from .forms import FormDialog


class PlanDialog(ComponentDialog):
    def __init__(self, planning):
        super().__init__(PlanDialog.__name__)
        self.planning = planning
        self.add_dialog(FormDialog("plan-form", plan_cards.PLAN_FORM, plan_cards.plan_form_card,
                                   planning.validate_plan))
        self.add_dialog(WaterfallDialog("plan-steps", [self._ask, self._recommend]))
        self.initial_dialog_id = "plan-steps"

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog("plan-form", await self.planning.plan_values(step.context))

    async def _recommend(self, step: WaterfallStepContext) -> DialogTurnResult:
        plan = await self.planning.save_plan(step.context, step.result)
        _, project, _ = await self.planning.context(step.context)
        card = await self.planning.plan_card(project, plan, "Here is the recommended series. A solution "
                                             "architect approves it; leads can add or remove workshops first.")
        await step.context.send_activity(card_message(card))
        return await step.end_dialog(plan)
