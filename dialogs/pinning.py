"""`pin <workshop>` and `pin series`, and the pin after an agenda is approved: a workshop's page as a
tab in the project's channel through Microsoft Graph, and the card that says how it went. Pinning fails soft: when Graph is off, refuses or is down, the card says
how to add the tab by hand (the Workshops configurable tab needs no Graph) or offers a retry."""

from __future__ import annotations

import asyncio
import logging
from typing import Awaitable, Callable, Mapping, Optional

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from cards import tab_cards
from catalog import Workshop
from graph.client import GraphError, GraphUnavailable
from store import PROJECT_DATA, update
from tabs.links import tab_url
from texts import speaking, t

from .context import PROJECT, Services, find, project_or_offer_setup, tenant_of, workshop_named
from .replies import card_message

log = logging.getLogger(__name__)

def _title(workshop: Optional[Workshop]) -> str:
    return workshop.title if workshop else t("dialogs.pinning.series_title")


async def pin_workshop_tab(graph, settings, project: Mapping, workshop: Optional[Workshop], team_id: str,
                           channel_id: str, tenant_id: str) -> dict:
    """Pin the page of `workshop` (the series page when None) as a tab in a team channel.

    `team_id` is the team's group id as Graph knows it. Returns Graph's {"id", "webUrl"}; raises
    GraphError / GraphUnavailable (graph/client.py) when the app is not installed, lacks consent
    (TeamsTab.Create.Group) or Graph is down. Each call adds a tab: record the tab id and do not
    pin the same workshop twice."""
    catalog_app_id = await graph.app_catalog_id(tenant_id, team_id, external_app_id=settings.app_id)
    workshop_id = workshop.id if workshop else None
    return await graph.pin_tab(
        tenant_id, team_id, channel_id, catalog_app_id, _title(workshop),
        f"workshop:{workshop_id}" if workshop_id else "series",
        tab_url(settings, project, workshop_id, teams_theme=True),
        tab_url(settings, project, workshop_id))


def _where(activity) -> tuple[str, str, str]:
    """(team id for Graph, channel id, tenant id) from a Teams activity; empty strings when absent."""
    data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    team = data.get("team") if isinstance(data.get("team"), dict) else {}
    channel = data.get("channel") if isinstance(data.get("channel"), dict) else {}
    # Graph addresses a team by its Microsoft 365 group id; Teams sends it as aadGroupId.
    return str(team.get("aadGroupId") or team.get("id") or ""), str(channel.get("id") or ""), str(tenant_of(activity))


async def pin_or_explain(graph, settings, project: Mapping, workshop: Optional[Workshop], activity, *,
                         record: Optional[Callable[[dict], Awaitable[None]]] = None) -> dict:
    """The card to post after trying to pin `workshop`'s page (the series page when None) in the
    channel `activity` came from: pinned, pin by hand (not a team channel, Graph off, or the app
    may not add tabs there), or failed with a Retry button (Graph down or another refusal).

    `record`, when given, is awaited with Graph's {"id", "webUrl"} once the tab exists, e.g. to
    keep the tab id on the session so an automatic pin happens once."""
    title = _title(workshop)
    page = tab_url(settings, project, workshop.id if workshop else None)
    team_id, channel_id, tenant_id = _where(activity)
    if not (team_id and channel_id):
        return tab_cards.pin_by_hand_card(title, page, note=t("dialogs.pinning.not_a_channel"))
    if graph is None:
        return tab_cards.pin_by_hand_card(title, page, note=t("dialogs.pinning.no_graph"))
    try:
        tab = await pin_workshop_tab(graph, settings, project, workshop, team_id, channel_id, tenant_id)
    except GraphError as error:
        log.warning("pinning %s refused: %s %s", title, error.status, error.code)
        if error.status in (401, 403):
            return tab_cards.pin_by_hand_card(title, page, note=t("dialogs.pinning.no_consent"))
        return tab_cards.pin_failed_card(title, str(error), workshop.id if workshop else "series")
    except GraphUnavailable as error:
        log.warning("pinning %s failed: %s", title, error.reason)
        return tab_cards.pin_failed_card(title, str(error), workshop.id if workshop else "series")
    if record is not None:
        await record(tab)
    return tab_cards.pinned_card(title, tab.get("webUrl") or page)


PIN = "pin-after-approval"  # outbox work: pin an approved workshop's page as a channel tab


class Pinning:
    def __init__(self, services: Services):
        self.services = services
        self.commands = {"pin": self.command}
        self._background: set[asyncio.Task] = set()  # pins running after their invoke was answered
        services.outbox.handle(PIN, self._pin_approved)

    async def command(self, turn_context: TurnContext, name: str) -> None:
        project = await project_or_offer_setup(self.services, turn_context, "pin")
        if not project:
            return
        series = name.strip().lower() in ("series", "the series", "")
        workshop = None if series else workshop_named(self.services.catalog, name, "pin")
        card = await pin_or_explain(self.services.graph, self.services.settings, project, workshop,
                                    turn_context.activity)
        await turn_context.send_activity(card_message(card))

    async def record_pin(self, turn_context: TurnContext, project_id: str, session_id: str, workshop_id: str,
                         version: int) -> dict:
        """Before an approval is saved: the pin that must follow it once the session has `version`."""
        activity = turn_context.activity
        return await self.services.outbox.add(PIN, project_id, f"{workshop_id}|{version}", {
            "workshopId": workshop_id, "sessionId": session_id,
            "reference": TurnContext.get_conversation_reference(activity).serialize(),
            # Where to pin: the team, channel and tenant as Teams sent them (see _where).
            "where": {"channelData": activity.channel_data, "conversation": activity.conversation.serialize()},
        }, after=(session_id, version))

    def pin_soon(self, record: dict) -> None:
        """Run a recorded pin after the invoke is answered (Graph can take seconds); the outbox
        finishes it later if this fails or the process stops first."""
        task = asyncio.get_running_loop().create_task(self.services.outbox.run(record))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _pin_approved(self, record: dict) -> None:
        """Outbox work: pin the page once (a session that has its tab is done) and post how it went."""
        services, args, project_id = self.services, record["args"], record["project"]
        project = await find(services.store, project_id, PROJECT)
        session = await find(services.store, project_id, args["sessionId"]) if project else None
        if not session or session.get("tab") or services.graph is None:
            return

        async def keep(tab: dict) -> None:
            await update(services.store, PROJECT_DATA, project_id, session["id"], lambda doc: {**doc, "tab": tab})

        where = Activity().deserialize(args["where"])
        workshop = services.catalog.get(args["workshopId"])
        with speaking(project.get("locale")):
            card = await pin_or_explain(services.graph, services.settings, project, workshop, where, record=keep)
        await services.messenger.post(args["reference"], card_message(card))
