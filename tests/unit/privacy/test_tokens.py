"""Keyed tokens: stable per key, unguessable without it, key kept out of sight."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from engage.privacy.tokens import TokenKeyError, key_available, load_tokenizer
from engage.settings import Settings


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENGAGE_TOKEN_KEY", raising=False)
    monkeypatch.delenv("ENGAGE_TOKEN_KEY_FILE", raising=False)


def _settings(tmp_path: Path, **kw: object) -> Settings:
    return Settings(lake=str(tmp_path / "lake"), **kw)


def test_generated_key_is_created_once_with_owner_only_permissions(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    assert not key_available(settings)
    first = load_tokenizer(settings)
    path = settings.resolved_token_key_path()
    assert path == tmp_path / "lake" / ".token_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_tokenizer(settings)
    assert first.token("CUST_0000001") == again.token("CUST_0000001")
    assert first.key_id == again.key_id and key_available(settings)


def test_tokens_are_keyed_stable_and_hide_the_id(tmp_path: Path) -> None:
    a = load_tokenizer(_settings(tmp_path, token_key="a" * 32))
    b = load_tokenizer(_settings(tmp_path, token_key="b" * 32))
    token = a.token("CUST_0000042")
    assert token.startswith("tok_") and len(token) == 36 and "0000042" not in token
    assert token == a.token("CUST_0000042") != a.token("CUST_0000043")
    assert token != b.token("CUST_0000042") and a.key_id != b.key_id
    assert a.tokens(["CUST_1", "CUST_2"]) == [a.token("CUST_1"), a.token("CUST_2")]


def test_the_environment_key_wins_and_no_file_is_written(tmp_path: Path) -> None:
    settings = _settings(tmp_path, token_key="k" * 40)
    load_tokenizer(settings)
    assert not settings.resolved_token_key_path().exists()


def test_read_only_callers_never_create_a_key(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with pytest.raises(TokenKeyError, match="no token key"):
        load_tokenizer(settings, create=False)
    assert not settings.resolved_token_key_path().exists()


def test_a_key_file_others_can_read_is_refused(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    load_tokenizer(settings)
    settings.resolved_token_key_path().chmod(0o644)
    with pytest.raises(TokenKeyError, match="chmod 600"):
        load_tokenizer(settings)


def test_a_short_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="token_key"):
        _settings(tmp_path, token_key="short")
    path = tmp_path / "key"
    path.write_text("abc")
    path.chmod(0o600)
    with pytest.raises(TokenKeyError, match="too short"):
        load_tokenizer(_settings(tmp_path, token_key_file=path))


def test_the_key_never_shows_in_repr(tmp_path: Path) -> None:
    tokenizer = load_tokenizer(_settings(tmp_path, token_key="s3cret-" * 6))
    assert "s3cret" not in repr(tokenizer)
    assert "s3cret" not in repr(_settings(tmp_path, token_key="s3cret-" * 6))


def test_an_s3_lake_needs_an_explicit_key(tmp_path: Path) -> None:
    with pytest.raises(TokenKeyError, match="ENGAGE_TOKEN_KEY"):
        load_tokenizer(Settings(lake="s3://bucket/lake", data_dir=tmp_path))
    assert load_tokenizer(Settings(lake="s3://bucket/lake", token_key="k" * 32)).key_id
