"""API keys: 401 without or with a bad key, 403 for readers on admin routes, hashed
storage, immediate revocation, and the `engage keys` commands."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from engage.api.keys import KeyStore, KeyStoreError
from engage.cli import app as cli

ROUTES = [
    ("POST", "/predict", {"customer_id": "CUST_0000001"}, "reader"),
    ("POST", "/predict/batch", {"requests": [{"customer_id": "CUST_0000001"}]}, "reader"),
    ("GET", "/customers/CUST_0000001", None, "reader"),
    ("GET", "/metrics", None, "admin"),
    ("POST", "/admin/reload", None, "admin"),
    ("GET", "/admin/keys", None, "admin"),
    ("DELETE", "/admin/cache/CUST_0000099", None, "admin"),
    ("GET", "/support/alerts", None, "admin"),
]
BAD_KEYS = {
    "missing": None,
    "empty": "",
    "garbage": "letmein",
    "unknown id": "ek_000000000000_" + "A" * 43,
    "sql-looking": "' OR 1=1 --",
}


@pytest.mark.parametrize(("method", "path", "body", "needs"), ROUTES)
@pytest.mark.parametrize("role", ["none", "reader", "admin"])
def test_role_matrix(client, keys, method, path, body, needs, role) -> None:
    headers = {} if role == "none" else keys.h(role)
    r = client.request(method, path, json=body, headers=headers)
    if role == "none":
        expected = 401
    elif needs == "admin" and role == "reader":
        expected = 403
    else:
        expected = 200
    assert r.status_code == expected, r.text
    if expected != 200:
        assert r.json()["error"] in ("unauthorized", "forbidden")


@pytest.mark.parametrize("presented", BAD_KEYS.values(), ids=BAD_KEYS.keys())
def test_bad_keys_are_401(client, presented) -> None:
    headers = {} if presented is None else {"x-api-key": presented}
    r = client.post("/predict", json={"customer_id": "CUST_0000001"}, headers=headers)
    assert r.status_code == 401 and "x-api-key" in r.json()["detail"]


def test_right_id_wrong_secret_is_401(client, keys) -> None:
    forged = keys.reader[:-4] + ("AAAA" if not keys.reader.endswith("AAAA") else "BBBB")
    r = client.post("/predict", json={"customer_id": "CUST_0000001"}, headers={"x-api-key": forged})
    assert r.status_code == 401


def test_keys_are_stored_hashed_with_a_salt_each(keys) -> None:
    text = keys.path.read_text()
    assert keys.reader not in text and keys.admin not in text
    secret = keys.reader.rsplit("_", 1)[1]
    assert secret not in text
    stored = json.loads(text)["keys"]
    assert len({k["salt"] for k in stored}) == len(stored)
    assert oct(keys.path.stat().st_mode & 0o777) == "0o600"


def test_revocation_is_honoured_by_a_running_server(client, world) -> None:
    store = KeyStore(world.lake.parent / "api_keys.json")
    record, key = store.create("short-lived", "reader")
    body = {"customer_id": "CUST_0000001"}
    assert client.post("/predict", json=body, headers={"x-api-key": key}).status_code == 200
    store.revoke(record.key_id)
    assert client.post("/predict", json=body, headers={"x-api-key": key}).status_code == 401


def test_key_store_refuses_bad_names_roles_and_duplicates(tmp_path) -> None:
    store = KeyStore(tmp_path / "keys.json")
    with pytest.raises(KeyStoreError):
        store.create("bad/name", "reader")
    with pytest.raises(KeyStoreError):
        store.create("ok", "root")
    store.create("ok", "reader")
    with pytest.raises(KeyStoreError):
        store.create("ok", "admin")
    with pytest.raises(KeyStoreError):
        store.revoke("nobody")


def test_keys_cli_create_list_revoke(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("ENGAGE_API_KEYS_PATH", str(tmp_path / "keys.json"))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    created = runner.invoke(cli, ["keys", "create", "--name", "ops", "--role", "admin"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    store = KeyStore(tmp_path / "keys.json")
    assert store.authenticate(key).role == "admin"
    listed = runner.invoke(cli, ["keys", "list"])
    assert "ops" in listed.output and "admin" in listed.output and key not in listed.output
    assert runner.invoke(cli, ["keys", "create", "--name", "x", "--role", "god"]).exit_code == 2
    assert runner.invoke(cli, ["keys", "revoke", "ops"]).exit_code == 0
    assert store.authenticate(key) is None
    assert runner.invoke(cli, ["keys", "revoke", "ops"]).exit_code == 1
