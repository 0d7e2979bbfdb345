"""Proactive messages: reminders in a workshop's thread a set time before it starts, and (through
dialogs/digest.py) at most one digest of overdue action items a day per project.

Each scheduled session has one reminder record in the `reminders` partition (written when it is
scheduled), so finding what is due is a query of one partition. A reminder is claimed with an
ETag-guarded write before it is sent: when two instances of the bot run, only one claim wins, so
a reminder goes out once. A send that fails releases the claim for the next round.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from cards.common import escape_line
from catalog import Catalog
from store import PROJECT_DATA, Conflict, DocumentStore, NotFound, StoreError, find
from texts import clock, speaking, t, weekday_day
from workshops import agenda

from .agenda import REMINDERS
from .context import PROJECT, ROSTER, repeat, utc_now
from .digest import send_due_digests
from .replies import Messenger

log = logging.getLogger(__name__)


def reminder_text(workshop_title: str, start: datetime, time_zone: str, waiting: list[dict]) -> str:
    local = start.astimezone(ZoneInfo(time_zone))
    text = t("dialogs.reminders.starts", title=workshop_title, day=weekday_day(local), time=clock(local),
             zone=time_zone)
    if waiting:
        names = ", ".join(escape_line(p.get("name", "")) for p in waiting)
        return f"{text} {t('dialogs.reminders.waiting', names=names)}"
    return f"{text} {t('dialogs.reminders.all_accepted')}"


class Reminders:
    def __init__(self, store: DocumentStore, adapter, catalog: Catalog, app_id: str,
                 clock: Callable[[], datetime] = utc_now):
        self.store, self.adapter, self.catalog, self.app_id, self.clock = store, adapter, catalog, app_id, clock
        self.instance = uuid.uuid4().hex[:8]
        self.messenger = Messenger(adapter, app_id)

    async def run_once(self) -> int:
        """Send every reminder and digest that is due; return how many this instance sent."""
        return await self.send_reminders() + await self.send_digests()

    async def send_digests(self) -> int:
        return await send_due_digests(self.store, self.clock, self.messenger.post)

    async def send_reminders(self) -> int:
        now, sent = self.clock(), 0
        for record in await self.store.query(PROJECT_DATA, REMINDERS, doc_type="reminder"):
            if record.get("sentAt") or datetime.fromisoformat(record["dueAt"]) > now:
                continue
            if datetime.fromisoformat(record["start"]) <= now:
                continue  # scheduled too late for a reminder to be useful
            try:
                claimed = await self.store.replace(
                    PROJECT_DATA, {**record, "sentAt": now.isoformat(), "sentBy": self.instance}, record["_etag"])
            except (Conflict, NotFound):
                continue  # another instance claimed it, or it was rescheduled meanwhile
            try:
                await self._send(record)
                sent += 1
            except Exception:
                log.warning("reminder %s not sent; it will be tried again", record["id"], exc_info=True)
                try:
                    await self.store.replace(PROJECT_DATA, {**claimed, "sentAt": None}, claimed["_etag"])
                except StoreError:
                    pass
        return sent

    async def _send(self, record: dict) -> None:
        project_id = record["sessionProjectId"]
        project = await find(self.store, project_id, PROJECT)
        session = await find(self.store, project_id, record["sessionId"])
        if not project or not session or session.get("start") != record["start"]:
            return  # the workshop is gone or was moved; its new time has its own reminder
        if not session.get("conversationReference"):
            return
        workshop = self.catalog.get(session["workshopId"])
        roster = await find(self.store, project_id, ROSTER) or {}
        waiting = agenda.not_accepted(session, agenda.invitees(workshop, roster)["mandatory"])
        with speaking(project.get("locale")):
            text = reminder_text(workshop.title, datetime.fromisoformat(session["start"]),
                                 project.get("timeZone") or "UTC", waiting)
        await self.messenger.post(session["conversationReference"], text)

    async def run_forever(self, interval_seconds: float) -> None:
        await repeat(interval_seconds, self.run_once, "reminders")
