"""The one catalogue of what users read, in every language the bot speaks (English and German).

Every user-facing string is a key in `texts/<language>/*.json` (one file per layer: cards.json,
dialogs.json, ...; a key is named after its layer and module, e.g. "cards.plan.timeline"), and is
read with `t(key, **values)` (str.format placeholders). The language is the turn's: the bot sets
it from the activity's `locale` with `speaking(locale)` around each turn (and around proactive work,
from the project's stored locale), so pure functions need no extra parameter. Dates and times are
formatted for it with `day()`, `weekday_day()`, `clock()`.

This is the lowest layer: it imports nothing of the project, and every layer may import it.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

__all__ = ["LANGUAGES", "DEFAULT", "language", "speaking", "current", "t", "t_count", "day", "weekday_day",
           "clock", "catalogue"]

HERE = Path(__file__).resolve().parent
LANGUAGES = ("en", "de")
DEFAULT = "en"
log = logging.getLogger(__name__)

_current: ContextVar[str] = ContextVar("language", default=DEFAULT)


def language(locale: Optional[str]) -> str:
    """The catalogue language for a Teams locale ("de-DE", "de-AT", "en-GB" ...); English otherwise."""
    head = str(locale or "").replace("_", "-").split("-")[0].lower()
    return head if head in LANGUAGES else DEFAULT


@contextmanager
def speaking(locale: Optional[str]) -> Iterator[str]:
    """Within the block, `t` and the date formatters speak `locale`'s language."""
    token = _current.set(language(locale))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current() -> str:
    return _current.get()


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language, from every file of its folder; a key in two files is an error."""
    merged: dict[str, str] = {}
    for path in sorted((HERE / lang).glob("*.json")):
        entries = json.loads(path.read_text(encoding="utf-8"))
        twice = set(entries) & set(merged)
        if twice:
            raise ValueError(f"{path.name} repeats keys of another file: {sorted(twice)}")
        merged.update(entries)
    return merged


def t(key: str, **values) -> str:
    """The text of `key` in the turn's language, filled in with `values`. A key missing from that
    language falls back to English (tests keep the languages complete); a key missing from English
    is a programming error."""
    template = catalogue(current()).get(key)
    if template is None:
        if current() != DEFAULT:
            log.warning("texts: %s has no %s text", key, current())
        template = catalogue(DEFAULT)[key]
    return template.format(**values) if values else template


def t_count(key: str, n: int, **values) -> str:
    """A text that depends on a count: `key.one` for exactly one, `key.other` otherwise ({n} is the count)."""
    return t(f"{key}.{'one' if n == 1 else 'other'}", n=n, **values)


def _month(d: date) -> str:
    return t("texts.months").split()[d.month - 1]


def _weekday(d: date) -> str:
    return t("texts.weekdays").split()[d.weekday()]


def day(d: date) -> str:
    """"2 Dec 2026" / "2. Dez. 2026"."""
    return t("texts.day", d=d.day, month=_month(d), year=d.year)


def weekday_day(d: date, year: bool = True) -> str:
    """"Wed 2 Dec 2026" / "Mi., 2. Dez. 2026" (without the year when `year` is False)."""
    key = "texts.weekday_day" if year else "texts.weekday_day_no_year"
    return t(key, weekday=_weekday(d), d=d.day, month=_month(d), year=d.year)


def clock(moment: datetime) -> str:
    """"14:30" in both languages (24-hour, as the bot always wrote times)."""
    return f"{moment:%H:%M}"
