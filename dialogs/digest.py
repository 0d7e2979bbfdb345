"""The daily digest: at most one message a day per project listing its overdue action items.

Projects with action items are registered in the `digests` partition (dialogs/outcomes.py), so
finding them is a query of one partition. A digest is claimed with an ETag-guarded write of the
day it was sent before it goes out, so with several instances it is sent once; a send that fails
releases the claim for the next round."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Awaitable, Callable

from cards.common import escape_line
from store import PROJECT_DATA, Conflict, DocumentStore, NotFound, StoreError, find
from texts import speaking, t, t_count
from workshops import outcomes

from .context import PROJECT, ROSTER
from .outcomes import DIGESTS

log = logging.getLogger(__name__)

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


async def send_due_digests(store: DocumentStore, clock: Callable[[], datetime], post: Post) -> int:
    """One message a day per project listing overdue actions, claimed like reminders."""
    today, sent = clock().date().isoformat(), 0
    for record in await store.query(PROJECT_DATA, DIGESTS, doc_type="digest"):
        if record.get("lastSentOn") == today:
            continue
        project_id = record["project"]
        project = await find(store, project_id, PROJECT)
        overdue = [a for a in outcomes.open_items(
            await store.query(PROJECT_DATA, project_id, doc_type="outcome"), clock().date())["actions"]
            if a["overdue"]]
        if not project or not overdue or not project.get("conversationReference"):
            continue
        try:
            claimed = await store.replace(PROJECT_DATA, {**record, "lastSentOn": today}, record["_etag"])
        except (Conflict, NotFound):
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
                await store.replace(PROJECT_DATA, {**claimed, "lastSentOn": record.get("lastSentOn")},
                                    claimed["_etag"])
            except StoreError:
                pass
    return sent
