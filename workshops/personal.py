"""One person's view across projects: whether they are in a project, the workshops they are invited
to and the actions they own. Pure functions over the documents each project already keeps."""

from __future__ import annotations

from datetime import date, datetime
from typing import Iterable, Mapping, Optional

from . import agenda, lifecycle, outcomes, plan as plans

MEMBERSHIPS = "memberships"  # the id (and type) of the per-person index of their projects


def memberships_partition(aad_object_id: str) -> str:
    """The partition of one person's index: a point read finds their projects, no scan across projects."""
    return f"people|{aad_object_id}"


def is_member(roster: Optional[Mapping], aad_object_id: str) -> bool:
    """On the project's roster and still in its team or chat (people who left keep their roles on the
    roster, because they may own actions, but no longer see the project)."""
    member = ((roster or {}).get("members") or {}).get(aad_object_id) if aad_object_id else None
    return bool(member) and member.get("inTeam", True) is not False


def members_in(roster_members: Mapping) -> set[str]:
    """The aadObjectIds of a roster's members who are in the team now."""
    return {aad for aad, m in roster_members.items() if aad and m.get("inTeam", True) is not False}


def with_project(index: Mapping, project_id: str, joined: bool) -> dict:
    """The index with `project_id` added (joined) or taken out."""
    projects = [p for p in index.get("projects", []) if p != project_id]
    return {**index, "projects": sorted(projects + [project_id]) if joined else projects}


def my_workshops(plan: Optional[Mapping], sessions: Mapping[str, Mapping], catalog, roster: Mapping,
                 aad_object_id: str, now: datetime) -> list[dict]:
    """The workshops of the series this person is invited to (by a role they hold, as mandatory or
    recommended attendee) or has answered, with their state and start."""
    rows = []
    for workshop_id in plans.included(plan) if plan else []:
        workshop = catalog.get(workshop_id)
        session = sessions.get(workshop_id)
        invited = agenda.invitees(workshop, roster)
        if any(p["aadObjectId"] == aad_object_id for p in invited["mandatory"]):
            how = "mandatory"
        elif any(p["aadObjectId"] == aad_object_id for p in invited["recommended"]):
            how = "recommended"
        elif session and aad_object_id in (session.get("rsvps") or {}):
            how = "answered"
        else:
            continue
        rsvp = ((session or {}).get("rsvps") or {}).get(aad_object_id) or {}
        rows.append({"workshopId": workshop_id, "title": workshop.title, "how": how,
                     "state": lifecycle.state(session, now) if session else None,
                     "start": (session or {}).get("start"), "minutes": (session or {}).get("durationMinutes", 0),
                     "rsvp": rsvp.get("response", "")})
    return rows


def my_actions(outcome_docs: Iterable[Mapping], aad_object_id: str, today: date) -> list[dict]:
    """The open action items this person owns, soonest due first."""
    return sorted((a for a in outcomes.open_items(outcome_docs, today)["actions"] if a["owner"] == aad_object_id),
                  key=lambda a: a["due"])
