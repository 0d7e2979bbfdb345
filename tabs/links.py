"""The signed links the bot hands out: tab pages (180 days), calendar invitations (7 days) and
exports (24 hours). Each token grants read access to one thing of one project until it expires
(tabs/signing.py); every route that serves one checks it here."""

from __future__ import annotations

from typing import Optional
from urllib.parse import quote

from .pages import page_url
from .signing import sign, verify

TAB_LINK_SECONDS = 180 * 24 * 3600
CALENDAR_LINK_SECONDS = 7 * 24 * 3600
EXPORT_SECONDS = 24 * 3600
EXPORTS = {"findings.csv": "Findings (CSV)", "actions.csv": "Actions (CSV)", "outcomes.md": "Outcomes (Markdown)"}


def tab_scope(project_id: str) -> str:
    return f"tab|{project_id}"


def calendar_scope(project_id: str, workshop_id: str) -> str:
    return f"calendar|{project_id}|{workshop_id}"


def export_scope(project_id: str) -> str:
    return f"export|{project_id}"


def tab_url(settings, project_id: str, workshop_id: Optional[str], *, teams_theme: bool = False) -> str:
    """A signed link (180 days) to one workshop's page, or the series page when workshop_id is None.
    `teams_theme` adds `&theme={theme}` for a tab's contentUrl (Teams fills it in)."""
    token = sign(settings.signing_secret, tab_scope(project_id), TAB_LINK_SECONDS)
    return page_url(settings.base_url, project_id, workshop_id, token, teams_theme=teams_theme)


def tab_token_allows(settings, project_id: str, token: object) -> bool:
    return bool(project_id) and verify(settings.signing_secret, tab_scope(project_id), token)


def calendar_url(settings, project_id: str, workshop_id: str) -> str:
    token = sign(settings.signing_secret, calendar_scope(project_id, workshop_id), CALENDAR_LINK_SECONDS)
    return (f"{settings.base_url}/calendar/{quote(project_id, safe='')}/{quote(workshop_id)}.ics"
            f"?token={quote(token)}")


def calendar_token_allows(settings, project_id: str, workshop_id: str, token: object) -> bool:
    return verify(settings.signing_secret, calendar_scope(project_id, workshop_id), token)


def export_links(settings, project_id: str) -> dict[str, str]:
    """{title: signed link} for each export of the project."""
    token = sign(settings.signing_secret, export_scope(project_id), EXPORT_SECONDS)
    return {title: f"{settings.base_url}/export/{quote(project_id, safe='')}/{name}?token={quote(token)}"
            for name, title in EXPORTS.items()}


def export_token_allows(settings, project_id: str, token: object) -> bool:
    return verify(settings.signing_secret, export_scope(project_id), token)
