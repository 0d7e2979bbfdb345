"""People, roles and who may do what. Identity is the Teams user's aadObjectId."""

from __future__ import annotations

from typing import Iterable, Mapping

from catalog import ROLE_SLUGS

ORGANISATIONS = {"customer": "Customer", "partner": "Partner"}

ADMIN_ROLES = frozenset({"solution-architect", "project-manager"})
LEAD_ROLES = frozenset({"solution-architect", "project-manager", "functional-lead", "technical-lead",
                        "test-lead", "cutover-lead", "data-migration-lead"})


def roles_of(roster: Mapping, aad_object_id: str) -> frozenset[str]:
    member = (roster.get("members") or {}).get(aad_object_id) if roster else None
    return frozenset(member.get("roles", ())) if member else frozenset()


def is_admin(project: Mapping, roster: Mapping, aad_object_id: str) -> bool:
    """Project admins: whoever ran setup, solution architects and project managers."""
    if not aad_object_id:
        return False
    created_by = (project.get("createdBy") or {}).get("aadObjectId")
    return aad_object_id == created_by or bool(roles_of(roster, aad_object_id) & ADMIN_ROLES)


def is_lead(project: Mapping, roster: Mapping, aad_object_id: str) -> bool:
    """Leads may shape the plan and agendas: admins and every lead role."""
    return is_admin(project, roster, aad_object_id) or bool(roles_of(roster, aad_object_id) & LEAD_ROLES)


def can_approve(roster: Mapping, aad_object_id: str) -> bool:
    """Only a solution architect approves the series and agendas."""
    return bool(aad_object_id) and "solution-architect" in roles_of(roster, aad_object_id)


def holders(roster: Mapping, role: str) -> list[dict]:
    return [dict(m, aadObjectId=k) for k, m in (roster.get("members") or {}).items() if role in m.get("roles", ())]


def unfilled_roles(roster: Mapping, roles: Iterable[str]) -> list[str]:
    """The roles in `roles` that nobody on the roster holds, in the catalog's role order."""
    wanted = set(roles)
    held = {r for m in (roster.get("members") or {}).values() for r in m.get("roles", ())}
    return [r for r in ROLE_SLUGS if r in wanted and r not in held]


def merge_members(roster_members: Mapping, team_members: Iterable[Mapping]) -> dict:
    """Bring the roster up to date with the team: new people join with no roles, roles are kept,
    names refreshed; people who left the team are kept (they may own actions) but marked."""
    merged = {k: dict(v, inTeam=False) for k, v in roster_members.items()}
    for person in team_members:
        aad = person.get("aadObjectId")
        if not aad:
            continue
        current = merged.get(aad, {"roles": [], "organisation": ""})
        merged[aad] = dict(current, name=person.get("name") or current.get("name") or "Unknown",
                           userId=person.get("id") or current.get("userId", ""),
                           email=person.get("email") or current.get("email", ""), inTeam=True)
    return merged


def parse_role_answers(answers: Mapping, member_ids: Iterable[str]) -> dict[str, dict]:
    """Roles and organisation per member from the roster card (`roles:<aad>`, `org:<aad>`).

    Only known members, known roles and known organisations are taken; anything else in the
    card data is ignored, so a doctored card cannot add people or invent roles.
    """
    result = {}
    for aad in member_ids:
        raw_roles = answers.get(f"roles:{aad}")
        roles = [r.strip() for r in raw_roles.split(",")] if isinstance(raw_roles, str) else []
        org = answers.get(f"org:{aad}")
        result[aad] = {
            "roles": [r for r in ROLE_SLUGS if r in roles],
            "organisation": org if org in ORGANISATIONS else "",
        }
    return result
