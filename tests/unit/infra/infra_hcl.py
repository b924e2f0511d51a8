"""Reading the Terraform tree with python-hcl2 (quotes stripped, blocks as dicts)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3] / "infra" / "terraform"


def tf_files() -> list[Path]:
    return sorted(ROOT.rglob("*.tf"))


def unquote(value: Any) -> Any:
    """python-hcl2 8 keeps string quotes and adds __is_block__ markers; drop both."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [unquote(v) for v in value]
    if isinstance(value, dict):
        return {unquote(k): unquote(v) for k, v in value.items() if k != "__is_block__"}
    return value


def load(path: Path) -> dict[str, Any]:
    import hcl2

    with path.open(encoding="utf-8") as handle:
        return unquote(hcl2.load(handle))


def blocks(tree: dict[str, Any], kind: str, type_name: str) -> Iterator[tuple[str, dict]]:
    """(name, body) of every `kind "type_name" "name" {}` block (resource/data)."""
    for entry in tree.get(kind, []):
        yield from entry.get(type_name, {}).items()
