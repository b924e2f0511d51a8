"""The GitHub Actions workflow parses, and every command in it exists in this repository.

Each `run:` line is split into simple commands; the program must be one this test knows
how to check (a make target, a script or file in the tree, an `engage` subcommand and
its options, terraform on existing folders). A new tool in the workflow fails here until
the check learns it, so the workflow cannot call something that is not there.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from engage.cli import app

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"
OUTPUT_FLAGS = {"--out", "-o", "--output"}
SEPARATORS = {"|", "||", "&&", ";", ">", ">>"}


def _workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _steps(job: str | None = None) -> list[tuple[str, dict[str, Any]]]:
    jobs = _workflow()["jobs"]
    return [(name, step) for name, j in jobs.items() if job in (None, name) for step in j["steps"]]


def _commands(script: str) -> list[list[str]]:
    """Simple commands of a `run:` script (pipes, &&, ; and redirections split them)."""
    out: list[list[str]] = []
    for line in script.splitlines():
        if not line.strip() or line.strip().startswith("#"):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars="|&;<>")
        lexer.whitespace_split = True
        current: list[str] = []
        for token in lexer:
            if token in SEPARATORS:
                out += [current] if current else []
                current = [] if token not in {">", ">>"} else ["<redirect>"]
            else:
                current.append(token)
        out += [current] if current else []
    return out


def _make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Za-z][\w.-]*):", text, flags=re.M))


def _engage(args: list[str]) -> list[str]:
    """Problems with `engage <sub> [options]`: the command and each --option must exist."""
    sub = [a for a in args if not a.startswith("-")][:1]
    result = CliRunner().invoke(app, [*sub, "--help"], terminal_width=200)
    if result.exit_code != 0:
        return [f"engage {' '.join(sub)}: no such command"]
    flags = {a.split("=")[0] for a in args if a.startswith("--")}
    return [f"engage {sub[0]}: no option {f}" for f in sorted(flags) if f not in result.output]


def _paths(cmd: list[str], outputs: set[str]) -> list[str]:
    """Repository paths a command reads that do not exist (outputs it writes are allowed)."""
    problems = []
    for i, token in enumerate(cmd):
        value = token.split("=", 1)[1] if token.startswith("-chdir=") else token
        previous = cmd[i - 1] if i else ""
        if previous in OUTPUT_FLAGS or cmd[0] in {"mkdir", "tee", "<redirect>"}:
            outputs.add(value.split("/")[0])
            continue
        looks_like_path = "/" in value and not value.startswith(("-", "$", "'", "http"))
        produced = value.split("/")[0] in outputs or value.startswith(".venv") or "${" in value
        if looks_like_path and not produced and not (ROOT / value).exists():
            problems.append(f"{' '.join(cmd)}: {value} does not exist")
    return problems


def _check(cmd: list[str], outputs: set[str]) -> list[str]:
    program, args = cmd[0], cmd[1:]
    problems = _paths(cmd, outputs)
    if program == "make":
        problems += [f"make {t}: no such target" for t in args if t not in _make_targets()]
    elif program in {"bash", "python"} and args and args[0] != "-m":
        problems += [] if (ROOT / args[0]).is_file() else [f"{program} {args[0]}: no such file"]
    elif program == ".venv/bin/engage":
        problems += _engage(args)
    elif program not in {"python", "pip-audit", "terraform", "mkdir", "tee", "cat", "set",
                         "<redirect>"}:  # fmt: skip
        problems.append(f"{program}: unknown to this check; teach it how to verify")
    return problems


def test_workflow_parses_with_triggers_and_jobs() -> None:
    data = _workflow()
    triggers = data.get("on", data.get(True))  # YAML 1.1 reads a bare `on` as True
    assert set(triggers) == {"push", "pull_request"}
    assert {"test", "end-to-end", "pip-audit", "checkov", "secrets", "terraform"} <= set(
        data["jobs"]
    )


def test_every_run_command_exists_in_the_repository() -> None:
    problems: list[str] = []
    for job, job_body in _workflow()["jobs"].items():
        outputs: set[str] = set()
        for step in job_body["steps"]:
            for cmd in _commands(step.get("run", "")):
                problems += [f"{job}: {p}" for p in _check(cmd, outputs)]
    assert problems == []


def test_the_check_catches_a_missing_target_script_and_option() -> None:
    outputs: set[str] = set()
    assert _check(["make", "no-such-target"], outputs)
    assert _check(["python", "scripts/no_such.py"], outputs)
    assert _check([".venv/bin/engage", "cost", "--no-such-option"], outputs)
    assert _check(["terraform", "-chdir=infra/terraform/envs/nowhere", "validate"], outputs)
    assert _check(["curl", "x"], outputs)
    assert not _check([".venv/bin/engage", "cost", "--format", "infracost"], outputs)


def test_test_job_runs_exactly_ci_run_which_runs_make_test() -> None:
    runs = [step["run"].strip() for _, step in _steps("test") if "run" in step]
    assert runs == ["bash .ci/run"]
    ci_run = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert "make test" in ci_run
    assert "make test" in (ROOT / "README.md").read_text()


def test_virtualenv_cache_is_keyed_on_pyproject() -> None:
    caches = [step for _, step in _steps() if str(step.get("uses", "")).startswith("actions/cache")]
    assert caches
    for step in caches:
        assert ".venv" in step["with"]["path"]
        assert "hashFiles('pyproject.toml')" in step["with"]["key"]


def test_end_to_end_job_has_15_minutes_and_uploads_summary_and_reports() -> None:
    job = _workflow()["jobs"]["end-to-end"]
    assert job["timeout-minutes"] == 15
    scripts = "\n".join(step.get("run", "") for step in job["steps"])
    assert "make run" in scripts and "run_summary.txt" in scripts
    assert "engage report --out ci-artifacts/" in scripts
    assert "--format infracost" in scripts and "--format markdown" in scripts
    upload = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/upload"))
    assert upload["with"]["path"] == "ci-artifacts/" and upload["if"] == "always()"


def test_scans_are_all_there() -> None:
    scripts = "\n".join(step.get("run", "") for _, step in _steps())
    for needle in (
        "pip-audit --requirement docker/requirements.lock",
        "make checkov",
        "python scripts/secret_scan.py",
        "terraform fmt -check",
        "init -backend=false",
        "validate",
    ):
        assert needle in scripts, needle


def test_actions_are_pinned_to_a_major_version() -> None:
    for job, step in _steps():
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@v\d+", step["uses"]), (job, step["uses"])


def test_pip_audit_runs_on_the_lock_file() -> None:
    lock = ROOT / "docker" / "requirements.lock"
    pins = [
        line.split("#")[0].strip()
        for line in lock.read_text().splitlines()
        if line.split("#")[0].strip()
    ]
    assert pins and all(re.fullmatch(r"[A-Za-z0-9._-]+==[\w.+!-]+", p) for p in pins), pins
    binary = shutil.which("pip-audit")
    if binary:  # collecting the dependencies works offline; only the audit needs the network
        done = subprocess.run(
            [binary, "-r", str(lock), "--no-deps", "--disable-pip", "--dry-run"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0 and f"audited {len(pins)} packages" in done.stderr
    pytest.skip("pip-audit needs the online advisory database; the CI job `pip-audit` runs it")


def test_terraform_job_validates_every_env() -> None:
    """Offline validation itself runs in tests/unit/infra/test_terraform_validate.py (with
    the provider mirror); here: the workflow's job validates every env the repo has."""
    envs = sorted(p.name for p in (ROOT / "infra" / "terraform" / "envs").iterdir() if p.is_dir())
    text = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    for env in envs:
        assert f"-chdir=infra/terraform/envs/{env} validate" in text, env
