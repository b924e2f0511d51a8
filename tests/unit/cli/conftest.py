"""Shared CLI fixtures: every command test runs against its own empty lake and key file."""

from __future__ import annotations

import pytest


@pytest.fixture
def env(tmp_path, monkeypatch):
    """A lake, data folder and key file under tmp_path; tracebacks off (ENGAGE_DEBUG unset)."""
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))
    monkeypatch.setenv("ENGAGE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("ENGAGE_API_KEYS_PATH", str(tmp_path / "keys.json"))
    monkeypatch.delenv("ENGAGE_DEBUG", raising=False)
    return tmp_path
