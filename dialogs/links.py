"""`revoke links`: a project admin stops every tab, calendar and export link of the project issued
so far, by bumping the project's link version (tabs/links.py signs it into every link)."""

from __future__ import annotations

from botbuilder.core import TurnContext

from cards import outcome_cards
from store import PROJECT_DATA, update
from tabs.links import export_links, link_version
from texts import t
from workshops import people

from .context import PROJECT, ROSTER, Refused, Services, actor, answer, find, project_or_offer_setup
from .outcomes import append_audit

class Links:
    def __init__(self, services: Services):
        self.services = services
        self.commands = {"revoke": self.revoke_command}

    async def revoke_command(self, turn_context: TurnContext, argument: str) -> None:
        if argument.strip().lower() != "links":
            await turn_context.send_activity(t("dialogs.links.how"))
            return
        project = await project_or_offer_setup(self.services, turn_context, "revoke links")
        if project:
            await answer(turn_context, lambda: self.revoke(turn_context, project))

    async def revoke(self, turn_context: TurnContext, project: dict) -> dict:
        store, project_id = self.services.store, project["projectId"]
        roster = await find(store, project_id, ROSTER) or {}
        by = actor(turn_context.activity)
        if not people.is_admin(project, roster, by["aadObjectId"]):
            raise Refused(t("dialogs.links.admins_only"))
        saved = await update(store, PROJECT_DATA, project_id, PROJECT,
                             lambda doc: {**doc, "linkVersion": link_version(doc) + 1}, current=project)
        await append_audit(store, project_id, PROJECT, by, self.services.clock(),
                           ["revoked every tab, calendar and export link issued before now"])
        return outcome_cards.export_card(saved, export_links(self.services.settings, saved), message=t("dialogs.links.revoked"))
