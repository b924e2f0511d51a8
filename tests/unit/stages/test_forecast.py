"""The EngagementForecast stage on a small generated run: two contract tables, graded."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from engage import lake
from engage.contract import outputs
from engage.data.generator import AS_OF, generate
from engage.lake import TableName
from engage.settings import Settings
from engage.stages import forecast
from engage.stages.errors import DataValidationError
from engage.stages.services import Services
from fakes import FakeEngine, MemoryStore

N = 800


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fc") / "data"
    generate(N, 11, out, formats=("parquet",))
    return out


@pytest.fixture
def services(tmp_path: Path, generated: Path) -> Services:
    store = MemoryStore()
    ids = pq.read_table(generated / "customers.parquet", columns=["customer_id"])
    store.write_parquet(lake.RAW_CUSTOMERS_FILE, ids.slice(0, N - 1))  # last one not admitted
    return Services(settings=Settings(lake=str(tmp_path / "lake")), store=store, _sql=FakeEngine())


def test_publishes_forecast_and_total_by_their_contract_and_grades(services, generated):
    out = forecast.run({"run_id": "r1", "source": str(generated), "seed": 3}, services)
    assert out["forecast_status"] == "success" and out["customers"] == N - 1
    assert out["first_forecast_date"] == (AS_OF + dt.timedelta(days=1)).isoformat()
    assert out["model"] in out["validation_mase"]
    assert out["model"] == min(out["validation_mase"], key=out["validation_mase"].get)
    for name, spec in {
        TableName.FORECAST: outputs.FORECAST,
        TableName.FORECAST_TOTAL: outputs.FORECAST_TOTAL,
    }.items():
        table = services.store.read_parquet(lake.table_location(name).prefix)
        assert table.schema == spec.arrow_schema(), name
        assert services.sql.registered[name] == lake.table_location(name).prefix
    per = services.store.read_parquet(lake.FORECAST_CUSTOMERS)
    assert per.num_rows == 7 * (N - 1)
    assert pc.all(pc.less_equal(per.column("lower_95"), per.column("lower_80"))).as_py()
    assert pc.all(pc.less_equal(per.column("forecast"), per.column("upper_80"))).as_py()
    total = services.store.read_parquet(lake.FORECAST_TOTAL)
    assert total.column("horizon_day").to_pylist() == list(range(1, 8))
    assert total.column("total")[0].as_py() == pytest.approx(
        pc.sum(per.filter(pc.equal(per.column("horizon_day"), 1)).column("forecast")).as_py(),
        rel=1e-4,
    )
    grading = out["grading"]
    assert grading["customers"] == N - 1
    assert 0.6 < grading["coverage_80"] < 0.95 and grading["coverage_95"] > grading["coverage_80"]


def test_a_source_without_activity_is_skipped(services, tmp_path):
    out = forecast.run({"run_id": "r1", "source": str(tmp_path)}, services)
    assert out["forecast_status"] == "skipped"


def test_a_customer_missing_a_day_is_named(services, generated, tmp_path):
    shutil.copy(generated / "customers.parquet", tmp_path / "customers.parquet")
    activity = pq.read_table(generated / "activity.parquet")
    first = activity.column("customer_id")[0].as_py()
    drop = pc.and_(
        pc.equal(activity.column("customer_id"), first),
        pc.equal(activity.column("activity_date"), pa.scalar(AS_OF, pa.date32())),
    )
    pq.write_table(activity.filter(pc.invert(drop)), tmp_path / "activity.parquet")
    with pytest.raises(DataValidationError, match=r"activity\.parquet.*activity_date"):
        forecast.run({"run_id": "r1", "source": str(tmp_path)}, services)


def test_without_the_truth_the_forecast_is_published_ungraded(services, generated, tmp_path):
    for name in ("customers", "activity"):
        shutil.copy(generated / f"{name}.parquet", tmp_path / f"{name}.parquet")
    out = forecast.run({"run_id": "r2", "source": str(tmp_path), "seed": 3}, services)
    assert out["forecast_status"] == "success" and out["grading"] is None
    assert services.store.read_parquet(lake.FORECAST_CUSTOMERS).num_rows == 7 * (N - 1)
