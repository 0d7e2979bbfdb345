"""The layout holds: each folder imports only the layers below it, the Bot Framework SDK stays in
bot/, dialogs/ and app.py, and no module grows past one job's size."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each top-level package may import of the project; a turn runs downward through them.
MAY_IMPORT = {
    "texts": set(),  # the catalogue of what users read: every layer may use it
    "catalog": {"texts"},
    "runtime": {"texts"},
    "workshops": {"catalog", "texts"},
    "cards": {"workshops", "catalog", "texts"},
    "store": {"workshops", "runtime", "texts"},
    "graph": {"runtime", "texts"},
    "tabs": {"store", "workshops", "catalog", "runtime", "texts"},
    "dialogs": {"tabs", "graph", "store", "cards", "workshops", "catalog", "runtime", "texts"},
    "bot": {"dialogs", "tabs", "graph", "store", "cards", "workshops", "catalog", "runtime", "texts"},
    "manifest": {"cards", "runtime", "texts"},
}
SDK = ("botbuilder", "botframework", "msrest", "microsoft_agents")
SDK_ALLOWED = {"bot", "dialogs"}
MAX_LINES = 400


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imported(path: Path) -> set[str]:
    """The top-level names a module imports (relative imports stay inside its own package)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_each_layer_imports_only_the_layers_below_it(package):
    project = set(MAY_IMPORT) | {"app", "tests", "bench"}
    wrong = {f"{path.relative_to(ROOT)} imports {name}"
             for path in modules(package) for name in imported(path) & project
             if name != package and name not in MAY_IMPORT[package]}
    assert not wrong, sorted(wrong)


def test_the_bot_framework_sdk_stays_in_bot_dialogs_and_app():
    wrong = {f"{path.relative_to(ROOT)} imports {name}"
             for package in MAY_IMPORT if package not in SDK_ALLOWED
             for path in modules(package) for name in imported(path) if name in SDK}
    assert not wrong, sorted(wrong)


def test_no_module_is_two_jobs():
    folders = ("bot", "dialogs", "cards", "tabs", "store", "workshops", "graph", "runtime", "catalog", "texts")
    long = {str(path.relative_to(ROOT)): n for folder in folders for path in (ROOT / folder).rglob("*")
            if path.suffix in (".py", ".html") and (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_bot_is_the_teams_protocol_only():
    """bot/ speaks Teams; the flows are in dialogs/. It stays well under a third of the code."""
    def lines(paths):
        return sum(len(p.read_text(encoding="utf-8").splitlines()) for p in paths)

    product = [ROOT / "app.py"] + [p for package in MAY_IMPORT for p in modules(package)]
    assert lines(modules("bot")) < lines(product) / 3
