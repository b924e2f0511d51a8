"""API Gateway identity on Lambda, and S3 sources of a deployed run."""

from __future__ import annotations

from pathlib import Path

import pytest

from engage.api.gateway_keys import GatewayKeys, current_event, gateway_keys
from engage.settings import Settings


def _event(key_id: str | None) -> dict:
    return {"requestContext": {"identity": {"apiKeyId": key_id} if key_id else {}}}


def test_gateway_identity_is_the_caller() -> None:
    keys = GatewayKeys({"adm1"})
    current_event(_event("k123"))
    decided, key = keys.remembered("aws-generated-value-not-ek-format")
    assert decided and key is not None and (key.key_id, key.role) == ("k123", "reader")
    current_event(_event("adm1"))
    assert keys.authenticate("x").role == "admin"


def test_no_gateway_identity_or_no_header_is_refused() -> None:
    keys = GatewayKeys(set())
    current_event(_event(None))
    assert keys.remembered("some-key") == (True, None)
    current_event(_event("k1"))
    assert keys.authenticate(None) is None


def test_settings_choose_gateway_keys_only_when_asked(tmp_path: Path) -> None:
    assert gateway_keys(Settings(lake=str(tmp_path))) is None
    chosen = gateway_keys(
        Settings(lake=str(tmp_path), api_auth="gateway", api_admin_key_ids="a, b")
    )
    assert isinstance(chosen, GatewayKeys) and chosen.admin_key_ids == {"a", "b"}


def test_s3_source_is_fetched_not_turned_into_a_path(tmp_path: Path, monkeypatch) -> None:
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    from engage.stages.services import source_dir

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "t")
    with moto.mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="raw")
        s3.put_object(Bucket="raw", Key="incoming/customers.csv", Body=b"customer_id\nC1\n")
        s3.put_object(Bucket="raw", Key="incoming/old/ignored.csv", Body=b"x")
        settings = Settings(lake=str(tmp_path / "lake"), data_dir=tmp_path / "data",
                            source_url="s3://raw/incoming")  # fmt: skip
        folder = source_dir({"run_id": "r"}, settings)
        assert (folder / "customers.csv").read_bytes() == b"customer_id\nC1\n"
        assert not (folder / "old").exists()
        assert source_dir({"run_id": "r"}, settings) == folder  # fetched once
    local = source_dir({"run_id": "r", "source": str(tmp_path)}, Settings(lake=str(tmp_path)))
    assert local == tmp_path


def test_emulator_validation_stub_uses_engages_validator() -> None:
    import json
    from types import SimpleNamespace

    from engage.deploy.emulator import _validate_state_machine_definition
    from engage.pipeline.asl import load_definition

    def answer(definition: object) -> dict:
        fake = SimpleNamespace(_get_param=lambda name: json.dumps(definition))
        return json.loads(_validate_state_machine_definition(fake))

    assert answer(load_definition())["result"] == "OK"
    broken = answer({"StartAt": "Nowhere", "States": {}})
    assert broken["result"] == "FAIL" and broken["diagnostics"]
