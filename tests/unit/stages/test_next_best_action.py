"""The NextBestAction stage on a small generated run: table, policy check, report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from engage import lake
from engage.analytics import nba_policy
from engage.contract.outputs import NEXT_BEST_ACTION
from engage.data import generate
from engage.settings import Settings
from engage.stages import next_best_action
from engage.stages.errors import DataValidationError
from engage.stages.services import Services
from fakes import FakeEngine, MemoryStore

N = 3_000


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("nba") / "data"
    generate(N, 11, out, formats=("parquet",))
    return out


def _services(tmp_path: Path, source: Path) -> Services:
    store = MemoryStore()
    customers = pq.read_table(source / "customers.parquet")
    store.write_parquet(lake.RAW_CUSTOMERS_FILE, customers)
    ids = customers.column("customer_id").to_pylist()
    test = [i for i in ids if int(i[5:]) % 10 >= 8]
    train = [i for i in ids if int(i[5:]) % 10 < 8]
    for prefix, chosen in (
        (lake.PROCESSED_TRAINING, train),
        (lake.PROCESSED_TEST, test),
        (lake.PROCESSED_INFERENCE, ids),
    ):
        store.write_parquet(prefix + "part-0.parquet", pa.table({"customer_id": chosen}))
    return Services(settings=Settings(lake=str(tmp_path / "lake")), store=store, _sql=FakeEngine())


def test_serves_every_customer_and_reports_regret(tmp_path, source) -> None:
    services = _services(tmp_path, source)
    out = next_best_action.run({"run_id": "r1", "source": str(source)}, services)
    assert out["nba_status"] == "success" and out["customers"] == N
    table = services.store.read_parquet(lake.NEXT_BEST_ACTION)
    assert table.schema.names == NEXT_BEST_ACTION.names and table.num_rows == N
    assert services.sql.registered[lake.TableName.NEXT_BEST_ACTION] == lake.NEXT_BEST_ACTION
    rows = table.to_pandas()
    nudged = rows["vulnerable"] & rows["next_best_action"].isin(nba_policy.NUDGES)
    assert rows["vulnerable"].any() and not nudged.any()
    wanted = rows["vulnerable"] & rows["bandit_action"].isin(nba_policy.NUDGES)
    assert wanted.any()  # the bandit did prefer nudges for some vulnerable customers
    assert (rows.loc[wanted, "policy_outcome"] == nba_policy.BLOCKED_NUDGE).all()
    report = json.loads(services.store.get_bytes(lake.report_key("r1", next_best_action.REPORT)))
    blocked = (rows["policy_outcome"] == nba_policy.BLOCKED_NUDGE).sum()
    assert report["policy_check"][nba_policy.BLOCKED_NUDGE] == blocked
    assert out["policy_blocked"] == blocked
    regret = report["grading"]["simulation"]["cumulative_regret"]
    assert regret["lints"] < regret["uniform"] and regret["lints"] < regret["rule"]
    served = report["grading"]["served"]
    assert served["uniform"] < served["served"] <= served["oracle"]
    assert report["offline"]["lints"]["matched_events"] > 0


def test_a_source_without_a_log_publishes_an_empty_table(tmp_path, source) -> None:
    services = _services(tmp_path, source)
    empty = tmp_path / "empty"
    empty.mkdir()
    out = next_best_action.run({"run_id": "r1", "source": str(empty)}, services)
    assert out["nba_status"] == "skipped"
    table = services.store.read_parquet(lake.NEXT_BEST_ACTION)
    assert table.num_rows == 0 and table.schema.names == NEXT_BEST_ACTION.names


def test_a_bad_log_names_file_and_column(tmp_path, source) -> None:
    services = _services(tmp_path, source)
    bad = tmp_path / "bad"
    bad.mkdir()
    log = pq.read_table(source / "bandit_log.parquet").drop_columns(["propensity"])
    pq.write_table(log, bad / "bandit_log.parquet")
    with pytest.raises(DataValidationError, match="propensity"):
        next_best_action.run({"run_id": "r1", "source": str(bad)}, services)


def test_the_served_choice_is_a_thompson_draw_seeded_by_the_run(tmp_path, source) -> None:
    first = _services(tmp_path, source)
    second = _services(tmp_path, source)
    for services in (first, second):
        next_best_action.run({"run_id": "r1", "source": str(source), "seed": 3}, services)
    a, b = (
        s.store.read_parquet(lake.NEXT_BEST_ACTION).column("next_best_action")
        for s in (first, second)
    )
    assert a.equals(b)
    assert len(np.unique(a.to_numpy(zero_copy_only=False))) > 1


def test_ensure_table_gives_the_ensemble_an_empty_table_only_when_missing(tmp_path, source) -> None:
    services = _services(tmp_path, source)
    assert next_best_action.ensure_table(services, "r1") is True
    assert services.store.read_parquet(lake.NEXT_BEST_ACTION).num_rows == 0
    services.sql.tables = lambda: [str(lake.TableName.NEXT_BEST_ACTION)]  # now it exists
    assert next_best_action.ensure_table(services, "r1") is False


def test_a_minor_that_slipped_through_is_served_no_action(tmp_path, source) -> None:
    services = _services(tmp_path, source)
    customers = services.store.read_parquet(lake.RAW_CUSTOMERS_FILE).to_pandas()
    customers.loc[:9, "age"] = 16  # the contract refuses this; the guard must hold anyway
    services.store.write_parquet(
        lake.RAW_CUSTOMERS_FILE, pa.Table.from_pandas(customers, preserve_index=False)
    )
    out = next_best_action.run({"run_id": "r1", "source": str(source)}, services)
    rows = services.store.read_parquet(lake.NEXT_BEST_ACTION).to_pandas().set_index("customer_id")
    minors = rows.loc[customers["customer_id"][:10]]
    assert (minors["next_best_action"] == nba_policy.NO_ACTION).all()
    assert (minors["policy_outcome"] == nba_policy.BLOCKED_MINOR).all()
    assert minors["expected_reward"].isna().all()
    assert out["policy_blocked"] >= 10
