"""Fast checks of the demo script: every step is a real command, and a failing step stops it."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engage.cli import app
from engage.demo import DemoError, Tour, _invoke, steps
from engage.demo_api import free_port


def test_every_step_is_an_engage_command_with_options_that_exist(tmp_path: Path) -> None:
    runner = CliRunner()
    tour = Tour(tmp_path, 600, customer="CUST_0000001")
    listed = steps(tour)
    assert len(listed) == 15
    for step in listed:
        if not step.args:
            assert step.action is not None, step.title
            continue
        words = [a for a in step.args if not a.startswith("-")]
        command = words[:2] if words[0] in {"keys", "qa"} else words[:1]
        shown = runner.invoke(app, [*command, "--help"], terminal_width=200)
        assert shown.exit_code == 0, (step.title, shown.output)
        for option in (a for a in step.args if a.startswith("--")):
            assert option in shown.output, (step.title, option)


def test_a_failing_step_stops_the_tour_and_says_how_to_rerun_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))  # no catalog there
    with pytest.raises(DemoError, match=r"rerun it: engage sql 'SELECT 1'"):
        _invoke(["sql", "SELECT 1"])


def test_free_port_is_on_loopback_and_bindable() -> None:
    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
