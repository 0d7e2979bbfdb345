"""Fixtures live in tests/plugins/, one module per real part the tests start."""

pytest_plugins = [
    "tests.plugins.cosmos",
    "tests.plugins.botapp",
    "tests.plugins.graph",
    "tests.plugins.identity",
]
