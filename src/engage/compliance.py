"""The compliance control matrix: docs/compliance.yaml rendered to Markdown, and checked.

Why data plus a checker: a control matrix written by hand claims things nobody verifies.
Here each row names the Terraform resource, code and tests that carry it; `check` proves
each one exists (Terraform parsed with python-hcl2, Python read with `ast`), so a rename
breaks the test suite rather than the audit. PyYAML and python-hcl2 are dev tools: they
load only when these functions run.
"""

from __future__ import annotations

import ast
import functools
from collections import Counter
from pathlib import Path
from typing import Any

STATUSES = ("implemented", "partial", "not implemented")
REF_KINDS = ("tf", "code", "tests")


def load(path: Path) -> dict[str, Any]:
    """The matrix as plain data; a row without an id, control or known status is an error."""
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for family in data["families"]:
        for row in family["controls"]:
            missing = [k for k in ("id", "control", "status") if not row.get(k)]
            if missing or row["status"] not in STATUSES:
                raise ValueError(f"{path}: control {row.get('id', '?')}: bad {missing or 'status'}")
    return data


def rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [row | {"family": f["name"]} for f in data["families"] for row in f["controls"]]


def _refs(row: dict[str, Any]) -> str:
    parts = [f"`{ref}`" for kind in REF_KINDS for ref in row.get(kind, [])]
    parts += [f"see {', '.join(row['see'])}"] if row.get("see") else []
    return "<br>".join(parts) or "—"


def render(data: dict[str, Any]) -> str:
    """docs/compliance.md: a summary, then one table per control family."""
    counts = Counter(row["status"] for row in rows(data))
    out = [
        f"# {data['title']}",
        "",
        "<!-- Generated from docs/compliance.yaml by `engage docs compliance` (make docs). "
        "tests/unit/docs/test_compliance.py checks every reference exists. -->",
        "",
        data["scope"],
        "",
        "Summary: " + ", ".join(f"{counts[s]} {s}" for s in STATUSES) + ".",
        "",
    ]
    for family in data["families"]:
        out += [f"## {family['name']} ({family['seed']})", ""]
        out += ["| ID | Control | Status | Where (Terraform, code, tests) | Gap |"]
        out += ["|---|---|---|---|---|"]
        for row in family["controls"]:
            status = row["status"] if row["status"] == "implemented" else f"**{row['status']}**"
            gap = " ".join(str(row.get("gap", "")).split()) or ""
            out.append(f"| {row['id']} | {row['control']} | {status} | {_refs(row)} | {gap} |")
        out.append("")
    return "\n".join(out)


@functools.lru_cache(maxsize=4)
def _tf_index(tf_root: Path) -> frozenset[str]:
    """Every address: `module.<m>.<type>.<name>` from modules/, `<type>.<name>` from envs/aws."""
    import hcl2

    index: set[str] = set()
    for path in sorted(tf_root.rglob("*.tf")):
        with path.open(encoding="utf-8") as handle:
            tree = hcl2.load(handle)
        rel = path.relative_to(tf_root).parts
        prefix = f"module.{rel[1]}." if rel[0] == "modules" else ""
        if rel[0] == "envs" and rel[1] != "aws":
            continue
        for kind, lead in (("resource", ""), ("data", "data.")):
            for block in tree.get(kind, []):
                for type_name, named in block.items():
                    for name in named:
                        index.add(f"{prefix}{lead}{type_name.strip(chr(34))}.{name.strip(chr(34))}")
    return frozenset(index)


def _defines(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        defs = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        if isinstance(node, defs) and node.name == name:
            return True
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return True
    return False


def check(data: dict[str, Any], root: Path) -> list[str]:
    """Every reference that does not exist under the repository `root` (empty when sound)."""
    problems: list[str] = []
    all_rows = rows(data)
    ids = Counter(row["id"] for row in all_rows)
    problems += [f"{i}: duplicate id" for i, n in ids.items() if n > 1]
    tf = _tf_index(root / "infra" / "terraform")
    for row in all_rows:
        where = row["id"]
        problems += [f"{where}: no Terraform {a}" for a in row.get("tf", []) if a not in tf]
        problems += [f"{where}: see {s}: no such row" for s in row.get("see", []) if s not in ids]
        for ref in row.get("code", []) + row.get("tests", []):
            file, _, symbol = ref.partition("::")
            path = root / file
            if not path.is_file():
                problems.append(f"{where}: no file {file}")
            elif symbol and not _defines(path, symbol):
                problems.append(f"{where}: {file} defines no {symbol}")
        if row["status"] != "not implemented" and not any(row.get(k) for k in (*REF_KINDS, "see")):
            problems.append(f"{where}: says {row['status']} but names no evidence")
    return problems
