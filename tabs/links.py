"""The signed links the bot hands out: tab pages (180 days), calendar invitations (7 days) and
exports (24 hours). Each token grants read access to one thing of one project until it expires
(tabs/signing.py); every route that serves one checks it here, against the project document.

Revocation. Every scope carries the project's `linkVersion` (0 until `revoke links` first bumps
it), so bumping it invalidates every link of that project issued before, and only those. Version
0 keeps the scope links had before revocation existed, so they keep working until revoked."""

from __future__ import annotations

from typing import Mapping, Optional
from urllib.parse import quote

from texts import t

from .pages import page_url
from .signing import sign, verify

TAB_LINK_SECONDS = 180 * 24 * 3600
CALENDAR_LINK_SECONDS = 7 * 24 * 3600
EXPORT_SECONDS = 24 * 3600
EXPORTS = {"findings.csv": "tabs.links.findings", "actions.csv": "tabs.links.actions",
           "outcomes.md": "tabs.links.outcomes"}  # each export's file name, and the key of its title


def link_version(project: Mapping) -> int:
    """The project's current link version; `revoke links` adds one."""
    version = project.get("linkVersion", 0)
    return version if isinstance(version, int) and not isinstance(version, bool) and version > 0 else 0


def _scope(kind: str, project: Mapping, *rest: str) -> str:
    """`kind|project|...`, with the version after the kind (`kind@2|...`): digits end at the first `|`,
    so no project id can make one version's scope read as another's."""
    version = link_version(project)
    return "|".join([f"{kind}@{version}" if version else kind, project["projectId"], *rest])


def tab_scope(project: Mapping) -> str:
    return _scope("tab", project)


def calendar_scope(project: Mapping, workshop_id: str) -> str:
    return _scope("calendar", project, workshop_id)


def export_scope(project: Mapping) -> str:
    return _scope("export", project)


def _allows(settings, project: Optional[Mapping], scope, token: object) -> bool:
    """No project, no access: a missing project answers like a bad link."""
    return bool(project and project.get("projectId")) and verify(settings.signing_secret, scope(project), token)


def tab_url(settings, project: Mapping, workshop_id: Optional[str], *, teams_theme: bool = False) -> str:
    """A signed link (180 days) to one workshop's page, or the series page when workshop_id is None.
    `teams_theme` adds `&theme={theme}` for a tab's contentUrl (Teams fills it in)."""
    token = sign(settings.signing_secret, tab_scope(project), TAB_LINK_SECONDS)
    return page_url(settings.base_url, project["projectId"], workshop_id, token, teams_theme=teams_theme)


def tab_token_allows(settings, project: Optional[Mapping], token: object) -> bool:
    return _allows(settings, project, tab_scope, token)


def calendar_url(settings, project: Mapping, workshop_id: str) -> str:
    token = sign(settings.signing_secret, calendar_scope(project, workshop_id), CALENDAR_LINK_SECONDS)
    return (f"{settings.base_url}/calendar/{quote(project['projectId'], safe='')}/{quote(workshop_id)}.ics"
            f"?token={quote(token)}")


def calendar_token_allows(settings, project: Optional[Mapping], workshop_id: str, token: object) -> bool:
    return _allows(settings, project, lambda p: calendar_scope(p, workshop_id), token)


def export_links(settings, project: Mapping) -> dict[str, str]:
    """{title: signed link} for each export of the project."""
    token = sign(settings.signing_secret, export_scope(project), EXPORT_SECONDS)
    return {t(key): f"{settings.base_url}/export/{quote(project['projectId'], safe='')}/{name}?token={quote(token)}"
            for name, key in EXPORTS.items()}


def export_token_allows(settings, project: Optional[Mapping], token: object) -> bool:
    return _allows(settings, project, export_scope, token)
