"""The workshop catalog is faithful to Microsoft's source page, resolves loose names and rejects bad files."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from catalog import ROLE_SLUGS, CatalogError, default_catalog, load_catalog

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "catalog" / "source" / "implementation-workshops.md"
SEED = ROOT.parent / "shared" / "seed" / "implementation-workshops.md"
DATA = ROOT / "catalog" / "workshops.json"
BASE = "https://learn.microsoft.com/dynamics365/guidance/implementation-guide/"
STAKEHOLDERS = ("customer-stakeholder", "partner-stakeholder")
LEADS = ("solution-architect", "functional-lead", "technical-lead")

# Title -> (id, mandatory roles, recommended roles), read off each workshop's attendee sentence.
EXPECTED = {
    "Data migration strategy": ("data-migration", ("solution-architect", "technical-lead"), STAKEHOLDERS),
    "Security model design": ("security-model", ("solution-architect", "technical-lead"), STAKEHOLDERS),
    "Solution performance": ("solution-performance", ("solution-architect", "functional-lead", "project-manager",
                                                      "technical-lead", "test-lead"), STAKEHOLDERS),
    "Integration design": ("integration", LEADS, STAKEHOLDERS),
    "Data model design": ("data-model", LEADS, STAKEHOLDERS),
    "Test strategy": ("test-strategy", LEADS, STAKEHOLDERS),
    "User experience design": ("user-experience", LEADS, STAKEHOLDERS),
    "Application lifecycle management strategy": ("alm", LEADS, STAKEHOLDERS),
    "Gap solution design": ("gap-solution", LEADS, STAKEHOLDERS),
    "Cutover strategy": ("cutover", ("cutover-lead", "solution-architect", "data-migration-lead", "project-manager"),
                         STAKEHOLDERS),
    "Post go-live": ("post-go-live", ("project-manager", "solution-architect"), ("project-sponsor",)),
    "Business intelligence and analytics design": ("bi-analytics", LEADS, STAKEHOLDERS),
}


def parse_source(text: str) -> dict[str, dict]:
    """Workshops in source order: title -> {topics, link: (link text, url) or None}."""
    workshops: dict[str, dict] = {}
    current, in_topics, seen_h1 = None, False, False
    for line in text.splitlines():
        if line.startswith("# "):
            seen_h1 = True
        elif line.startswith("## ") and seen_h1:
            current = line[3:].strip()
            workshops[current] = {"topics": [], "link": None}
            in_topics = False
        elif current is None:
            continue
        elif line.strip() == "Agenda topics:":
            in_topics = True
        elif line.startswith("- ") and in_topics:
            workshops[current]["topics"].append(line[2:].strip())
        elif line.strip():
            in_topics = False
            link = re.search(r"Learn more at \[(.+?)\]\(\.\./implementation-guide/([^)]+?)\.md\)", line)
            if link:
                workshops[current]["link"] = (link.group(1), BASE + link.group(2))
    return workshops


@pytest.fixture(scope="module")
def source() -> dict[str, dict]:
    return parse_source(SOURCE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


def test_source_copy_matches_shared_seed():
    if SEED.exists():
        assert SOURCE.read_bytes() == SEED.read_bytes()


def test_twelve_workshops_with_the_source_titles_in_order(source, catalog):
    assert len(source) == 12
    assert len(catalog.workshops) == 12
    assert [w.title for w in catalog.workshops] == list(source)
    assert list(EXPECTED) == list(source)


def test_agenda_topics_are_exactly_the_sources(source, catalog):
    for title, parsed in source.items():
        workshop = catalog.get(EXPECTED[title][0])
        assert parsed["topics"], title
        assert list(workshop.topics) == parsed["topics"], title
    assert "Ease of use – legacy system mapping" in catalog.get("user-experience").topics


def test_attendees_match_the_source_sentences(catalog):
    for title, (wid, mandatory, recommended) in EXPECTED.items():
        workshop = catalog.get(wid)
        assert workshop.title == title
        assert set(workshop.mandatory) == set(mandatory), wid
        assert set(workshop.recommended) == set(recommended), wid


def test_learn_more_links_match_the_source(source, catalog):
    for title, parsed in source.items():
        workshop = catalog.get(EXPECTED[title][0])
        if parsed["link"] is None:
            assert workshop.learn_more is None and workshop.learn_more_title is None, title
        else:
            assert (workshop.learn_more_title, workshop.learn_more) == parsed["link"], title
    for wid in ("integration", "user-experience", "post-go-live", "bi-analytics"):
        assert catalog.get(wid).learn_more is None


def test_roles_timing_and_durations(catalog):
    assert tuple(catalog.roles) == ROLE_SLUGS
    assert catalog.role_label("cutover-lead") == "Cutover lead"
    assert "Success by Design" in catalog.programme_note
    assert "Solution Blueprint Review" in catalog.programme_note
    for workshop in catalog.workshops:
        low, high = workshop.duration_hours
        assert 1 <= low <= high <= 3
        post = workshop.id == "post-go-live"
        assert workshop.timing == ("post-go-live" if post else "pre-go-live")
        assert workshop.closes_engagement is post
    assert "Customer Advocacy Program" in catalog.get("post-go-live").purpose


@pytest.mark.parametrize("name, wid", [
    ("cutover", "cutover"),
    ("ALM", "alm"),
    ("bi", "bi-analytics"),
    ("perf", "solution-performance"),
    ("data model", "data-model"),
    ("post go live", "post-go-live"),
    ("Post go-live", "post-go-live"),
    ("  post   GO-LIVE ", "post-go-live"),
    ("postgolive", "post-go-live"),
    ("go-live", "post-go-live"),
    ("data-migration", "data-migration"),
    ("migration", "data-migration"),
    ("Security model design", "security-model"),
    ("security", "security-model"),
    ("integration", "integration"),
    ("test", "test-strategy"),
    ("testing", "test-strategy"),
    ("ux", "user-experience"),
    ("gap", "gap-solution"),
    ("gaps", "gap-solution"),
    ("analytics", "bi-analytics"),
    ("performance", "solution-performance"),
    ("Business intelligence and analytics", "bi-analytics"),
    ("application lifecycle", "alm"),
])
def test_loose_names_resolve(catalog, name, wid):
    workshop = catalog.find(name)
    assert workshop is not None and workshop.id == wid


@pytest.mark.parametrize("name", ["data", "reporting", "", "   ", "zzzz"])
def test_ambiguous_or_unknown_names_do_not_resolve(catalog, name):
    assert catalog.find(name) is None


def test_get_and_closest(catalog):
    assert catalog.get("cutover").title == "Cutover strategy"
    with pytest.raises(KeyError):
        catalog.get("nope")
    assert "cutover" in [w.id for w in catalog.closest("cutovr")]
    assert catalog.closest("zzzz") == []
    assert len(catalog.closest("securty", n=1)) == 1


# --- loader errors -------------------------------------------------------------

def _good() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def _load(tmp_path: Path, data: dict):
    path = tmp_path / "workshops.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return load_catalog(path)


def _broken(change) -> dict:
    data = copy.deepcopy(_good())
    change(data)
    return data


def _set(index: int, key: str, value):
    return lambda data: data["workshops"][index].__setitem__(key, value)


def test_bundled_file_loads(tmp_path):
    assert len(_load(tmp_path, _good()).workshops) == 12


@pytest.mark.parametrize("change, message", [
    (_set(1, "id", "data-migration"), "duplicate id"),
    (_set(2, "title", "Data migration strategy"), "duplicate title"),
    (_set(9, "mandatory", ["cutover-lead", "chief-wizard"]), "unknown role(s): chief-wizard"),
    (lambda d: d["workshops"][3].pop("topics"), "workshop 'integration': missing required field 'topics'"),
    (_set(3, "topics", []), "workshop 'integration': field 'topics' must not be empty"),
    (_set(3, "topics", ["Azure", "Azure"]), "duplicates: Azure"),
    (_set(0, "learnMore", "http://example.com/x"), "workshop 'data-migration': field 'learnMore' must be an https URL"),
    (_set(0, "durationHours", [2, 4]), "workshop 'data-migration': field 'durationHours'"),
    (_set(0, "durationHours", [3, 2]), "field 'durationHours'"),
    (_set(0, "timing", "during"), "field 'timing'"),
    (_set(0, "summary", ""), "field 'summary' must be a non-empty string"),
    (_set(0, "closesEngagement", "no"), "field 'closesEngagement'"),
    (_set(4, "aliases", ["cutover"]), "'cutover' collides with workshop 'data-model'"),
    (lambda d: d["roles"].pop("test-lead"), "missing: ['test-lead']"),
])
def test_broken_files_fail_with_a_clear_message(tmp_path, change, message):
    with pytest.raises(CatalogError) as raised:
        _load(tmp_path, _broken(change))
    assert message in str(raised.value)


def test_invalid_json_fails(tmp_path):
    path = tmp_path / "workshops.json"
    path.write_text('{"workshops": [', encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid JSON"):
        load_catalog(path)


def test_missing_file_fails(tmp_path):
    with pytest.raises(CatalogError, match="not found"):
        load_catalog(tmp_path / "absent.json")
