"""Builds the Teams app package: manifest.json (from manifest.template.json), the two icons, and a
localisation file per additional language of its localizationInfo (manifest/de.json, with the command
menu's descriptions added in that language from the catalogue, texts/).

    python -m manifest.build [--out build/appPackage.zip]

Reads MicrosoftAppId and PUBLIC_BASE_URL from the environment; a `.env` file in the working
directory is honoured (real environment variables win).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

from cards.commands import Command, menu_commands
from runtime.settings import VERSION, read_environment
from texts import speaking, t

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "manifest.template.json"
ICONS = ("color.png", "outline.png")
DEFAULT_OUT = Path("build") / "appPackage.zip"

# Limits Teams puts on a bot's command menu (stricter than the JSON schema).
MAX_COMMANDS = 10
MAX_TITLE = 32
MAX_DESCRIPTION = 128

_GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_PLACEHOLDER = re.compile(r"\$\{\{(\w+)\}\}")


class ManifestError(ValueError):
    """A setting the package needs is missing or unusable; the message says which and why."""


def check_app_id(app_id: str) -> str:
    app_id = (app_id or "").strip()
    if not app_id:
        raise ManifestError("MicrosoftAppId is not set: it must be the bot's Azure app (client) id, a GUID")
    if not _GUID.match(app_id):
        raise ManifestError(
            f"MicrosoftAppId must be a GUID like 00000000-0000-0000-0000-000000000000, not {app_id!r}"
        )
    return app_id


def check_base_url(url: str) -> tuple[str, str]:
    """The base URL without a trailing slash, and its host (with the port, when one is given)."""
    url = (url or "").strip().rstrip("/")
    if not url:
        raise ManifestError("PUBLIC_BASE_URL is not set: it must be the bot's public https address")
    try:
        parts = urlsplit(url)
        parts.port  # raises ValueError on a bad port
    except ValueError:
        raise ManifestError(f"PUBLIC_BASE_URL is not a valid URL: {url!r}") from None
    if parts.scheme.lower() != "https":
        raise ManifestError(f"PUBLIC_BASE_URL must start with https://, not {url!r}")
    if not parts.hostname or parts.username or parts.password or re.search(r"\s", url):
        raise ManifestError(f"PUBLIC_BASE_URL must be https://<host>, not {url!r}")
    if parts.query or parts.fragment:
        raise ManifestError(f"PUBLIC_BASE_URL must not have a query or fragment: {url!r}")
    host = parts.netloc.lower()
    return f"https://{host}{parts.path}", host


def command_list(scope: str) -> dict:
    offered = menu_commands(scope)
    if len(offered) > MAX_COMMANDS:
        raise ManifestError(f"Teams shows at most {MAX_COMMANDS} commands, cards/commands.py offers {len(offered)} "
                            f"in {scope}")
    commands = []
    for c in offered:
        description = _description(c)
        if len(c.menu_title) > MAX_TITLE or len(description) > MAX_DESCRIPTION:
            raise ManifestError(
                f"command {c.name!r}: Teams allows titles up to {MAX_TITLE} characters "
                f"and descriptions up to {MAX_DESCRIPTION}"
            )
        commands.append({"title": c.menu_title, "description": description})
    return {"scopes": [scope], "commands": commands}


def _description(c: Command) -> str:
    """A command's description in the menu, in the current language; its usage when it takes more than its name."""
    return c.description if c.usage == c.menu_title else t("cards.commands.usage", description=c.description,
                                                          usage=c.usage)


def localisations(manifest: dict) -> dict[str, dict]:
    """{file name: its content} for each additional language: manifest/<file> (names and descriptions),
    plus the command menu's descriptions in that language (the titles are the words typed, as they are)."""
    files = {}
    for language in manifest.get("localizationInfo", {}).get("additionalLanguages", []):
        strings = json.loads((HERE / language["file"]).read_text(encoding="utf-8"))
        with speaking(language["languageTag"]):
            for n, bot in enumerate(manifest["bots"]):
                for i, listed in enumerate(bot["commandLists"]):
                    for j, command in enumerate(command_list(listed["scopes"][0])["commands"]):
                        strings[f"bots[{n}].commandLists[{i}].commands[{j}].description"] = command["description"]
        files[language["file"]] = strings
    return files


def _fill(value, values: dict):
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    if isinstance(value, str):
        return _PLACEHOLDER.sub(lambda m: values[m.group(1)], value)
    return value


def build_manifest(app_id: str, public_base_url: str) -> dict:
    """The manifest as a dict; raises ManifestError for a bad app id or base URL."""
    app_id = check_app_id(app_id)
    base_url, host = check_base_url(public_base_url)
    values = {"MicrosoftAppId": app_id, "PUBLIC_BASE_URL": base_url, "PUBLIC_HOST": host, "APP_VERSION": VERSION}
    manifest = _fill(json.loads(TEMPLATE.read_text(encoding="utf-8")), values)
    for bot in manifest["bots"]:
        bot["commandLists"] = [command_list(scope) for scope in bot["scopes"]]
    return manifest


def build_package(app_id: str, public_base_url: str, out_path) -> Path:
    """Writes the zip Teams accepts: manifest.json, color.png, outline.png at its root."""
    manifest = build_manifest(app_id, public_base_url)
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    texts = {"manifest.json": manifest, **localisations(manifest)}
    files = {name: (json.dumps(value, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
             for name, value in texts.items()}
    files.update({name: (HERE / name).read_bytes() for name in ICONS})
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            # A fixed timestamp: the same inputs give the same bytes.
            zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m manifest.build", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(DEFAULT_OUT), help=f"where to write the zip (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    env = read_environment()
    try:
        out = build_package(env.get("MicrosoftAppId", ""), env.get("PUBLIC_BASE_URL", ""), args.out)
    except ManifestError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
