"""Where a turn's project lives, who is acting, and the point reads every handler needs."""

from __future__ import annotations

from typing import Optional

from botbuilder.schema import Activity

from store import PROJECT_DATA, DocumentStore, NotFound

PROJECT, ROSTER, PLAN = "project", "roster", "plan"


def project_key(activity: Activity) -> str:
    """One project per team (any channel of it), else per group or personal chat."""
    team = (activity.channel_data or {}).get("team") if isinstance(activity.channel_data, dict) else None
    if isinstance(team, dict) and team.get("id"):
        return str(team["id"])
    conversation_id = activity.conversation.id if activity.conversation else ""
    return conversation_id.split(";", 1)[0]


def actor(activity: Activity) -> dict:
    """The person acting, by Teams identity; card data is never trusted for this."""
    who = activity.from_property
    return {"aadObjectId": (who.aad_object_id if who else "") or "", "name": (who.name if who else "") or "Someone"}


async def find(store: DocumentStore, project_id: str, doc_id: str) -> Optional[dict]:
    try:
        return await store.get(PROJECT_DATA, project_id, doc_id)
    except NotFound:
        return None


def tenant_of(activity: Activity) -> str:
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = (channel_data.get("tenant") or {}).get("id") if isinstance(channel_data.get("tenant"), dict) else None
    return tenant or (activity.conversation.tenant_id if activity.conversation else "") or ""
