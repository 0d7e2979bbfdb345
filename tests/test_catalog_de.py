"""The catalog in German (catalog/workshops.de.json): every workshop, topic and role has its German
text, the catalog speaks the turn's language to every caller, and a bad translation file is refused."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from catalog import CatalogError, default_catalog, load_catalog
from texts import speaking

ROOT = Path(__file__).resolve().parents[1] / "catalog"
ENGLISH = json.loads((ROOT / "workshops.json").read_text(encoding="utf-8"))
GERMAN = json.loads((ROOT / "workshops.de.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalog():
    return default_catalog()


def test_every_workshop_topic_and_role_is_german(catalog):
    english = {w.id: w for w in catalog.workshops}
    with speaking("de-DE"):
        german = {w.id: w for w in catalog.workshops}
        roles, note = dict(catalog.roles), catalog.programme_note
    assert list(german) == list(english)
    for wid, workshop in german.items():
        source = english[wid]
        assert workshop.title != source.title or wid == "cutover" and workshop.title == "Cutover-Strategie", wid
        assert workshop.summary != source.summary and workshop.purpose != source.purpose, wid
        assert len(workshop.topics) == len(source.topics), wid
        changed = [t for t, s in zip(workshop.topics, source.topics) if t != s]
        assert len(changed) >= len(source.topics) - 3, (wid, workshop.topics)  # names such as "Azure" stay
        assert (workshop.mandatory, workshop.recommended, workshop.duration_hours, workshop.timing) == \
            (source.mandatory, source.recommended, source.duration_hours, source.timing)
    assert set(roles) == set(catalog.roles) and roles["solution-architect"] == "Lösungsarchitekt"
    assert "Success by Design" in note and "Solution Blueprint Review" in note and "Workshop" in note


def test_get_find_and_iteration_follow_the_turn(catalog):
    assert catalog.get("data-migration").title == "Data migration strategy"
    with speaking("de-AT"):
        assert catalog.get("data-migration").title == "Strategie für die Datenmigration"
        assert catalog.get("data-migration").topics[1] == "Datenvolumen"
        assert catalog.role_label("technical-lead") == "Technischer Lead"
        assert catalog.find("datenmigration").title == "Strategie für die Datenmigration"
        assert catalog.find("migration").id == "data-migration"  # English names still work
        assert catalog.find("Teststrategie").id == "test-strategy"
        assert "integration" in [w.id for w in catalog.closest("Integratoin")]
    assert catalog.find("datenmigration").title == "Data migration strategy"  # and German names in English
    with speaking("fr-FR"):
        assert catalog.get("cutover").title == "Cutover strategy"


def test_learn_more_opens_the_german_page(catalog):
    with speaking("de"):
        alm = catalog.get("alm")
        assert alm.learn_more.startswith("https://learn.microsoft.com/de-de/dynamics365/")
        assert alm.learn_more_title.startswith("Mit Strategien für das Application Lifecycle Management")
        assert catalog.get("integration").learn_more is None


def _load(tmp_path: Path, german: dict):
    shutil.copy(ROOT / "workshops.json", tmp_path / "workshops.json")
    (tmp_path / "workshops.de.json").write_text(json.dumps(german), encoding="utf-8")
    return load_catalog(tmp_path / "workshops.json")


def _without(wid: str) -> dict:
    return {**GERMAN, "workshops": {k: v for k, v in GERMAN["workshops"].items() if k != wid}}


def _with(wid: str, **fields) -> dict:
    return {**GERMAN, "workshops": {**GERMAN["workshops"], wid: {**GERMAN["workshops"][wid], **fields}}}


@pytest.mark.parametrize("german, message", [
    (_without("cutover"), "missing: ['cutover']"),
    ({**GERMAN, "workshops": {**GERMAN["workshops"], "extra": GERMAN["workshops"]["alm"]}}, "unknown: ['extra']"),
    (_with("alm", topics=GERMAN["workshops"]["alm"]["topics"][:-1]), "translate the 6 topics one for one"),
    (_with("alm", title=""), "field 'title' must be a non-empty string"),
    (_with("integration", learnMoreTitle="Mehr"), "'learnMoreTitle' must be set exactly when"),
    (_with("alm", learnMoreTitle=None), "'learnMoreTitle' must be set exactly when"),
    (_with("alm", title=GERMAN["workshops"]["cutover"]["title"]), "duplicate title"),
    (_with("alm", aliases=["migration"]), "collides with workshop"),
    ({**GERMAN, "roles": {"solution-architect": "Lösungsarchitekt"}}, "field 'roles' must hold exactly"),
    ({k: v for k, v in GERMAN.items() if k != "programmeNote"}, "missing required field 'programmeNote'"),
])
def test_a_bad_translation_is_refused(tmp_path, german, message):
    with pytest.raises(CatalogError, match="workshops.de.json") as error:
        _load(tmp_path, german)
    assert message in str(error.value)


def test_the_bundled_translation_loads_beside_a_copy(tmp_path):
    catalog = _load(tmp_path, GERMAN)
    with speaking("de"):
        assert catalog.get("post-go-live").title == "Nach dem Go-live"
    assert len(ENGLISH["workshops"]) == len(GERMAN["workshops"]) == 12
