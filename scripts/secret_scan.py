"""Secret scan of the tree: detect-secrets over every file git tracks (or would track).

Why a script rather than `detect-secrets-hook`: the hook rewrites the baseline when line
numbers move and then exits 3, which a CI run reads as failure and a test run would turn
into a changed working tree. This only reads. Findings already in `.secrets.baseline`
(each reviewed and marked `is_secret: false`) pass; anything new fails with file, line
and kind. To accept a reviewed false positive:
    detect-secrets scan --baseline .secrets.baseline && detect-secrets audit .secrets.baseline
Usage: python scripts/secret_scan.py [--baseline .secrets.baseline]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

from detect_secrets.core import baseline as ds_baseline
from detect_secrets.core.secrets_collection import SecretsCollection

ROOT = Path(__file__).resolve().parents[1]


def tree_files(root: Path = ROOT) -> list[str]:
    """Tracked and untracked-but-not-ignored files, relative to root (as the baseline has them)."""
    git = shutil.which("git") or "git"
    out = subprocess.run(  # noqa: S603  (fixed arguments, no user input)
        [git, "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=root, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return sorted(f for f in out.splitlines() if (root / f).is_file())


def new_findings(baseline_file: Path, root: Path = ROOT) -> list[str]:
    """'file:line: type' for every finding not in the baseline."""
    known = ds_baseline.load(ds_baseline.load_from_file(str(baseline_file)), str(baseline_file))
    found = SecretsCollection()
    files = [f for f in tree_files(root) if f != baseline_file.name]
    with contextlib.chdir(root):  # file names relative to the root, as in the baseline
        found.scan_files(*files)
    fresh = found - known
    return [f"{name}:{s.line_number}: {s.type}" for name, s in sorted(fresh, key=str)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, default=ROOT / ".secrets.baseline")
    args = parser.parse_args(argv)
    problems = new_findings(args.baseline)
    for line in problems:
        print(f"possible secret: {line}", file=sys.stderr)
    print(f"secret scan: {len(problems)} new finding(s) in {len(tree_files())} files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
