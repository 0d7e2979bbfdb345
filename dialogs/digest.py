"""The daily digest: at most one message a day per project listing its overdue action items.

Projects with open action items are registered in the due-time index (store/due.py: `digests|00` to
`digests|15`, by project) with the first day one of them is overdue, so a round reads only the
projects whose digest may be due (records in the single `digests` partition of earlier versions are
moved into the index as they are found). A digest is claimed with an ETag-guarded write of the day
it was sent and when it is next due before it goes out, so with several instances it is sent once;
a send that fails releases the claim for the next round. An action done since only makes a round
look at the project early, and find nothing to send."""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, time, timedelta, timezone
from typing import Awaitable, Callable, Iterable, Mapping, Optional

from cards.common import escape_line
from store import PROJECT_DATA, Conflict, DocumentStore, NotFound, StoreError, find
from store.due import NEVER, due, due_at, shard
from texts import speaking, t, t_count
from workshops import outcomes

from .context import PROJECT, ROSTER

log = logging.getLogger(__name__)

DIGESTS = "digests"  # the kind of record in the due-time index, and the partition earlier versions used
Post = Callable[[dict, str], Awaitable[None]]  # (conversation reference, text)
MAX_LISTED = 20  # overdue items named in one digest; a message stays well within Teams' size limit
SHOWN_TITLE = 120  # characters of an action's title in the digest


def digest_text(project_name: str, overdue: list[dict], names: dict) -> str:
    """The digest message: Markdown, so every piece of user text in it is escaped on its line."""
    lines = [t("dialogs.digest.item", title=escape_line(a["title"], SHOWN_TITLE), due=a["due"],
               owner=escape_line(names[a["owner"]]) if names.get(a["owner"]) else t("dialogs.digest.no_owner"))
             for a in overdue[:MAX_LISTED]]
    if len(overdue) > MAX_LISTED:
        lines.append(t("dialogs.digest.more", n=len(overdue) - MAX_LISTED))
    heading = t_count("dialogs.digest.heading", len(overdue), project=escape_line(project_name))
    return heading + "\n" + "\n".join(lines)


def _midnight(day: date) -> str:
    return due_at(datetime.combine(day, time(0), tzinfo=timezone.utc))


def first_overdue_day(actions: Iterable[Mapping]) -> Optional[date]:
    """The first day on which one of these open actions is overdue (the day after it is due), if any."""
    days = [date.fromisoformat(a["due"]) for a in actions if not a.get("done") and a.get("due")]
    return min(days) + timedelta(days=1) if days else None


async def register(store: DocumentStore, project_id: str, actions: list, *, attempts: int = 5) -> None:
    """After outcomes with open actions are saved: make the project's digest due no later than the first
    day one of them is overdue (one point read; a write only when that is sooner than already recorded)."""
    day = first_overdue_day(actions)
    if day is None:
        return
    wanted, partition, doc_id = _midnight(day), shard(DIGESTS, project_id), f"digest|{project_id}"
    for _ in range(attempts):
        record = await find(store, partition, doc_id)
        try:
            if record is None:
                await store.create(PROJECT_DATA, {"id": doc_id, "projectId": partition, "type": "digest",
                                                  "project": project_id, "lastSentOn": None, "dueAt": wanted})
            elif record.get("dueAt", "") > wanted:
                await store.replace(PROJECT_DATA, {**record, "dueAt": wanted}, record["_etag"])
            return
        except (Conflict, NotFound):
            continue  # the loop or another save changed it meanwhile: look again
    log.warning("digest: could not register %s; its digest may come late", project_id)


async def migrate_legacy(store: DocumentStore, now: datetime) -> None:
    """Move registrations from the one partition earlier versions kept them in into the due-time
    index, due now (the next round works out when they are really due)."""
    for old in await store.query(PROJECT_DATA, DIGESTS, doc_type="digest"):
        record = {k: v for k, v in old.items() if not k.startswith("_")}
        try:
            await store.create(PROJECT_DATA, {**record, "projectId": shard(DIGESTS, old["project"]),
                                              "dueAt": due_at(now)})
        except Conflict:
            pass
        await store.delete(PROJECT_DATA, DIGESTS, old["id"])


async def send_due_digests(store: DocumentStore, clock: Callable[[], datetime], post: Post) -> int:
    """One message a day per project listing overdue actions, for the projects whose digest is due;
    each is claimed with the ETag-guarded write of when it is next due, so it is sent once."""
    now = clock()
    today, sent = now.date(), 0
    await migrate_legacy(store, now)
    for record in await due(store, DIGESTS, "digest", now):
        project_id = record["project"]
        project, found = await asyncio.gather(find(store, project_id, PROJECT),
                                              store.query(PROJECT_DATA, project_id, doc_type="outcome"))
        actions = outcomes.open_items(found, today)["actions"]
        overdue = [a for a in actions if a["overdue"]]
        sending = bool(project and overdue and project.get("conversationReference")
                       and record.get("lastSentOn") != today.isoformat())
        later = first_overdue_day(actions)
        next_due = _midnight(today + timedelta(days=1)) if overdue else _midnight(later) if later else NEVER
        claim = {**record, "dueAt": next_due, **({"lastSentOn": today.isoformat()} if sending else {})}
        try:
            claimed = await store.replace(PROJECT_DATA, claim, record["_etag"])
        except (Conflict, NotFound):
            continue
        if not sending:
            continue
        roster = await find(store, project_id, ROSTER) or {}
        names = {aad: m.get("name", "") for aad, m in (roster.get("members") or {}).items()}
        with speaking(project.get("locale")):
            text = digest_text(project.get("name", ""), overdue, names)
        try:
            await post(project["conversationReference"], text)
            sent += 1
        except Exception:
            log.warning("digest for %s not sent; it will be tried again", project_id, exc_info=True)
            try:
                await store.replace(PROJECT_DATA, {**claimed, "lastSentOn": record.get("lastSentOn"),
                                                   "dueAt": record["dueAt"]}, claimed["_etag"])
            except StoreError:
                pass
    return sent
