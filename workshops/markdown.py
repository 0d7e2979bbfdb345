"""User text inside Markdown, shown literally: the one escaper for Adaptive Card text, the bot's
chat messages (Teams renders Markdown in them) and the outcomes export."""

from __future__ import annotations

import functools
import re

# What makes Markdown act anywhere in a line (emphasis, links and autolinks, code, HTML-like tags
# such as <at>, headings, tables, strike-through), and what acts at the start of a line: list
# markers, and the - and = of setext headings and rules. Backslash-escaped, they show as typed.
_ANYWHERE = re.compile(r"([\\`*_\[\]<>#|~])")
_LINE_START = re.compile(r"^(\s*)(\d+)([.)])|^(\s*)([-+=])", re.MULTILINE)
_SPACE = re.compile(r"\s+")
_REMEMBERED_LENGTH = 200  # names and titles, escaped on every card drawn: remembered (pure, and short)


def escape(text: object) -> str:
    """`text` shown literally in Markdown: no emphasis, links, headings, lists or tags."""
    text = str(text)
    return _escaped(text) if len(text) <= _REMEMBERED_LENGTH else _escape(text)


@functools.lru_cache(maxsize=4096)
def _escaped(text: str) -> str:
    return _escape(text)


def _escape(text: str) -> str:
    escaped = _ANYWHERE.sub(r"\\\1", text)
    return _LINE_START.sub(lambda m: (f"{m[1]}{m[2]}\\{m[3]}" if m[2] else f"{m[4]}\\{m[5]}"), escaped)


def escape_line(text: object, limit: int = 0) -> str:
    """`text` escaped on one line (a name or a title inside a sentence or a list item), its white
    space folded so it cannot start a line of its own; cut to `limit` characters when given."""
    folded = _SPACE.sub(" ", str(text)).strip()
    if limit and len(folded) > limit:
        folded = folded[: limit - 1] + "…"
    return escape(folded)
