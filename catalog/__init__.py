"""The implementation workshop catalog: twelve workshops loaded from workshops.json, with their
German text from workshops.de.json.

Standard library and texts/ only, so anything (bot, cards, scripts, tests) can import it.
The files are validated on load; a bad file fails fast with a CatalogError that
names the workshop and the field. `get`, iteration over `workshops`, `roles` and
`programme_note` give the turn's language (texts.current()), so callers need no parameter;
ids, roles' slugs, durations and timing are the same in every language.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Mapping, Optional, Union

import texts

__all__ = [
    "ROLE_SLUGS", "TIMINGS", "CatalogError", "Workshop", "Edition", "Catalog", "load_catalog", "default_catalog",
]

DEFAULT_PATH = Path(__file__).with_name("workshops.json")
LEARN = "https://learn.microsoft.com/"

ROLE_SLUGS: tuple[str, ...] = (
    "solution-architect",
    "functional-lead",
    "technical-lead",
    "project-manager",
    "test-lead",
    "cutover-lead",
    "data-migration-lead",
    "project-sponsor",
    "customer-stakeholder",
    "partner-stakeholder",
)

TIMINGS: tuple[str, ...] = ("pre-go-live", "post-go-live")

# Words dropped from the end of a title so "Security model" finds "Security model design".
_TRAILING_TITLE_WORDS = ("design", "strategy")
# Words people add around a name ("the cutover workshop").
_FILLER_WORDS = ("the", "workshop", "workshops")
_MIN_PREFIX = 2


class CatalogError(ValueError):
    """The catalog file is missing or does not describe a valid set of workshops."""


@dataclass(frozen=True)
class Workshop:
    id: str
    title: str
    summary: str
    purpose: str
    topics: tuple[str, ...]
    mandatory: tuple[str, ...]
    recommended: tuple[str, ...]
    learn_more: Optional[str]
    learn_more_title: Optional[str]
    duration_hours: tuple[int, int]
    timing: str
    closes_engagement: bool
    aliases: tuple[str, ...]

    def names(self) -> tuple[str, ...]:
        """Every name this workshop answers to, normalised (id, title, short title, aliases)."""
        words = self.title.split()
        while len(words) > 1 and words[-1].lower() in _TRAILING_TITLE_WORDS:
            words = words[:-1]
        seen: dict[str, None] = {}
        for name in (self.id, self.title, " ".join(words), *self.aliases):
            key = _normalise(name)
            if key:
                seen.setdefault(key)
        return tuple(seen)


def _normalise(name: str) -> str:
    """Lower case, letters and digits only: "Post go-live", "post go live" and "postgolive" are one key."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _query_key(name: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", (name or "").lower()).split()
    while len(words) > 1 and words[0] in _FILLER_WORDS:
        words = words[1:]
    while len(words) > 1 and words[-1] in _FILLER_WORDS:
        words = words[:-1]
    return "".join(words)


@dataclass(frozen=True)
class Edition:
    """The catalog's text in one language."""

    workshops: tuple[Workshop, ...]
    roles: Mapping[str, str]
    programme_note: str


class Catalog:
    """The workshops, in the turn's language: `editions` maps a language to its Edition; English
    (texts.DEFAULT) is required and is what a language without an edition reads."""

    def __init__(self, workshops: tuple[Workshop, ...], roles: Mapping[str, str], programme_note: str,
                 editions: Optional[Mapping[str, Edition]] = None):
        english = Edition(tuple(workshops), MappingProxyType(dict(roles)), programme_note)
        self._editions = MappingProxyType({**(editions or {}), texts.DEFAULT: english})
        self._by_id = MappingProxyType({lang: MappingProxyType({w.id: w for w in e.workshops})
                                        for lang, e in self._editions.items()})
        by_name: dict[str, dict[str, None]] = {}  # a name in any language -> ids
        for edition in self._editions.values():
            for workshop in edition.workshops:
                for key in workshop.names():
                    by_name.setdefault(key, {})[workshop.id] = None
        self._by_name = MappingProxyType({k: tuple(v) for k, v in by_name.items()})

    def _edition(self) -> Edition:
        return self._editions.get(texts.current()) or self._editions[texts.DEFAULT]

    @property
    def workshops(self) -> tuple[Workshop, ...]:
        return self._edition().workshops

    @property
    def roles(self) -> Mapping[str, str]:
        return self._edition().roles

    @property
    def programme_note(self) -> str:
        return self._edition().programme_note

    def edition(self, lang: str) -> Optional[Edition]:
        return self._editions.get(lang)

    def __contains__(self, id: object) -> bool:
        """Whether `id` (from card data or a URL: any value) is a workshop's exact id."""
        return isinstance(id, str) and id in self._by_id[texts.DEFAULT]

    def get(self, id: str) -> Workshop:
        """The workshop with this exact id, in the turn's language; KeyError if there is none."""
        english = self._by_id[texts.DEFAULT][id]
        return self._by_id.get(texts.current(), {}).get(id, english)

    def find(self, name: str) -> Optional[Workshop]:
        """The workshop a loosely typed name (in any language) means, or None if unknown or ambiguous."""
        key = _query_key(name)
        if not key:
            return None
        exact = self._by_name.get(key, ())
        if len(exact) == 1:
            return self.get(exact[0])
        if exact or len(key) < _MIN_PREFIX:
            return None
        candidates = {wid for k, ids in self._by_name.items() if k.startswith(key) for wid in ids}
        return self.get(candidates.pop()) if len(candidates) == 1 else None

    def closest(self, name: str, n: int = 3) -> list[Workshop]:
        """Best guesses for a name find() did not resolve; empty when nothing is close."""
        key = _query_key(name)
        if not key or n <= 0:
            return []
        matches = difflib.get_close_matches(key, list(self._by_name), n=len(self._by_name), cutoff=0.6)
        found: dict[str, None] = {}
        for match in matches:
            for wid in self._by_name[match]:
                found.setdefault(wid)
        return [self.get(wid) for wid in found][:n]

    def role_label(self, slug: str) -> str:
        """The display label of a role slug; the slug itself if it is unknown."""
        return self.roles.get(slug, slug)


# --- loading and validation -------------------------------------------------

_REQUIRED_TOP = ("programmeNote", "roles", "workshops")


def _fail(where: str, message: str) -> CatalogError:
    return CatalogError(f"{where}: {message}")


def _text(obj: dict, key: str, where: str, *, optional: bool = False) -> Optional[str]:
    if key not in obj:
        raise _fail(where, f"missing required field '{key}'")
    value = obj[key]
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"field '{key}' must be a non-empty string" + (" or null" if optional else ""))
    return value.strip()


def _text_list(obj: dict, key: str, where: str, *, allow_empty: bool = False) -> tuple[str, ...]:
    if key not in obj:
        raise _fail(where, f"missing required field '{key}'")
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f"field '{key}' must be a list of non-empty strings")
    if not value and not allow_empty:
        raise _fail(where, f"field '{key}' must not be empty")
    items = tuple(v.strip() for v in value)
    duplicates = sorted({v for v in items if items.count(v) > 1})
    if duplicates:
        raise _fail(where, f"field '{key}' has duplicates: {', '.join(duplicates)}")
    return items


def _roles(obj: dict, key: str, where: str, known: Mapping[str, str]) -> tuple[str, ...]:
    slugs = _text_list(obj, key, where, allow_empty=(key == "recommended"))
    unknown = [s for s in slugs if s not in known]
    if unknown:
        raise _fail(where, f"field '{key}' has unknown role(s): {', '.join(unknown)}")
    return slugs


def _https(url: Optional[str], key: str, where: str) -> Optional[str]:
    if url is not None and (not url.startswith("https://") or len(url) <= len("https://") or " " in url):
        raise _fail(where, f"field '{key}' must be an https URL, got {url!r}")
    return url


def _workshop(raw: object, index: int, roles: Mapping[str, str]) -> Workshop:
    if not isinstance(raw, dict):
        raise _fail(f"workshop #{index + 1}", "must be an object")
    wid = raw.get("id")
    where = f"workshop '{wid}'" if isinstance(wid, str) and wid.strip() else f"workshop #{index + 1}"
    wid = _text(raw, "id", where)
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", wid):
        raise _fail(where, "field 'id' must be a lowercase slug like 'data-migration'")

    learn_more = _https(_text(raw, "learnMore", where, optional=True), "learnMore", where)
    learn_more_title = _text(raw, "learnMoreTitle", where, optional=True)
    if (learn_more is None) != (learn_more_title is None):
        raise _fail(where, "fields 'learnMore' and 'learnMoreTitle' must both be set or both be null")

    duration = raw.get("durationHours")
    if not (isinstance(duration, list) and len(duration) == 2
            and all(isinstance(h, int) and not isinstance(h, bool) for h in duration)
            and 1 <= duration[0] <= duration[1] <= 3):
        raise _fail(where, f"field 'durationHours' must be [min, max] with 1 <= min <= max <= 3, got {duration!r}")

    timing = raw.get("timing")
    if timing not in TIMINGS:
        raise _fail(where, f"field 'timing' must be one of {', '.join(TIMINGS)}, got {timing!r}")
    closes = raw.get("closesEngagement")
    if not isinstance(closes, bool):
        raise _fail(where, "field 'closesEngagement' must be true or false")

    return Workshop(
        id=wid,
        title=_text(raw, "title", where),
        summary=_text(raw, "summary", where),
        purpose=_text(raw, "purpose", where),
        topics=_text_list(raw, "topics", where),
        mandatory=_roles(raw, "mandatory", where, roles),
        recommended=_roles(raw, "recommended", where, roles),
        learn_more=learn_more,
        learn_more_title=learn_more_title,
        duration_hours=(duration[0], duration[1]),
        timing=timing,
        closes_engagement=closes,
        aliases=tuple(a.lower() for a in _text_list(raw, "aliases", where, allow_empty=True)),
    )


def _check_unique(workshops: tuple[Workshop, ...], *others: tuple[Workshop, ...]) -> None:
    """Ids and titles are unique; and no name (in `workshops` or in the `others` editions) means two workshops."""
    for attr in ("id", "title"):
        seen: set[str] = set()
        for w in workshops:
            value = getattr(w, attr)
            if value.lower() in seen:
                raise _fail(f"workshop '{w.id}'", f"duplicate {attr} {value!r}")
            seen.add(value.lower())
    # Two workshops answering to the same name would make find() ambiguous.
    owner: dict[str, str] = {}
    for w in workshops + tuple(o for other in others for o in other):
        for key in w.names():
            if owner.setdefault(key, w.id) != w.id:
                raise _fail(f"workshop '{w.id}'", f"alias or title {key!r} collides with workshop '{owner[key]}'")


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"workshop catalog not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"cannot read workshop catalog {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise CatalogError(f"workshop catalog {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _fail(path.name, "top level must be an object")
    for key in _REQUIRED_TOP:
        if key not in data:
            raise _fail(path.name, f"missing required field '{key}'")
    return data


def _role_labels(data: dict, where: str) -> dict[str, str]:
    roles = data["roles"]
    if not isinstance(roles, dict) or not all(isinstance(v, str) and v.strip() for v in roles.values()):
        raise _fail(where, "field 'roles' must map role slugs to non-empty labels")
    if set(roles) != set(ROLE_SLUGS):
        missing = sorted(set(ROLE_SLUGS) - set(roles))
        extra = sorted(set(roles) - set(ROLE_SLUGS))
        raise _fail(where, f"field 'roles' must hold exactly the known role slugs (missing: {missing}, unknown: {extra})")
    return {slug: roles[slug].strip() for slug in ROLE_SLUGS}


def _translated(raw: object, english: Workshop, where: str) -> Workshop:
    """`english` with the text of its entry in a translation file (the same topics, one for one)."""
    if not isinstance(raw, dict):
        raise _fail(where, "must be an object")
    topics = _text_list(raw, "topics", where)
    if len(topics) != len(english.topics):
        raise _fail(where, f"field 'topics' must translate the {len(english.topics)} topics one for one, "
                           f"got {len(topics)}")
    title = _text(raw, "learnMoreTitle", where, optional=True)
    if (title is None) != (english.learn_more is None):
        raise _fail(where, "field 'learnMoreTitle' must be set exactly when the workshop has a learnMore link")
    aliases = tuple(a.lower() for a in _text_list(raw, "aliases", where, allow_empty=True))
    url = english.learn_more
    return dataclasses.replace(
        english, title=_text(raw, "title", where), summary=_text(raw, "summary", where),
        purpose=_text(raw, "purpose", where), topics=topics, learn_more_title=title,
        learn_more=url.replace(LEARN, LEARN + "de-de/", 1) if url else None,  # Microsoft Learn in German
        aliases=tuple(dict.fromkeys(english.aliases + aliases)))


def _edition(path: Path, english: tuple[Workshop, ...]) -> Edition:
    """The German catalog (workshops.de.json): the translatable fields of every English workshop,
    by id, and of every role; no workshop missing and none extra."""
    data, where = _read(path), path.name
    raw = data["workshops"]
    if not isinstance(raw, dict):
        raise _fail(where, "field 'workshops' must map each workshop id to its text")
    ids = [w.id for w in english]
    missing, extra = sorted(set(ids) - set(raw)), sorted(set(raw) - set(ids))
    if missing or extra:
        raise _fail(where, f"field 'workshops' must hold exactly the catalog's ids (missing: {missing}, "
                           f"unknown: {extra})")
    workshops = tuple(_translated(raw[w.id], w, f"{where}: workshop '{w.id}'") for w in english)
    return Edition(workshops, MappingProxyType(_role_labels(data, where)), _text(data, "programmeNote", where))


def load_catalog(path: Optional[Union[str, Path]] = None) -> Catalog:
    """Read and validate the catalog (default: workshops.json beside this module) and its German
    text (workshops.de.json beside it: required for the bundled catalog, optional beside another)."""
    path = Path(path) if path is not None else DEFAULT_PATH
    data = _read(path)
    where = path.name
    note = _text(data, "programmeNote", where)
    roles = _role_labels(data, where)

    raw_workshops = data["workshops"]
    if not isinstance(raw_workshops, list) or not raw_workshops:
        raise _fail(where, "field 'workshops' must be a non-empty list")
    workshops = tuple(_workshop(raw, i, roles) for i, raw in enumerate(raw_workshops))
    german = path.with_name(f"{path.stem}.de.json")
    editions = {"de": _edition(german, workshops)} if german.exists() or path == DEFAULT_PATH else {}
    _check_unique(workshops)
    for edition in editions.values():  # German names must not mean another workshop in English either
        try:
            _check_unique(edition.workshops, workshops)
        except CatalogError as exc:
            raise CatalogError(f"{german.name}: {exc}") from None
    return Catalog(workshops=workshops, roles=roles, programme_note=note, editions=editions)


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """The bundled catalog, loaded and validated once per process."""
    return load_catalog()
