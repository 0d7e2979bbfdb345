"""Proactive messages: reminders in a workshop's thread a set time before it starts, and (through
dialogs/digest.py) at most one digest of overdue action items a day per project.

Each scheduled session has one reminder record in the due-time index (store/due.py: `reminders|00`
to `reminders|15`, by project; written when it is scheduled), so a round reads only the reminders
that are due. Records in the single `reminders` partition of earlier versions are moved into the
index as they are found (also while an older instance still writes them). A reminder is claimed with an
ETag-guarded write before it is sent: when two instances of the bot run, only one claim wins, so
a reminder goes out once. A send that fails releases the claim for the next round.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from datetime import datetime
from typing import Callable
from zoneinfo import ZoneInfo

from cards.common import escape_line
from catalog import Catalog
from store import PROJECT_DATA, Conflict, DocumentStore, NotFound, StoreError, find
from store.cached import fresh_reads
from store.due import NEVER, due, shard
from texts import clock, speaking, t, weekday_day
from workshops import agenda

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


REMINDERS = "reminders"  # the kind of record in the due-time index, and the partition earlier versions used


def reminder_record(project_id: str, session: dict, due_at: str) -> dict:
    """The index record of a scheduled session's reminder (written again when it is rescheduled)."""
    return {"id": f"reminder|{project_id}|{session['workshopId']}".replace("/", "_"),
            "projectId": shard(REMINDERS, project_id), "type": "reminder", "sessionProjectId": project_id,
            "sessionId": session["id"], "dueAt": due_at, "start": session["start"], "sentAt": None}


async def migrate_legacy(store: DocumentStore) -> None:
    """Move reminders from the one partition earlier versions kept them in into the index; a record
    the index already holds (written since, by a reschedule) wins."""
    for old in await store.query(PROJECT_DATA, REMINDERS, doc_type="reminder"):
        record = {k: v for k, v in old.items() if not k.startswith("_")}
        if old.get("sentAt"):
            record["dueAt"] = NEVER
        try:
            await store.create(PROJECT_DATA, {**record, "projectId": shard(REMINDERS, old["sessionProjectId"])})
        except Conflict:
            pass
        await store.delete(PROJECT_DATA, REMINDERS, old["id"])


class Reminders:
    def __init__(self, store: DocumentStore, adapter, catalog: Catalog, app_id: str,
                 clock: Callable[[], datetime] = utc_now):
        self.store, self.adapter, self.catalog, self.app_id, self.clock = store, adapter, catalog, app_id, clock
        self.instance = uuid.uuid4().hex[:8]
        self.messenger = Messenger(adapter, app_id)

    async def run_once(self) -> int:
        """Send every reminder and digest that is due; return how many this instance sent. What they show
        is read from the store, never from an instance's recent copies (store/cached.py)."""
        with fresh_reads():
            return await self.send_reminders() + await self.send_digests()

    async def send_digests(self) -> int:
        return await send_due_digests(self.store, self.clock, self.messenger.post)

    async def send_reminders(self) -> int:
        now, sent = self.clock(), 0
        await migrate_legacy(self.store)
        for record in await due(self.store, REMINDERS, "reminder", now):
            late = record.get("sentAt") or datetime.fromisoformat(record["start"]) <= now
            try:  # the claim: done (never due again) before it is sent, so only one instance sends it
                claimed = await self.store.replace(PROJECT_DATA, {**record, "dueAt": NEVER} if late else {
                    **record, "sentAt": now.isoformat(), "sentBy": self.instance, "dueAt": NEVER}, record["_etag"])
            except (Conflict, NotFound):
                continue  # another instance claimed it, or it was rescheduled meanwhile
            if late:
                continue  # scheduled too late for a reminder to be useful
            try:
                await self._send(record)
                sent += 1
            except Exception:
                log.warning("reminder %s not sent; it will be tried again", record["id"], exc_info=True)
                try:
                    await self.store.replace(PROJECT_DATA, {**claimed, "sentAt": None, "dueAt": record["dueAt"]},
                                             claimed["_etag"])
                except StoreError:
                    pass
        return sent

    async def _send(self, record: dict) -> None:
        project_id = record["sessionProjectId"]
        project, session, roster = await asyncio.gather(find(self.store, project_id, PROJECT),
                                                        find(self.store, project_id, record["sessionId"]),
                                                        find(self.store, project_id, ROSTER))
        if not project or not session or session.get("start") != record["start"]:
            return  # the workshop is gone or was moved; its new time has its own reminder
        if not session.get("conversationReference"):
            return
        with speaking(project.get("locale")):  # the workshop's title in the project's language too
            workshop = self.catalog.get(session["workshopId"])
            waiting = agenda.not_accepted(session, agenda.invitees(workshop, roster or {})["mandatory"])
            text = reminder_text(workshop.title, datetime.fromisoformat(session["start"]),
                                 project.get("timeZone") or "UTC", waiting)
        await self.messenger.post(session["conversationReference"], text)

    async def run_forever(self, interval_seconds: float) -> None:
        await repeat(interval_seconds, self.run_once, "reminders")
