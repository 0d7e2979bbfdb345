"""What every flow shares: the services it works with, where a turn's project lives, who is
acting, the point reads every flow needs, and how a flow answers (Outcome) or refuses (Refused)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Awaitable, Callable, Mapping, Optional, Union

from botbuilder.core import TurnContext
from botbuilder.schema import Activity

from cards import catalog_cards, project_cards
from catalog import Catalog, Workshop
from store import DocumentStore, StoreError, find
from texts import t
from workshops import agenda
from workshops.documents import PLAN, PROJECT, ROSTER  # noqa: F401 (the flows import them from here)

from .replies import card_message

log = logging.getLogger(__name__)

class Refused(Exception):
    """The caller may not do this, or it makes no sense now; the message says why, for the user."""


class Stale(Exception):
    """The card acted on is out of date; nothing was changed."""


class AlreadyApplied(Exception):
    """A redelivered activity whose change the record already holds: `doc`, as it is, is the result."""

    def __init__(self, doc: dict):
        super().__init__("already applied")
        self.doc = doc


RECENT_DELIVERIES = 5  # activity ids kept on an entry that records its own delivery


def applied(entry: Optional[Mapping], activity_id: Optional[str]) -> bool:
    """Whether this activity already made `entry` what it is (see remember)."""
    return bool(activity_id) and activity_id in ((entry or {}).get("deliveries") or ())


def remember(new: dict, old: Optional[Mapping], activity_id: Optional[str]) -> dict:
    """`new`, carrying the ids of the last few activities that changed it: a change that records its
    own delivery this way is its own at-most-once claim (one write instead of three, bot/handler.py).
    A redelivery is then recognised even after the same person changed it again since."""
    if not activity_id:
        return new
    recent = [*((old or {}).get("deliveries") or ()), activity_id][-RECENT_DELIVERIES:]
    return {**new, "deliveries": recent}


@dataclass
class Outcome:
    """What a card action produced: the card to show now, and a short message."""

    card: dict  # for the person who acted
    message: str = ""  # plain text (escaped wherever it is shown)
    changed: bool = False
    # The card for everyone else, when it differs from `card`; or what draws it, when the update is sent.
    everyone: Union[dict, Callable[[], dict], None] = None


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


async def repeat(interval_seconds: float, work: Callable[[], Awaitable[object]], what: str) -> None:
    """Run `work` every `interval_seconds` until cancelled (the background loops: reminders, outbox);
    a failure is logged and tried again next time."""
    task = asyncio.current_task()
    while True:
        try:
            await work()
        except StoreError:
            log.warning("%s: the store is not answering; trying again later", what)
        except Exception:
            log.exception("%s: unexpected failure; trying again later", what)
        if task is not None and task.cancelling():
            # The store's retries can report a cancellation as a failed call; stopping must still stop.
            raise asyncio.CancelledError
        await asyncio.sleep(interval_seconds)


@dataclass(frozen=True)
class Services:
    """What the flows work with, built once in app.py."""

    store: DocumentStore
    catalog: Catalog
    settings: Any  # runtime.settings.Settings
    clock: Callable[[], datetime] = utc_now
    graph: Any = None  # graph.client.GraphClient when Graph is configured, else None
    messenger: Any = None  # replies.Messenger: posts outside a turn
    outbox: Any = None  # outbox.Outbox: work that must follow a saved change

    def today(self) -> date:
        return self.clock().date()


CommandHandler = Callable[[TurnContext, str], Awaitable[None]]
ActionHandler = Callable[[TurnContext, str, Mapping], Awaitable[Outcome]]


def _team_id(activity: Activity) -> Optional[str]:
    team = (activity.channel_data or {}).get("team") if isinstance(activity.channel_data, dict) else None
    return str(team["id"]) if isinstance(team, dict) and team.get("id") else None


def project_key(activity: Activity) -> str:
    """One project per team (any channel of it), else per group or personal chat."""
    team = _team_id(activity)
    if team:
        return team
    conversation_id = activity.conversation.id if activity.conversation else ""
    return conversation_id.split(";", 1)[0]


def actor(activity: Activity) -> dict:
    """The person acting, by Teams identity; card data is never trusted for this."""
    who = activity.from_property
    return {"aadObjectId": (who.aad_object_id if who else "") or "", "name": (who.name if who else "") or t("dialogs.context.someone")}


def tenant_of(activity: Activity) -> str:
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = (channel_data.get("tenant") or {}).get("id") if isinstance(channel_data.get("tenant"), dict) else None
    return tenant or (activity.conversation.tenant_id if activity.conversation else "") or ""


async def project_and_roster(store: DocumentStore, project_id: str) -> tuple[Optional[dict], dict]:
    """The project (None before setup) and its roster (empty before `roster`)."""
    project = await find(store, project_id, PROJECT)
    roster = (await find(store, project_id, ROSTER) or {}) if project else {}  # none to read before set-up
    return project, roster


async def load_session(store: DocumentStore, catalog: Catalog, project_id: str,
                       workshop_id: object) -> tuple[Optional[dict], Optional[dict], dict]:
    """The project, a known workshop's session (None when not opened yet) and the roster: three
    independent point reads, made together."""
    known = isinstance(workshop_id, str) and workshop_id in catalog
    project, session, roster = await asyncio.gather(
        find(store, project_id, PROJECT), _nothing() if not known else find(store, project_id,
                                                                            agenda.session_id(workshop_id)),
        find(store, project_id, ROSTER))
    return project, session if project else None, roster or {}


async def _nothing() -> None:
    return None


async def session_named(services: Services, project: Mapping, name: str, command: str):
    """(session, roster, workshop) for a command that names a workshop with an agenda, in the project
    the command has already read."""
    workshop = workshop_named(services.catalog, name, command)
    session, roster = await asyncio.gather(find(services.store, project["projectId"], agenda.session_id(workshop.id)),
                                           find(services.store, project["projectId"], ROSTER))
    roster = roster or {}
    if not session:
        raise Refused(t("dialogs.context.no_agenda_yet", title=workshop.title, workshop=workshop.id))
    return session, roster, workshop


async def session_acted_on(services: Services, turn_context: TurnContext, data: Mapping):
    """(project, session, roster, workshop) for a card action on a workshop's session."""
    project, session, roster = await load_session(services.store, services.catalog,
                                                  project_key(turn_context.activity), data.get("workshopId"))
    if not session:
        raise Refused(t("dialogs.context.no_agenda_any_more"))
    return project, session, roster, services.catalog.get(session["workshopId"])


async def project_or_offer_setup(services: Services, turn_context: TurnContext, command: str) -> Optional[dict]:
    """The turn's project, or None after offering set-up."""
    project = await find(services.store, project_key(turn_context.activity), PROJECT)
    if not project:
        where = "team" if _team_id(turn_context.activity) else "chat"
        await turn_context.send_activity(card_message(project_cards.needs_setup_card(command, where)))
    return project


def workshop_named(catalog: Catalog, name: str, command: str) -> Workshop:
    """The workshop a command names, or Refused with the one wording every command uses."""
    workshop = catalog.find(name) if name else None
    if workshop is None:
        raise Refused(catalog_cards.unknown_workshop_text(name, catalog.closest(name) if name else [], command))
    return workshop


async def answer(turn_context: TurnContext, produce: Callable[[], Awaitable[object]]) -> None:
    """Send what `produce` returns (a card or a text); a refusal is sent as its message."""
    try:
        reply = await produce()
    except Refused as refused:
        await turn_context.send_activity(str(refused))
        return
    await turn_context.send_activity(reply if isinstance(reply, str) else card_message(reply))
