"""The secret scan runs for real: no new finding in the tree, and a planted one is caught."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("detect_secrets", reason="detect-secrets is in the dev extra")

ROOT = Path(__file__).resolve().parents[3]
BASELINE = ROOT / ".secrets.baseline"


def _scanner():
    spec = importlib.util.spec_from_file_location(
        "secret_scan", ROOT / "scripts" / "secret_scan.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_new_secrets_in_the_tree() -> None:
    assert _scanner().new_findings(BASELINE, ROOT) == []


def test_every_baseline_entry_was_reviewed_as_a_false_positive() -> None:
    results = json.loads(BASELINE.read_text())["results"]
    for name, findings in results.items():
        assert (ROOT / name).is_file(), f"baseline names a file that is gone: {name}"
        for finding in findings:
            assert finding.get("is_secret") is False, (name, finding)


def test_a_planted_key_is_found(tmp_path: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    key = "AKIA" + "Z7Q2" + "XW4M" + "PL8R" + "T3VB"  # split so this file itself stays clean
    (tmp_path / "settings.py").write_text(f'AWS_ACCESS_KEY_ID = "{key}"\n')
    empty = tmp_path / ".secrets.baseline"
    empty.write_text(BASELINE.read_text().replace('"results"', '"_old"', 1)[:-2] + ',"results":{}}')
    found = _scanner().new_findings(empty, tmp_path)
    assert found and found[0].startswith("settings.py:1:")
