"""`engage run` treats ENGAGE_DATA_DIR as the user's: it reads it, never writes into it."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engage.cli import app
from engage.data.generator import GenerationError, generate

runner = CliRunner()


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture
def user_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "customers.csv").write_text("customer_id,age\nCUST_1,30\n")
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(folder))
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))
    return folder


def test_run_reads_a_csv_only_folder_and_says_which_file(
    user_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _snapshot(user_folder)
    called = []

    def fake_pipeline(settings: object, listener: object = None) -> object:
        called.append(settings)
        raise SystemExit(0)  # the pipeline itself is tested elsewhere

    monkeypatch.setattr("engage.orchestrate.run_pipeline", fake_pipeline)
    result = runner.invoke(app, ["run"])
    assert called, result.output
    assert "customers.csv" in result.output.replace("\n", "")
    assert _snapshot(user_folder) == before  # nothing generated, nothing deleted


def test_run_with_rows_refuses_to_generate_over_the_users_files(user_folder: Path) -> None:
    before = _snapshot(user_folder)
    result = runner.invoke(app, ["run", "--rows", "200"])
    assert result.exit_code == 2
    assert "did not write" in result.output and "customers.csv" in result.output
    assert _snapshot(user_folder) == before


def test_run_without_data_does_not_generate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(empty))
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))
    result = runner.invoke(app, ["run"])
    assert result.exit_code == 2
    assert "no customers.parquet or customers.csv" in result.output
    assert "--rows" in result.output
    assert list(empty.iterdir()) == []


def test_generate_replaces_only_its_own_output(tmp_path: Path) -> None:
    out = tmp_path / "data"
    generate(300, 1, out, ["parquet"])
    generate(300, 2, out, ["parquet"])  # its own earlier output: replaced
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.txt").write_text("keep me")
    with pytest.raises(GenerationError, match=r"notes\.txt"):
        generate(300, 1, tmp_path / "theirs", ["parquet"])
    assert (tmp_path / "theirs" / "notes.txt").read_text() == "keep me"
