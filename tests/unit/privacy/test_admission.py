"""Suppression at admission: erased customers are dropped from incoming data; nothing written."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engage.adapters.store.local import LocalObjectStore
from engage.data import generate
from engage.privacy.admission import admit
from engage.privacy.erasure_log import ErasureEvent, ErasureLog
from engage.privacy.tokens import TokenKeys, load_tokenizer
from engage.settings import Settings
from engage.stages import data_prep
from engage.stages.errors import DataValidationError, StageError
from engage.stages.services import Services

CUSTOMERS = pa.table({"customer_id": ["CUST_1", "CUST_2", "CUST_3"], "age": [20, 30, 40]})
PII = pa.table(
    {
        "customer_id": ["CUST_1", "CUST_2", "CUST_3"],
        "full_name": ["Ann Lee", "Bo Kim", "Cy Orr"],
        "email": ["a@example.com", "b@example.com", "c@example.com"],
    }
)


@pytest.fixture
def services(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Services:
    monkeypatch.delenv("ENGAGE_TOKEN_KEY", raising=False)
    settings = Settings(lake=str(tmp_path / "lake"))
    return Services(settings=settings, store=LocalObjectStore(tmp_path / "lake"))


def _erase(services: Services, customer_id: str, key_id: str | None = None) -> None:
    tokenizer = load_tokenizer(services.settings)
    event = ErasureEvent(
        "erasure_x", "started", tokenizer.token(customer_id), key_id or tokenizer.key_id,
        "dpo", {"engagement_raw.customers": 1},
    )  # fmt: skip
    ErasureLog(services.store).append(event)


def test_without_erasures_everything_is_admitted_and_nothing_written(services: Services) -> None:
    admission = admit(services.store, TokenKeys(services.settings), CUSTOMERS, PII)
    assert admission.customers.equals(CUSTOMERS) and admission.suppressed == 0
    assert admission.pii is not None and admission.pii.equals(PII)
    assert not Path(services.settings.lake).exists()  # not even the token key


def test_erased_customers_are_dropped_from_every_incoming_table(services: Services) -> None:
    _erase(services, "CUST_2")
    admission = admit(services.store, TokenKeys(services.settings), CUSTOMERS, PII)
    assert admission.suppressed == 1
    assert admission.customers.column("customer_id").to_pylist() == ["CUST_1", "CUST_3"]
    assert admission.pii is not None
    assert admission.pii.column("customer_id").to_pylist() == ["CUST_1", "CUST_3"]
    interactions = pa.table({"customer_id": ["CUST_2", "CUST_3", "CUST_2"], "item_id": list("abc")})
    assert admission.keep(interactions).column("item_id").to_pylist() == ["b"]
    catalogue = pa.table({"item_id": ["a"], "category": ["tech"]})
    assert admission.keep(catalogue) is catalogue


def test_a_changed_token_key_stops_admission(services: Services) -> None:
    _erase(services, "CUST_2", key_id="0123456789ab")
    with pytest.raises(StageError, match="different token key"):
        admit(services.store, TokenKeys(services.settings), CUSTOMERS, None)


def test_a_lost_token_key_stops_admission(services: Services) -> None:
    _erase(services, "CUST_2")
    services.settings.resolved_token_key_path().unlink()
    with pytest.raises(StageError, match="token key"):
        admit(services.store, TokenKeys(services.settings), CUSTOMERS, None)


def test_a_bad_pii_file_fails_data_prep_before_anything_is_written(tmp_path: Path) -> None:
    source = tmp_path / "source"
    generate(50, 1, source, formats=("parquet",))
    pii = pq.read_table(source / "customer_pii.parquet")
    pq.write_table(pii.drop_columns(["email"]), source / "customer_pii.parquet")
    settings = Settings(lake=str(tmp_path / "lake"), data_dir=source)
    with Services.from_settings(settings) as services, pytest.raises(DataValidationError) as err:
        data_prep.run({"run_id": "r1", "source": str(source)}, services)
    assert "customer_pii" in str(err.value) and "'email'" in str(err.value)
    assert not (tmp_path / "lake").exists()
    assert not any(name in str(err.value) for name in pii.column("full_name").to_pylist())
