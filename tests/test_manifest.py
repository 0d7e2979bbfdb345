"""The Teams app manifest and package (manifest/), checked against the official schema in node_modules."""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from jsonschema.validators import validator_for
from referencing import Registry
from referencing.exceptions import NoSuchResource

from cards.commands import menu_commands
from manifest import make_icons
from manifest.build import ManifestError, build_manifest, build_package, localisations
from texts import speaking

ROOT = Path(__file__).resolve().parents[1]
MANIFEST_DIR = ROOT / "manifest"
SCHEMA_PACKAGE = ROOT / "node_modules" / "@microsoft" / "app-manifest" / "build"
APP_ID = "2f1c1a3e-5b6d-4c7e-8f90-a1b2c3d4e5f6"
BASE_URL = "https://workshops.example.com"
SCOPES = ["team", "groupChat", "personal"]


@pytest.fixture(scope="module")
def manifest() -> dict:
    return build_manifest(APP_ID, BASE_URL)


def schema_path(manifest: dict) -> Path:
    """The local copy of the schema the manifest's $schema names, found the way the Teams tooling does."""
    prefix = "https://developer.microsoft.com/en-us/"
    assert manifest["$schema"].startswith(prefix), manifest["$schema"]
    return SCHEMA_PACKAGE / manifest["$schema"][len(prefix):]


def offline(uri: str):
    raise NoSuchResource(ref=uri)  # never fetch a remote $ref


# --- the manifest ------------------------------------------------------------------------------


def test_schema_url_is_the_official_one_for_the_manifest_version(manifest):
    version = manifest["manifestVersion"]
    assert manifest["$schema"] == (
        f"https://developer.microsoft.com/en-us/json-schemas/teams/v{version}/MicrosoftTeams.schema.json"
    )


def schema_errors(manifest: dict) -> list[str]:
    errors, schema = document_errors(manifest)
    # Draft 4 has no `const`; check the version pin the schema declares by hand.
    if manifest.get("manifestVersion") != schema["properties"]["manifestVersion"]["const"]:
        errors.append(f"manifestVersion: {manifest.get('manifestVersion')!r} is not the schema's")
    return errors


def document_errors(document: dict) -> tuple[list[str], dict]:
    """What the official schema that `document` names ($schema) finds wrong with it, and that schema."""
    path = schema_path(document)
    assert path.is_file(), f"the Teams schema is missing: {path} (run npm ci)"
    schema = json.loads(path.read_text(encoding="utf-8"))
    cls = validator_for(schema, default=None)
    assert cls is not None, f"unknown $schema in {path}: {schema.get('$schema')}"
    # Without format checks: a few patterns (in Office add-in parts we do not use) are
    # ECMAScript regexes with \p{L}, which Python's re cannot compile.
    cls.check_schema(schema, format_checker=None)
    validator = cls(schema, registry=Registry(retrieve=offline), format_checker=cls.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)], schema


def test_manifest_is_valid_against_the_official_schema(manifest):
    assert schema_errors(manifest) == []


def test_schema_check_catches_a_bad_manifest(manifest):
    bad = json.loads(json.dumps(manifest))
    bad["bots"][0]["scopes"] = ["everywhere"]
    bad["accentColor"] = "blue"
    del bad["developer"]["privacyUrl"]
    assert len(schema_errors(bad)) == 3


def test_identity_names_and_links(manifest):
    assert manifest["id"] == APP_ID
    assert manifest["name"] == {"short": "Workshops", "full": "Implementation Workshops for Dynamics 365"}
    assert manifest["developer"] == {
        "name": "Implementation Workshops team",
        "websiteUrl": BASE_URL,
        "privacyUrl": f"{BASE_URL}/privacy",
        "termsOfUseUrl": f"{BASE_URL}/terms",
    }
    assert "${{" not in json.dumps(manifest)


def test_configurable_tab_opens_the_bots_config_page(manifest):
    [tab] = manifest["configurableTabs"]
    # Teams fills in {teamId} and {theme}; the page itself never trusts them for access.
    assert tab["configurationUrl"] == f"{BASE_URL}/tabs/config?project={{teamId}}&theme={{theme}}"
    assert tab["canUpdateConfiguration"] is True
    assert tab["scopes"] == ["team", "groupChat"]
    assert {"meetingSidePanel", "meetingStage", "meetingChatTab", "meetingDetailsTab"} <= set(tab["context"])


def test_tab_permissions_and_web_application_info(manifest):
    granted = manifest["authorization"]["permissions"]["resourceSpecific"]
    assert {p["name"] for p in granted} == {
        "TeamsTab.Create.Group",  # pinning tabs
        "OnlineMeeting.ReadBasic.Chat", "ChannelMeeting.ReadBasic.Group",  # meeting start and end events
        "OnlineMeetingParticipant.Read.Chat", "ChannelMeetingParticipant.Read.Group",  # join and leave events
    }
    assert {p["type"] for p in granted} == {"Application"}
    assert manifest["webApplicationInfo"] == {"id": APP_ID, "resource": f"api://workshops.example.com/{APP_ID}"}


def test_bot_scopes_and_commands(manifest):
    [bot] = manifest["bots"]
    assert bot["botId"] == APP_ID
    assert bot["scopes"] == SCOPES
    assert bot["supportsFiles"] is False
    assert bot["isNotificationOnly"] is False
    assert [lst["scopes"] for lst in bot["commandLists"]] == [[s] for s in SCOPES]
    for lst in bot["commandLists"]:
        assert [c["title"] for c in lst["commands"]] == [c.menu_title for c in menu_commands(lst["scopes"][0])]
        assert len(lst["commands"]) <= 10
        for command in lst["commands"]:
            assert len(command["title"]) <= 32
            assert 0 < len(command["description"]) <= 128


# --- localisation: English by default, German in de.json ---------------------------------------


@pytest.fixture(scope="module")
def german(manifest) -> dict:
    return localisations(manifest)["de.json"]


def test_the_manifest_is_english_with_german_as_another_language(manifest):
    assert manifest["localizationInfo"] == {"defaultLanguageTag": "en-us",
                                            "additionalLanguages": [{"languageTag": "de-de", "file": "de.json"}]}


def test_the_german_file_is_valid_against_the_official_localisation_schema(german):
    assert german["$schema"].endswith(f"/v{build_manifest(APP_ID, BASE_URL)['manifestVersion']}/"
                                      "MicrosoftTeams.Localization.schema.json")
    errors, _ = document_errors(german)
    assert errors == []
    errors, _ = document_errors({**german, "name.short": "", "bots[0].commandLists[9].commands[0].title": "x"})
    assert len(errors) == 2, "the check does catch a bad file"


def at(document, path: str):
    """The value a localisation key names: "bots[0].commandLists[1].commands[2].description"."""
    for name, index in re.findall(r"([^.\[\]]+)((?:\[\d+\])*)", path):
        document = document[name]
        for n in re.findall(r"\d+", index):
            document = document[int(n)]
    return document


def test_every_german_string_replaces_an_english_one(manifest, german):
    keys = [k for k in german if k != "$schema"]
    assert all(isinstance(at(manifest, k), str) for k in keys)  # a key that names nothing would be ignored
    commands = {k for k in keys if k.startswith("bots[0].commandLists")}
    assert len(commands) == sum(len(lst["commands"]) for lst in manifest["bots"][0]["commandLists"])
    changed = [k for k in keys if german[k] != at(manifest, k)]
    assert set(changed) >= commands | {"name.full", "description.short", "description.full",
                                       "composeExtensions[0].commands[0].description",
                                       "composeExtensions[0].commands[0].parameters[0].description"}
    assert german["bots[0].commandLists[2].commands[0].description"] == (
        "Was der Bot kann, mit Schaltflächen für die häufigsten Befehle")
    assert german["bots[0].commandLists[0].commands[2].description"].endswith(". Eingabe: workshop <name>")
    assert all(0 < len(german[k]) <= 128 for k in commands)
    with speaking("de-DE"):
        assert [c.description for c in menu_commands("personal")][:2] == [
            german["bots[0].commandLists[2].commands[0].description"],
            german["bots[0].commandLists[2].commands[1].description"]]


def test_valid_domains_is_the_public_host(manifest):
    assert manifest["validDomains"] == ["workshops.example.com"]


def test_base_url_is_normalised():
    m = build_manifest(APP_ID, " https://Bot.Example.com:8443/workshops/ ")
    assert m["validDomains"] == ["bot.example.com:8443"]
    assert m["developer"]["privacyUrl"] == "https://bot.example.com:8443/workshops/privacy"
    assert m["configurableTabs"][0]["configurationUrl"].startswith("https://bot.example.com:8443/workshops/tabs/config?")
    assert m["webApplicationInfo"]["resource"] == f"api://bot.example.com:8443/{APP_ID}"


@pytest.mark.parametrize(
    "app_id",
    ["", "   ", "not-a-guid", "2f1c1a3e5b6d4c7e8f90a1b2c3d4e5f6", f"{{{APP_ID}}}", APP_ID + "0", APP_ID[:-1] + "g"],
)
def test_bad_app_id_is_refused(app_id):
    with pytest.raises(ManifestError, match="MicrosoftAppId") as info:
        build_manifest(app_id, BASE_URL)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "http://workshops.example.com",
        "workshops.example.com",
        "ftp://workshops.example.com",
        "https://",
        "https://user:secret@workshops.example.com",
        "https://workshops.example.com/?x=1",
        "https://workshops.example.com:99999",
        "https://workshops example.com",
    ],
)
def test_bad_base_url_is_refused(url):
    with pytest.raises(ManifestError, match="PUBLIC_BASE_URL"):
        build_manifest(APP_ID, url)


# --- icons -------------------------------------------------------------------------------------


def read_png(path: Path) -> tuple[int, int, int, list[bytes]]:
    """Width, height, colour type and the unfiltered pixel rows of an 8-bit, non-interlaced PNG."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        chunks.append((data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]))
        pos += 12 + length
    kind, header = chunks[0]
    assert kind == b"IHDR"
    width, height, depth, color_type, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert depth == 8 and interlace == 0
    bpp = {2: 3, 6: 4}[color_type]
    raw = zlib.decompress(b"".join(body for kind, body in chunks if kind == b"IDAT"))
    stride, rows, prev = width * bpp, [], bytes(width * bpp)
    for y in range(height):
        filt, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            predictor = [0, a, b, (a + b) // 2,
                         a if abs(p - a) <= abs(p - b) and abs(p - a) <= abs(p - c) else b if abs(p - b) <= abs(p - c) else c]
            line[i] = (line[i] + predictor[filt]) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, color_type, rows


def test_color_icon_is_192_and_opaque():
    width, height, color_type, _ = read_png(MANIFEST_DIR / "color.png")
    assert (width, height) == (192, 192)
    assert color_type == 2  # RGB: no alpha channel, so fully opaque


def test_outline_icon_is_32_white_on_transparent():
    width, height, color_type, rows = read_png(MANIFEST_DIR / "outline.png")
    assert (width, height) == (32, 32)
    assert color_type == 6  # RGBA
    pixels = [row[i:i + 4] for row in rows for i in range(0, len(row), 4)]
    assert all(p[3] == 0 or p[:3] == b"\xff\xff\xff" for p in pixels)
    assert any(p[3] == 0 for p in pixels) and any(p[3] == 255 for p in pixels)


def test_icons_are_what_make_icons_draws():
    assert (MANIFEST_DIR / "color.png").read_bytes() == make_icons.color_icon()
    assert (MANIFEST_DIR / "outline.png").read_bytes() == make_icons.outline_icon()


# --- the package -------------------------------------------------------------------------------


def test_package_holds_exactly_the_manifest_its_german_file_and_icons(tmp_path, manifest):
    out = build_package(APP_ID, BASE_URL, tmp_path / "sub" / "app.zip")
    assert out == tmp_path / "sub" / "app.zip"
    with zipfile.ZipFile(out) as zf:
        assert sorted(zf.namelist()) == ["color.png", "de.json", "manifest.json", "outline.png"]
        assert json.loads(zf.read("manifest.json")) == manifest
        assert json.loads(zf.read("de.json")) == localisations(manifest)["de.json"]
        for name in ("color.png", "outline.png"):
            assert zf.read(name) == (MANIFEST_DIR / name).read_bytes()


def run_cli(tmp_path, env_extra: dict, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("MicrosoftAppId", "PUBLIC_BASE_URL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "-m", "manifest.build", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )


def test_cli_without_app_id_exits_2_with_one_line(tmp_path):
    result = run_cli(tmp_path, {"PUBLIC_BASE_URL": BASE_URL})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "MicrosoftAppId" in result.stderr
    assert not (tmp_path / "build").exists()


def test_cli_reads_dotenv_and_real_environment_wins(tmp_path):
    (tmp_path / ".env").write_text(f"MicrosoftAppId={APP_ID}\nPUBLIC_BASE_URL=https://from-dotenv.example.com\n")
    result = run_cli(tmp_path, {"PUBLIC_BASE_URL": "https://real.example.com"}, "--out", "out/pkg.zip")
    assert result.returncode == 0, result.stderr
    assert "out/pkg.zip" in result.stdout
    with zipfile.ZipFile(tmp_path / "out" / "pkg.zip") as zf:
        built = json.loads(zf.read("manifest.json"))
    assert built["id"] == APP_ID
    assert built["validDomains"] == ["real.example.com"]


def test_cli_default_output_path(tmp_path):
    result = run_cli(tmp_path, {"MicrosoftAppId": APP_ID, "PUBLIC_BASE_URL": BASE_URL})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "build" / "appPackage.zip").is_file()
