"""infra/ (Bicep) and the Dockerfile: they parse, checkov finds nothing that is not skipped with a reason, and
what they deploy matches the code (containers, partition key, indexed paths, settings, probes).

checkov and the Bicep parser (pycep) live in their own venv, .venv-infra (requirements-infra.txt), which
`make test` installs: under make test these tests always run; elsewhere they skip when that venv is missing."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from store.base import CONTAINERS, PARTITION_KEY_PATH

ROOT = Path(__file__).resolve().parents[1]
INFRA = ROOT / "infra"
INFRA_PYTHON = ROOT / ".venv-infra" / "bin" / "python"
CHECKOV = ROOT / ".venv-infra" / "bin" / "checkov"

PARSE_ALL = """
import json, sys
from pathlib import Path
from pycep import BicepParser
print(json.dumps({str(p): BicepParser().parse(file_path=p) for p in sorted(Path(sys.argv[1]).rglob('*.bicep'))},
                 default=str))
"""


@pytest.fixture(scope="module")
def infra_venv():
    if not (INFRA_PYTHON.exists() and CHECKOV.exists()):
        if os.environ.get("WORKSHOPS_MAKE_TEST"):
            pytest.fail(".venv-infra is missing under make test: the Makefile must install requirements-infra.txt")
        pytest.skip(".venv-infra is not installed (make infra-check installs it; make test always does)")
    return INFRA_PYTHON


@pytest.fixture(scope="module")
def bicep(infra_venv) -> dict:
    """Every .bicep file under infra/, parsed by pycep (the parser checkov uses), by path relative to infra/."""
    result = subprocess.run([str(infra_venv), "-c", PARSE_ALL, str(INFRA)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return {str(Path(path).relative_to(INFRA)): parsed for path, parsed in json.loads(result.stdout).items()}


def checkov(*target: str) -> dict:
    result = subprocess.run([str(CHECKOV), *target, "--skip-download", "-o", "json"], capture_output=True,
                            text=True, timeout=600, cwd=ROOT, env={**os.environ, "BC_SKIP_MAPPING": "TRUE"})
    assert result.returncode in (0, 1), result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.mark.parametrize("target", [("-d", "infra", "--framework", "bicep"),
                                    ("-f", "Dockerfile", "--framework", "dockerfile")], ids=["bicep", "dockerfile"])
def test_checkov_finds_nothing_that_is_not_skipped_with_a_reason(infra_venv, target):
    report = checkov(*target)
    results, summary = report["results"], report["summary"]
    assert summary["parsing_errors"] == 0 and results["parsing_errors"] == []
    assert summary["passed"] > 0, "checkov checked nothing"
    failed = [f"{c['check_id']} {c['check_name']} at {c['file_path']}:{c['file_line_range']}"
              for c in results["failed_checks"]]
    assert failed == []
    unexplained = [c["check_id"] for c in results["skipped_checks"]
                   if len(c["check_result"].get("suppress_comment", "").strip()) < 30]
    assert unexplained == [], "every skip says why, in the Bicep file next to the resource"


def test_every_bicep_file_parses_and_every_module_exists(bicep):
    assert "main.bicep" in bicep
    for path, parsed in bicep.items():
        for name, module in parsed.get("modules", {}).items():
            target = (INFRA / path).parent / module["detail"]["path"]
            assert target.is_file(), f"{path}: module {name} names {target}, which does not exist"
            assert str(target.relative_to(INFRA)) in bicep


def _resources(bicep: dict, type_: str) -> dict:
    return {name: r for parsed in bicep.values() for name, r in parsed["resources"].items() if r["type"] == type_}


def test_cosmos_db_has_the_stores_containers_with_expiry_and_only_the_queried_paths_indexed(bicep):
    containers = _resources(bicep, "Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers")
    made = {c["config"]["properties"]["resource"]["id"]: c["config"]["properties"]["resource"]
            for c in containers.values()}
    assert set(made) == set(CONTAINERS)
    # The store's only query filters on these fields (store/cosmos.py); everything else is a point read.
    source = (ROOT / "store" / "cosmos.py").read_text(encoding="utf-8")
    queried = sorted({f"/{field}/?" for field in re.findall(r"\bc\.(\w+) =", source)})
    assert queried == ["/projectId/?", "/type/?"], queried
    for name, resource in made.items():
        assert resource["partitionKey"]["paths"] == [PARTITION_KEY_PATH]
        assert resource["defaultTtl"] == {"operator": {"type": "minus", "operands": {"integer_value": 1}}}, \
            "expiry on for documents with a ttl (delivery claims), as the store expects"
        policy = resource["indexingPolicy"]
        assert policy["excludedPaths"] == [{"path": "/*"}], f"{name} indexes everything"
        included = sorted(p["path"] for p in policy["includedPaths"])
        assert included == (queried if name == "projects" else []), name


def test_cosmos_db_takes_entra_id_only_and_the_bot_may_write_items(bicep):
    [account] = _resources(bicep, "Microsoft.DocumentDB/databaseAccounts").values()
    properties = account["config"]["properties"]
    assert properties["disableLocalAuth"] is True and properties["disableKeyBasedMetadataWriteAccess"] is True
    [assignment] = _resources(bicep, "Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments").values()
    role = json.dumps(assignment["config"]["properties"]["roleDefinitionId"])
    [variable] = re.findall(r"sqlRoleDefinitions/\$\{(\w+)\}", role)
    assert "00000000-0000-0000-0000-000000000002" in json.dumps(bicep["modules/cosmos.bicep"]["variables"][variable]), \
        "the built-in Data Contributor"
    cosmos = (INFRA / "modules" / "cosmos.bicep").read_text(encoding="utf-8")
    assert "EnableServerless" in cosmos


def test_the_bot_is_a_user_assigned_managed_identity(bicep):
    [bot] = _resources(bicep, "Microsoft.BotService/botServices").values()
    properties = bot["config"]["properties"]
    assert properties["msaAppType"] == "UserAssignedMSI"
    assert "msaAppMSIResourceId" in properties and "msaAppPassword" not in json.dumps(bot)
    [channel] = _resources(bicep, "Microsoft.BotService/botServices/channels").values()
    assert channel["config"]["name"] == "MsTeamsChannel"


def _app_settings() -> dict:
    text = (INFRA / "modules" / "app.bicep").read_text(encoding="utf-8")
    return dict(re.findall(r"^\s*\{ name: '(\w+)', value: (.+) \}(?:\s*//.*)?$", text, re.M))


def readme_settings() -> set:
    """The variables of the README's settings table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("| variable | default | meaning |", 1)[1].split("\n\n", 1)[0]
    return {name for row in table.splitlines()[2:] for name in re.findall(r"`([A-Za-z_]+)`", row.split("|")[1])}


def test_the_app_settings_are_named_as_the_readme_names_them_and_hold_no_secret():
    settings = _app_settings()
    platform = {"WEBSITES_PORT", "SCM_DO_BUILD_DURING_DEPLOYMENT"}  # App Service's own
    assert set(settings) - platform <= readme_settings(), set(settings) - platform - readme_settings()
    assert settings["MicrosoftAppType"] == "'UserAssignedMSI'"
    assert settings["SIGNING_SECRET"].startswith("'@Microsoft.KeyVault(SecretUri="), "the secret stays in Key Vault"
    assert not {"MicrosoftAppPassword", "COSMOS_KEY"} & set(settings)


def test_the_platform_probes_liveness_and_the_signing_secret_is_a_secure_parameter(bicep):
    app = (INFRA / "modules" / "app.bicep").read_text(encoding="utf-8")
    assert "healthCheckPath: '/livez'" in app
    secret = bicep["main.bicep"]["parameters"]["signingSecret"]
    assert any("secure" in json.dumps(d) for d in secret["decorators"])
    parameters = json.loads((INFRA / "main.parameters.json").read_text(encoding="utf-8"))["parameters"]
    assert set(parameters) <= set(bicep["main.bicep"]["parameters"])
    assert parameters["signingSecret"]["value"] == "${{SECRET_SIGNING_SECRET}}", "from the encrypted .user file"


def test_the_dockerfile_is_slim_non_root_runtime_only_with_a_health_check():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim\b", text, re.M)
    assert re.search(r"^USER (?!root)\w+", text, re.M)
    assert "pip install --no-compile -r requirements.txt" in text and "requirements-dev" not in text
    assert "HEALTHCHECK" in text and "/livez" in text
    copied = re.findall(r"^COPY (\S+)", text, re.M)
    for source in copied:
        assert (ROOT / source).exists(), source
    from tests.test_layout import MAY_IMPORT
    needed = (set(MAY_IMPORT) - {"manifest"}) | {"app.py"}  # manifest/ builds the package; the bot never imports it
    assert {source.rstrip("/") for source in copied} >= needed
