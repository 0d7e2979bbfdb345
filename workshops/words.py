"""Small helpers for the words the bot says."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str = "") -> str:
    """"1 minute", "2 minutes", "0 minutes": the number with its noun, singular only for one."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
