"""Small helpers for the words the bot says, in the turn's language (texts/)."""

from __future__ import annotations

from datetime import date
from collections.abc import Iterable, Iterator, Mapping

from texts import t, t_count


def plural(n: int, word: str, words: str = "") -> str:
    """"1 risk", "2 risks", "0 risks": the number with its noun, singular only for one; `words` when the
    plural is not `word` + s. English only: workshops/ counts with `count` (texts.t_count) instead."""
    return f"{n} {word if n == 1 else words or word + 's'}"


def count(noun: str, n: int) -> str:
    """"1 week" / "3 weeks", "1 Woche" / "3 Wochen": `workshops.words.<noun>.one|other`."""
    return t_count(f"workshops.words.{noun}", n)


def number(n: int) -> str:
    """"2,000" / "2.000"."""
    return f"{n:,}".replace(",", t("workshops.words.thousands_separator"))


def listing(items: Iterable) -> str:
    """'a', 'a and b', 'a, b and c' ("a, b und c")."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return "".join(items)
    return t("workshops.words.listing", first=", ".join(items[:-1]), last=items[-1])


def day(d: date) -> str:
    """"2 Dec 2026" / "2. Dez. 2026": a day in the reasons and checks (no leading zero)."""
    return t("workshops.words.day", d=d.day, month=t("texts.months").split()[d.month - 1], year=d.year)


class Labels(Mapping):
    """Labels of a fixed set of ids, read from the catalogue when they are used (so they follow the
    turn's language): `Labels("workshops.project.phases", ("initiate", ...))["initiate"]` is the
    text of `workshops.project.phases.initiate`. A mapping, so `.get`, `.items()`, `in` work as on
    the dict it replaced."""

    def __init__(self, prefix: str, ids: Iterable[str], keys: Mapping[str, str] | None = None):
        self.prefix, self.ids, self._elsewhere = prefix, tuple(ids), dict(keys or {})  # keys: ids read elsewhere

    def __getitem__(self, id: str) -> str:
        if id not in self.ids:
            raise KeyError(id)
        return t(self._elsewhere.get(id) or f"{self.prefix}.{id}")

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, id: object) -> bool:
        return id in self.ids

    def __repr__(self) -> str:
        return f"Labels({self.prefix!r}, {self.ids!r})"
