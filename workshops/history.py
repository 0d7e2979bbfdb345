"""The change log a stored document keeps (a session's "history", a plan's "changes")."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Mapping

MAX_HISTORY = 200  # entries kept; the oldest go first


def logged(log: Iterable[Mapping] | None, now: datetime, by: dict, action: str, **fields) -> list[dict]:
    """A new list: `log` with the entry {"at", "by", "action", **fields} appended, trimmed to MAX_HISTORY."""
    entry = {"at": now.isoformat(), "by": by, "action": action, **fields}
    return (list(log or ()) + [entry])[-MAX_HISTORY:]
