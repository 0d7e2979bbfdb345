"""`my workshops` and `my actions` in a personal chat: what a person has in every project they are in.

The store is partitioned by project, so a person's projects are found through a small index of their
own (`memberships` in the partition `people|<aadObjectId>`), one point read, never a scan across
projects. `roster` keeps it up to date as people join or leave a team: a joiner is indexed before the
roster records them (a failure leaves the roster as it was, and the next `roster` tries again), a
leaver after. The index only says where to look: every view reads each project's own roster and
shows a project only while the person is on it and in its team, so a stale entry shows nothing."""

from __future__ import annotations

import asyncio
from typing import Iterable, Mapping

from botbuilder.core import TurnContext

from cards import personal_cards
from store import PROJECT_DATA, Conflict, DocumentStore, update
from texts import t
from workshops import personal

from .context import PLAN, PROJECT, ROSTER, Services, actor, find
from .replies import card_message

MAX_PROJECTS = 50  # a person is in a handful; the view reads at most this many


async def _index(store: DocumentStore, aad_object_id: str, project_id: str, joined: bool) -> None:
    partition = personal.memberships_partition(aad_object_id)
    if joined:
        blank = {"id": personal.MEMBERSHIPS, "projectId": partition, "type": personal.MEMBERSHIPS, "projects": []}
        try:
            await store.create(PROJECT_DATA, personal.with_project(blank, project_id, True))
            return
        except Conflict:
            pass
    elif not await find(store, partition, personal.MEMBERSHIPS):
        return
    await update(store, PROJECT_DATA, partition, personal.MEMBERSHIPS,
                 lambda doc: personal.with_project(doc, project_id, joined))


async def note_joined(store: DocumentStore, project_id: str, before: Mapping, team: Iterable[Mapping]) -> None:
    """Index the project for everyone in `team` who was not a member in `before` (roster members)."""
    had = personal.members_in(before)
    joiners = {p["aadObjectId"] for p in team if p.get("aadObjectId")} - had
    await asyncio.gather(*(_index(store, aad, project_id, True) for aad in sorted(joiners)))


async def note_left(store: DocumentStore, project_id: str, before: Mapping, after: Mapping) -> None:
    """Take the project out of the index of everyone who was a member in `before` and is not in `after`."""
    leavers = personal.members_in(before) - personal.members_in(after)
    await asyncio.gather(*(_index(store, aad, project_id, False) for aad in sorted(leavers)))


class Personal:
    def __init__(self, services: Services):
        self.services = services
        self.commands = {"my": self.command}

    async def command(self, turn_context: TurnContext, argument: str) -> None:
        which = argument.strip().lower().split(" ", 1)[0] if argument else ""
        if which not in ("workshops", "actions"):
            await turn_context.send_activity(t("dialogs.personal.which"))
            return
        who = actor(turn_context.activity)["aadObjectId"]
        views = await self._projects(who)
        if which == "workshops":
            card = personal_cards.my_workshops_card(await asyncio.gather(*(self._workshops(p, r, who)
                                                                             for p, r in views)))
        else:
            titles = {w.id: w.title for w in self.services.catalog.workshops}
            card = personal_cards.my_actions_card(await asyncio.gather(*(self._actions(p, who) for p, _ in views)),
                                                  titles)
        await turn_context.send_activity(card_message(card))

    async def _projects(self, who: str) -> list[tuple[dict, dict]]:
        """(project, roster) of each project this person is in now, by name."""
        store = self.services.store
        index = await find(store, personal.memberships_partition(who), personal.MEMBERSHIPS) if who else None
        ids = list((index or {}).get("projects", []))[:MAX_PROJECTS]

        async def read(project_id: str):
            project = await find(store, project_id, PROJECT)
            roster = await find(store, project_id, ROSTER) if project else None
            return (project, roster) if project and personal.is_member(roster, who) else None

        found = [view for view in await asyncio.gather(*(read(p) for p in ids)) if view]
        return sorted(found, key=lambda view: str(view[0].get("name") or view[0]["projectId"]).lower())

    async def _workshops(self, project: dict, roster: dict, who: str) -> tuple[dict, list[dict]]:
        store, project_id = self.services.store, project["projectId"]
        plan = await find(store, project_id, PLAN)
        sessions = {s["workshopId"]: s for s in await store.query(PROJECT_DATA, project_id, doc_type="session")}
        return project, personal.my_workshops(plan, sessions, self.services.catalog, roster, who,
                                              self.services.clock())

    async def _actions(self, project: dict, who: str) -> tuple[dict, list[dict]]:
        docs = await self.services.store.query(PROJECT_DATA, project["projectId"], doc_type="outcome")
        return project, personal.my_actions(docs, who, self.services.today())
