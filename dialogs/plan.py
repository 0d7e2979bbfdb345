"""`plan`: the Solution Blueprint Review questions, then the recommended series, which leads change
and a solution architect approves on its card."""

from __future__ import annotations

from typing import Mapping, Optional

from botbuilder.core import TurnContext
from botbuilder.dialogs import ComponentDialog, DialogTurnResult, WaterfallDialog, WaterfallStepContext

from cards import plan_cards
from store import PROJECT_DATA, Conflict, update
from texts import t
from workshops import agenda, lifecycle, people, plan as plans
from workshops.blueprint import stored_answers
from workshops.project import team_zone
from workshops.recommend import AnswerError, plan_series, profile_from_answers

from .context import (PLAN, PROJECT, ROSTER, Outcome, Refused, Services, Stale, actor, answer, find,
                      project_and_roster, project_key, project_or_offer_setup, tenant_of, workshop_named)
from .forms import FormDialog, Forms, InvalidAnswers
from .replies import card_message

RERUN_WORDS = ("again", "new", "review", "redo")
SHOWN = "project"  # the project line the form showed, carried by its button so it comes back with errors


class Series:
    def __init__(self, services: Services, forms: Forms, meetings=None):
        self.services, self.forms, self.meetings = services, forms, meetings
        forms.add(PlanDialog(self))
        self.commands = {"plan": self.command}
        self.card_actions = {"plan.approve": self.act, "plan.change": self.act}

    async def command(self, turn_context: TurnContext, argument: str) -> None:
        project = await project_or_offer_setup(self.services, turn_context, "plan")
        if not project:
            return
        plan = await find(self.services.store, project["projectId"], PLAN)
        words = argument.split(None, 1)
        if words and words[0].lower() == "why":
            await answer(turn_context, lambda: self.why(project, plan, words[1] if len(words) > 1 else ""))
            return
        if plan and argument.lower() not in RERUN_WORDS:
            await turn_context.send_activity(card_message(self.card(project, plan)))
            return
        roster = await find(self.services.store, project["projectId"], ROSTER) or {}
        refusal = (self.refusal(project, roster, actor(turn_context.activity)["aadObjectId"])
                   or await self.series_refusal(project["projectId"]))
        if refusal:
            await turn_context.send_activity(refusal)
            return
        await self.forms.begin(turn_context, PlanDialog.__name__)

    @staticmethod
    def refusal(project: Mapping, roster: Mapping, who: str) -> Optional[str]:
        return None if people.is_lead(project, roster, who) else t("dialogs.plan.leads_only")

    async def series_refusal(self, project_id: str) -> Optional[str]:
        """Why the series can no longer change (the engagement is closed), or None."""
        post = await find(self.services.store, project_id, agenda.session_id(lifecycle.CLOSES_ENGAGEMENT))
        verdict = lifecycle.check_series(post)
        return None if verdict.allowed else verdict.message

    async def change_refusal(self, project: Mapping, data: Mapping) -> Optional[str]:
        """Why this change of the series is refused now: a closed engagement, or removing a
        workshop that has been held or is under way (workshops/lifecycle.py), or None."""
        refusal = await self.series_refusal(project["projectId"])
        catalog, workshop_id = self.services.catalog, data.get("workshopId")
        if refusal or data.get("include") != "remove" or not isinstance(workshop_id, str) or workshop_id not in catalog:
            return refusal
        workshop = catalog.get(workshop_id)
        session = await find(self.services.store, project["projectId"], agenda.session_id(workshop.id))
        verdict = lifecycle.check(session, self.services.clock(), lifecycle.REMOVE, title=workshop.title,
                                  tz=team_zone(project))
        return None if verdict.allowed else verdict.message

    async def why(self, project: Mapping, plan: Optional[Mapping], name: str) -> dict:
        """`plan why <workshop>`: the plan's reasons for putting a workshop in or leaving it out."""
        if not plan:
            raise Refused(t("dialogs.plan.no_plan"))
        if not name.strip():
            raise Refused(t("dialogs.plan.why_which"))
        workshop = workshop_named(self.services.catalog, name, "plan why")
        return plan_cards.why_card(project, plan, self.services.catalog, workshop.id)

    async def form_values(self, turn_context: TurnContext) -> dict:
        """The answers last given (read into today's form), with the project's facts to show."""
        project_id = project_key(turn_context.activity)
        plan = await find(self.services.store, project_id, PLAN)
        project = await find(self.services.store, project_id, PROJECT) or {}
        return {**stored_answers((plan or {}).get("answers", {})), SHOWN: plan_cards.project_line(project)}

    async def validate(self, turn_context: TurnContext, answers: dict) -> dict:
        project, roster = await project_and_roster(self.services.store, project_key(turn_context.activity))
        refusal = self.refusal(project or {}, roster, actor(turn_context.activity)["aadObjectId"])
        if refusal or not project:
            raise Refused(refusal or t("dialogs.plan.setup_first"))
        refusal = await self.series_refusal(project["projectId"])
        if refusal:
            raise Refused(refusal)
        plain = {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in answers.items()
                 if isinstance(v, (str, int, float, bool)) and k != SHOWN}
        try:
            profile_from_answers(plain, project=project, today=self.services.today())
        except AnswerError as error:
            raise InvalidAnswers(error.errors) from None
        return plain

    async def save(self, turn_context: TurnContext, answers: dict) -> dict:
        """The recommended series for the project's go-live, products and phase as set up now."""
        project_id, today, store = project_key(turn_context.activity), self.services.today(), self.services.store
        project = await find(store, project_id, PROJECT) or {}
        series = plan_series(profile_from_answers(answers, project=project, today=today), self.services.catalog,
                             today=today, per_week=self.services.settings.plan_workshops_per_week)
        facts = {k: project.get(k) for k in ("goLive", "products", "phase")}
        by, now = actor(turn_context.activity), self.services.clock()

        def made(previous=None, kept=()) -> dict:
            return plans.new_plan(project_id, series.recommendations, answers, by, now, previous, kept,
                                  risk=series.risk, facts=facts)

        try:
            return await store.create(PROJECT_DATA, made())
        except Conflict:  # answered again: workshops that cannot be removed stay
            sessions = await store.query(PROJECT_DATA, project_id, doc_type="session")
            kept = [s["workshopId"] for s in sessions if not lifecycle.check(s, now, lifecycle.REMOVE).allowed]
            saved = await update(store, PROJECT_DATA, project_id, PLAN, lambda doc: made(doc, kept))
            await self.calendar_follows(turn_context, project_id, sessions, plans.included(saved))
            return saved

    async def calendar_follows(self, turn_context: TurnContext, project_id: str, sessions, included) -> None:
        """A workshop taken out of the series has its calendar event cancelled (through the outbox,
        so a Graph outage only delays it)."""
        if not (self.meetings and self.services.graph):
            return
        for session in sessions:
            meeting = session.get("meeting") or {}
            if session["workshopId"] not in included and meeting.get("eventId") and not meeting.get("cancelledAt"):
                await self.meetings.sync_soon(project_id, session["workshopId"], session["version"],
                                              meeting.get("organizer") or actor(turn_context.activity)["aadObjectId"],
                                              tenant_of(turn_context.activity))

    def card(self, project: Mapping, plan: Mapping, message: str = "", style: str = "Good", **typed) -> dict:
        """`typed`: a refused change's answers and errors, for its form (plan_cards.plan_card)."""
        return plan_cards.plan_card(project, plan, self.services.catalog, message=message, message_style=style,
                                    **typed)

    async def act(self, turn_context: TurnContext, verb: str, data: Mapping) -> Outcome:
        """Approve or change the series from its card, guarded by the version the card showed."""
        store = self.services.store
        project_id = project_key(turn_context.activity)
        project, roster = await project_and_roster(store, project_id)
        plan = await find(store, project_id, PLAN) if project else None
        if not plan:
            raise Refused(t("dialogs.plan.no_plan_plain"))
        by = actor(turn_context.activity)
        if verb == "plan.approve" and not people.can_approve(roster, by["aadObjectId"]):
            raise Refused(t("dialogs.plan.architects_approve"))
        if verb == "plan.change" and not people.is_lead(project, roster, by["aadObjectId"]):
            raise Refused(t("dialogs.plan.leads_change"))
        shown_version, now = data.get("version"), self.services.clock()
        refusal = await self.change_refusal(project, data) if verb == "plan.change" else None
        if refusal:
            return Outcome(self.card(project, plan, refusal, "Attention"), refusal)

        def apply(doc: dict) -> dict:
            if shown_version != doc.get("version"):
                raise Stale()
            if verb == "plan.approve":
                return plans.approve(doc, by, now)
            include = data.get("include")
            if include not in ("add", "remove") or not isinstance(data.get("workshopId"), str):
                raise plans.PlanError(t("dialogs.plan.choose_change"), "workshopId")
            return plans.change(doc, data["workshopId"], include == "add", str(data.get("reason") or ""), by, now)

        try:
            saved = await update(store, PROJECT_DATA, project_id, PLAN, apply, current=plan)
        except Stale:
            current = await find(store, project_id, PLAN)
            message = t("dialogs.plan.out_of_date")
            return Outcome(self.card(project, current, message, "Warning"), message)
        except plans.PlanError as error:
            typed = {"typed": data, "errors": {error.field or "form": str(error)}} if verb == "plan.change" else {}
            return Outcome(self.card(project, plan, str(error), "Attention", **typed), str(error))
        if verb == "plan.change" and data.get("include") == "remove":
            session = await find(store, project_id, agenda.session_id(data["workshopId"]))
            await self.calendar_follows(turn_context, project_id, [session] if session else [], plans.included(saved))
        message = t("dialogs.plan.approved" if verb == "plan.approve" else "dialogs.plan.changed")
        return Outcome(self.card(project, saved, message), message, changed=True)


class PlanDialog(ComponentDialog):
    def __init__(self, series: Series):
        super().__init__(PlanDialog.__name__)
        self.series = series
        self.add_dialog(FormDialog("plan-form", plan_cards.PLAN_FORM, plan_cards.plan_form_card, series.validate))
        self.add_dialog(WaterfallDialog("plan-steps", [self._ask, self._recommend]))
        self.initial_dialog_id = "plan-steps"

    async def _ask(self, step: WaterfallStepContext) -> DialogTurnResult:
        return await step.begin_dialog("plan-form", await self.series.form_values(step.context))

    async def _recommend(self, step: WaterfallStepContext) -> DialogTurnResult:
        plan = await self.series.save(step.context, step.result)
        project = await find(self.series.services.store, plan["projectId"], PROJECT)
        card = self.series.card(project, plan, t("dialogs.plan.recommended"))
        await step.context.send_activity(card_message(card))
        return await step.end_dialog(plan)
