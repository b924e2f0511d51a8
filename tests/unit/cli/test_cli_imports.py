"""The CLI stays thin: building the `engage` app imports no heavy library.

Checked in a fresh interpreter (this test process has imported everything already).
A regression here is what made `engage --help` take 8 s and 550 MB (bench/cli.py).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "sklearn", "xgboost", "skops", "fastapi", "matplotlib", "pandas", "duckdb")

PROBE = """
import json, sys
import {module}
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


@pytest.mark.parametrize("module", ["engage", "engage.cli"])
def test_importing_does_not_load_heavy_libraries(module: str) -> None:
    code = PROBE.format(module=module, heavy=HEAVY)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_help_lists_every_command_without_loading_them() -> None:
    code = (
        "import sys\nfrom typer.testing import CliRunner\nfrom engage.cli import app\n"
        "r = CliRunner().invoke(app, ['--help'])\nprint(r.output)\n"
        f"print('LOADED', sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    for command in ("run", "sql", "ask", "explain", "models", "cost", "forget"):
        assert command in out.stdout
    assert "LOADED []" in out.stdout
