"""People, roles and who may do what. Identity is the Teams user's aadObjectId."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

from catalog import ROLE_SLUGS
from texts import t

from .words import Labels

ORGANISATIONS = Labels("workshops.people.organisations", ("customer", "partner"))

SOLUTION_ARCHITECT = "solution-architect"
ADMIN_ROLES = frozenset({"solution-architect", "project-manager"})
LEAD_ROLES = frozenset({"solution-architect", "project-manager", "functional-lead", "technical-lead",
                        "test-lead", "cutover-lead", "data-migration-lead"})


def _name(member: Mapping) -> str:
    """A member's name as stored; "Unknown" when the record has none."""
    return member["name"] if "name" in member else t("workshops.people.unknown")


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
        merged[aad] = dict(current, name=person.get("name") or current.get("name") or t("workshops.people.unknown"),
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


@dataclass
class RosterEdit:
    """What saving a roster card did: the roster after it (`version` bumped when roles changed),
    each member changed (`before` and `after` roles and organisation), and what to tell the user."""

    roster: dict
    changed: list[dict] = field(default_factory=list)
    stale: bool = False  # the roster had changed since the card was rendered
    overlaps: list[str] = field(default_factory=list)  # members whose organisation someone else changed too
    refused: list[str] = field(default_factory=list)  # why a change was not applied


def _normalised(member: Mapping) -> dict:
    roles = set(member.get("roles", ()))
    return {"roles": [r for r in ROLE_SLUGS if r in roles], "organisation": member.get("organisation", "")}


GRANT_PERSON, GRANT_ROLE = "grant:person", "grant:role"  # the roster card's People Picker and its role


def with_grant(answers: Mapping, members: Mapping) -> tuple[dict, str]:
    """The roster card's answers with its People Picker's pick (a person and a role) added to that
    person's roles, as if ticked on their row; and why not, when the person is not on the roster
    (the picker searches the whole conversation) or no known role was chosen."""
    person, role = answers.get(GRANT_PERSON), answers.get(GRANT_ROLE)
    if not person:
        return dict(answers), ""
    if not isinstance(person, str) or person not in members:
        return dict(answers), t("workshops.people.not_on_roster")
    if role not in ROLE_SLUGS:
        return dict(answers), t("workshops.people.no_role_chosen")
    key = f"roles:{person}"
    typed = answers.get(key) if isinstance(answers.get(key), str) else ""
    return {**answers, key: ",".join([r for r in typed.split(",") if r.strip()] + [role])}, ""


def edit_roster(roster: Mapping, data: Mapping, actor: str) -> RosterEdit:
    """Apply a roster card's save: only what the user changed on that card, relative to what it
    showed (`data["shown"]`: the card's own `roles:<aad>` and `org:<aad>` values when it was
    rendered; the inputs arrive beside it, an input left empty being absent).

    Roles are merged one at a time: a role the user added is added, one they removed is removed,
    every other role keeps its current state, so a role someone else granted since stays. The
    organisation is one value: when the user changed it, theirs (the newer save) wins. Members the
    card did not show are untouched, and nobody grants themselves solution architect."""
    members = roster.get("members") or {}
    shown = data.get("shown") if isinstance(data.get("shown"), Mapping) else {}
    ids = [aad for aad in members if isinstance(shown.get(f"roles:{aad}"), str)]
    was, now = parse_role_answers(shown, ids), parse_role_answers(data, ids)
    version = int(roster.get("version") or 0)
    edit = RosterEdit(dict(roster), stale=data.get("version") != version)
    result = dict(members)
    for aad in ids:
        current = _normalised(members[aad])
        added = set(now[aad]["roles"]) - set(was[aad]["roles"])
        removed = set(was[aad]["roles"]) - set(now[aad]["roles"])
        if aad == actor and SOLUTION_ARCHITECT in added - set(current["roles"]):
            added.discard(SOLUTION_ARCHITECT)
            edit.refused.append(t("workshops.people.self_grant"))
        after = {"roles": [r for r in ROLE_SLUGS if (r in current["roles"] or r in added) and r not in removed],
                 "organisation": current["organisation"]}
        if now[aad]["organisation"] != was[aad]["organisation"]:
            if current["organisation"] not in (was[aad]["organisation"], now[aad]["organisation"]):
                edit.overlaps.append(_name(members[aad]))
            after["organisation"] = now[aad]["organisation"]
        if after != current:
            result[aad] = {**members[aad], **after}
            edit.changed.append({"aadObjectId": aad, "name": _name(members[aad]),
                                 "before": current, "after": after})
    if edit.changed:
        edit.roster.update(members=result, version=version + 1)
    return edit


def describe_role_change(change: Mapping, role_label: Callable[[str], str]) -> str:
    """One member's change in words, for the audit trail: who, by name and aadObjectId, from what to what."""
    before, after = change["before"], change["after"]
    parts = []
    if before["roles"] != after["roles"]:
        roles = [", ".join(role_label(r) for r in side["roles"]) or t("workshops.people.no_role")
                 for side in (before, after)]
        parts.append(t("workshops.people.roles_changed", before=roles[0], after=roles[1]))
    if before["organisation"] != after["organisation"]:
        orgs = [ORGANISATIONS.get(side["organisation"], t("workshops.people.not_set")) for side in (before, after)]
        parts.append(t("workshops.people.organisation_changed", before=orgs[0], after=orgs[1]))
    return f"{change['name']} ({change['aadObjectId']}): " + t("workshops.words.and").join(parts)
