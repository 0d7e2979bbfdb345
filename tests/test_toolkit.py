"""The Microsoft 365 Agents Toolkit project: m365agents.yml and m365agents.local.yml parse, use the Toolkit's
actions, reference only files that exist (or that an earlier step builds), and use only variables something
defines; the env files name every setting as the README does; and the app package the Toolkit's steps build is
valid against the official Teams schema."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from tests.test_infra import readme_settings
from tests.test_manifest import schema_errors

ROOT = Path(__file__).resolve().parents[1]
PROJECTS = {"m365agents.yml": "dev", "m365agents.local.yml": "local"}
ACTIONS = {"script", "arm/deploy", "teamsApp/create", "teamsApp/validateManifest", "teamsApp/validateAppPackage",
           "teamsApp/zipAppPackage", "teamsApp/update", "teamsApp/publishAppPackage", "aadApp/create",
           "botAadApp/create", "botFramework/create", "azureAppService/zipDeploy", "file/createOrUpdateEnvironmentFile",
           "devTool/install"}
BUILT_IN = {"TEAMSFX_ENV", "AZURE_SUBSCRIPTION_ID", "AZURE_RESOURCE_GROUP_NAME"}
VARIABLE = re.compile(r"\$\{\{(\w+)\}\}")
SET_ENV = re.compile(r"::set-teamsfx-env (\w+)=")
BOT_ID = "7c1e1d0e-0000-4000-8000-00000000a11d"
ENDPOINT = "https://workshops-abc123-app.azurewebsites.net"


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def steps(project: dict):
    for stage in ("provision", "deploy", "publish"):
        for step in project.get(stage) or []:
            yield stage, step


def env_names(environment: str) -> set:
    """Names an env file sets, and names it mentions in a comment (`# NAME=`)."""
    text = (ROOT / "env" / f".env.{environment}").read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Za-z_]\w*)=", text, re.M))


def env_set(environment: str) -> set:
    text = (ROOT / "env" / f".env.{environment}").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z_]\w*)=", text, re.M))


def bicep_outputs() -> set:
    return set(re.findall(r"^output (\w+)", (ROOT / "infra" / "main.bicep").read_text(encoding="utf-8"), re.M))


def package_script(project: dict, stage: str) -> str:
    [run] = [step["with"]["run"] for s, step in steps(project) if s == stage and step.get("name") == "Build the app package"]
    return run


@pytest.mark.parametrize("name", PROJECTS)
def test_the_toolkit_files_parse_and_use_only_toolkit_actions(name):
    project = load(name)
    assert re.fullmatch(r"v1\.\d+", project["version"])
    assert (ROOT / project["environmentFolderPath"]).is_dir()
    assert project["provision"] and project["deploy"]
    assert {step["uses"] for _, step in steps(project)} <= ACTIONS


@pytest.mark.parametrize("name", PROJECTS)
def test_every_file_they_name_exists_or_is_built_by_an_earlier_step(name):
    project, built = load(name), set()
    for stage, step in steps(project):
        options = step.get("with") or {}
        if step["uses"] == "script" and "make package" in options["run"]:
            built.add(re.search(r"PACKAGE=(\S+)", options["run"]).group(1))
        for template in options.get("templates") or []:
            assert (ROOT / template["path"]).is_file() and (ROOT / template["parameters"]).is_file()
        if "ignoreFile" in options:
            assert (ROOT / options["ignoreFile"]).is_file()
        if "appPackagePath" in options:
            assert os.path.normpath(options["appPackagePath"]) in {os.path.normpath(p) for p in built}, \
                f"{stage}: {options['appPackagePath']} is not built before {step['uses']}"
        if "target" in options:
            assert (ROOT / options["target"]).parent.is_dir()
    assert "build/appPackage.${{TEAMSFX_ENV}}.zip" in built


@pytest.mark.parametrize("name, environment", PROJECTS.items())
def test_every_variable_they_use_is_defined_by_the_env_file_or_an_earlier_step(name, environment):
    project = load(name)
    defined = BUILT_IN | env_set(environment)
    for _, step in steps(project):
        text = json.dumps(step.get("with") or {})
        if step["uses"] == "arm/deploy":
            for template in step["with"]["templates"]:
                text += (ROOT / template["parameters"]).read_text(encoding="utf-8")
        missing = {v for v in VARIABLE.findall(text) if v not in defined}
        # A script may read what it is about to set ($NAME): only ${{NAME}} must exist before it.
        assert not missing, f"{step['uses']} uses {sorted(missing)} before anything defines them"
        defined |= set(SET_ENV.findall(text)) | set((step.get("writeToEnvironmentFile") or {}).values())
        if step["uses"] == "arm/deploy":
            defined |= bicep_outputs()


@pytest.mark.parametrize("environment", PROJECTS.values())
def test_the_env_files_name_every_setting_as_the_readme_does(environment):
    missing = readme_settings() - env_names(environment)
    assert not missing, f"env/.env.{environment} does not mention {sorted(missing)}"


@pytest.mark.parametrize("name, stage", [("m365agents.yml", "provision"), ("m365agents.yml", "publish"),
                                         ("m365agents.local.yml", "provision")])
def test_the_package_the_toolkit_builds_is_valid_against_the_official_schema(name, stage, tmp_path):
    """The step's own command, with the values provision gives it, as `make` runs it (make -n: no install)."""
    run = package_script(load(name), stage)
    command = run.replace("${{BOT_ID}}", BOT_ID).replace("${{BOT_ENDPOINT}}", ENDPOINT).replace(
        "${{TEAMSFX_ENV}}", "dev")
    words = shlex.split(command)
    assert words[:2] == ["make", "package"]
    out = tmp_path / "appPackage.dev.zip"
    variables = [w if not w.startswith("PACKAGE=") else f"PACKAGE={out}" for w in words[2:]]
    dry = subprocess.run(["make", "-n", "-s", "package", *variables], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert dry.returncode == 0, dry.stderr
    [build] = [line for line in dry.stdout.splitlines() if "manifest.build" in line]
    environment = {**os.environ, **dict(v.split("=", 1) for v in variables)}
    subprocess.run(shlex.split(build.replace(".venv/bin/python", sys.executable, 1)), cwd=ROOT, env=environment,
                   check=True, timeout=60, capture_output=True)
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "de.json", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
    assert schema_errors(manifest) == []
    assert manifest["id"] == manifest["bots"][0]["botId"] == BOT_ID, "the Teams app id is the bot's app id"
    assert manifest["developer"]["privacyUrl"] == f"{ENDPOINT}/privacy"
