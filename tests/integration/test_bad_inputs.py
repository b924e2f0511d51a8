"""Bad-input suite: broken CSV and Parquet inputs are refused up front, naming the problem.

Each case breaks one thing in a small valid data folder, runs data preparation (the
stage that admits files into the lake) and checks three things: it fails with a
`DataValidationError` (the definition never retries that), the message names the
file and the column (and the row where one row is at fault), and nothing at all
was written into the lake: no raw table, no restricted data, no model files.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from engage.adapters.store import generations
from engage.adapters.store.local import LocalObjectStore
from engage.data.generator import generate
from engage.settings import Settings
from engage.stages import data_prep
from engage.stages.errors import DataValidationError
from engage.stages.services import Services

Breaker = Callable[[Path], None]


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("good") / "data"
    generate(400, 3, out, ["parquet"])
    return out


def _customers(folder: Path) -> pa.Table:
    return pq.read_table(folder / "customers.parquet")


def _put(folder: Path, table: pa.Table) -> None:
    pq.write_table(table, folder / "customers.parquet")


def _set(column: str, row: int, value: object, type_: pa.DataType | None = None) -> Breaker:
    def breaker(folder: Path) -> None:
        table = _customers(folder)
        values = table.column(column).to_pylist()
        if type_ is not None:
            values = [str(v) for v in values]
        values[row] = value
        array = pa.array(values, type_ or table.schema.field(column).type)
        _put(folder, table.set_column(table.column_names.index(column), column, array))

    return breaker


def _to_csv(change: Callable[[str], str] = lambda text: text) -> Breaker:
    """Replace customers.parquet by customers.csv (text changed by `change`)."""

    def breaker(folder: Path) -> None:
        path = folder / "customers.csv"
        pacsv.write_csv(_customers(folder), path)
        (folder / "customers.parquet").unlink()
        path.write_text(change(path.read_text()))

    return breaker


def _csv_cell(column: str, row: int, value: str) -> Breaker:
    def change(text: str) -> str:
        lines = text.splitlines()
        header = [h.strip('"') for h in lines[0].split(",")]
        cells = lines[row].split(",")
        cells[header.index(column)] = value
        lines[row] = ",".join(cells)
        return "\n".join(lines) + "\n"

    return _to_csv(change)


def _drop(column: str) -> Breaker:
    return lambda folder: _put(folder, _customers(folder).drop_columns([column]))


def _add(column: str) -> Breaker:
    def breaker(folder: Path) -> None:
        table = _customers(folder)
        _put(folder, table.append_column(column, pa.array([1] * table.num_rows)))

    return breaker


def _duplicate(folder: Path) -> None:
    table = _customers(folder)
    _put(folder, pa.concat_tables([table, table.slice(0, 1)]))


def _empty(folder: Path) -> None:
    _put(folder, _customers(folder).slice(0, 0))


def _bytes(name: str, data: Callable[[bytes], bytes]) -> Breaker:
    def breaker(folder: Path) -> None:
        path = folder / name
        path.write_bytes(data(path.read_bytes()))

    return breaker


def _other_table(name: str, change: Callable[[pa.Table], pa.Table]) -> Breaker:
    def breaker(folder: Path) -> None:
        path = folder / f"{name}.parquet"
        pq.write_table(change(pq.read_table(path)), path)

    return breaker


def _nan_weights(table: pa.Table) -> pa.Table:
    """The interactions' weights as floats with one NaN (a type and a value problem)."""
    values = table.column("weight").cast(pa.float64()).to_pylist()
    values[0] = float("nan")
    return table.set_column(table.column_names.index("weight"), "weight", pa.array(values))


def _not_utf8(folder: Path) -> None:
    _to_csv()(folder)
    path = folder / "customers.csv"
    path.write_bytes(path.read_bytes().replace(b"CUST_", b"CU\xff\xfeST_", 1))


CASES: dict[str, tuple[Breaker, list[str]]] = {
    "nan-in-parquet-float": (
        _set("avg_daily_logins", 5, float("nan")),
        ["avg_daily_logins", "NaN", "row 6"],
    ),
    "inf-in-parquet-float": (
        _set("avg_session_duration_min", 9, float("inf")),
        ["avg_session_duration_min", "infinite"],
    ),
    "null-in-required-column": (_set("age", 3, None), ["age", "null"]),
    "missing-column": (_drop("gender"), ["gender", "missing column"]),
    "unexpected-column": (_add("religion"), ["religion", "unexpected column"]),
    "string-in-int-column": (_set("age", 0, "thirty", pa.string()), ["age", "type"]),
    "age-out-of-range": (_set("age", 7, 150), ["age", "above", "row 8"]),
    "category-outside-domain": (_set("gender", 2, "Robot"), ["gender", "Robot"]),
    "duplicate-customer-id": (_duplicate, ["customer_id", "repeat a key"]),
    "id-not-the-contract-pattern": (
        _set("customer_id", 4, "USER_0000004"),
        ["customer_id", "USER_0000004", "CUST_"],
    ),
    "id-non-numeric-suffix": (_set("customer_id", 1, "CUST_12ab"), ["customer_id", "CUST_12ab"]),
    "id-suffix-too-long": (_set("customer_id", 1, "CUST_" + "9" * 20), ["customer_id", "pattern"]),
    "empty-table": (_empty, ["no rows"]),
    "not-a-parquet-file": (
        _bytes("customers.parquet", lambda b: b"this is not parquet"),
        ["customers.parquet", "cannot be read"],
    ),
    "truncated-parquet": (
        _bytes("customers.parquet", lambda b: b[: len(b) // 2]),
        ["customers.parquet", "cannot be read"],
    ),
    "csv-wrong-type-in-one-row": (
        _csv_cell("age", 7, "abc"),
        ["customers.csv", "age", "'abc'", "row 7"],
    ),
    "csv-float-column-text": (
        _csv_cell("avg_daily_logins", 3, "lots"),
        ["customers.csv", "avg_daily_logins", "row 3"],
    ),
    "csv-nan-text": (
        _csv_cell("avg_daily_logins", 2, "nan"),
        ["avg_daily_logins", "null", "row 2"],
    ),
    "csv-bad-id": (
        _csv_cell("customer_id", 5, "USER_5"),
        ["customers.csv", "customer_id", "USER_5"],
    ),
    "csv-header-only": (_to_csv(lambda t: t.splitlines()[0] + "\n"), ["customers.csv", "no rows"]),
    "csv-zero-bytes": (_to_csv(lambda t: ""), ["customers.csv", "cannot be read"]),
    "csv-ragged-row": (
        _to_csv(lambda t: t.replace("\n", ",1,2\n", 3)),
        ["customers.csv", "cannot be read"],
    ),
    "csv-not-utf8": (_not_utf8, ["customers.csv", "cannot be read"]),
    "no-customers-file": (
        lambda f: (f / "customers.parquet").unlink(),
        ["no customers.parquet or customers.csv"],
    ),
    "interactions-without-content-items": (
        lambda f: (f / "content_items.parquet").unlink(),
        ["content_items"],
    ),
    "nan-in-interactions": (_other_table("interactions", _nan_weights), ["interactions", "weight"]),
    "pii-missing-column": (
        _other_table("customer_pii", lambda t: t.drop_columns(["email"])),
        ["customer_pii", "email"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_input_is_refused_up_front_and_writes_nothing(
    case: str, good: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    shutil.copytree(good, folder)
    breaker, expected = CASES[case]
    breaker(folder)
    lake = tmp_path / "lake"
    generations.begin(lake, "run_bad")
    settings = Settings(lake=str(lake), data_dir=folder)
    with (
        Services.from_settings(settings, "run_bad") as services,
        pytest.raises(DataValidationError) as caught,
    ):
        data_prep.run({"run_id": "run_bad", "source": str(folder)}, services)
    message = str(caught.value)
    for part in expected:
        assert part in message, f"{case}: {part!r} not in {message!r}"
    written = LocalObjectStore(lake).list("")
    generation = LocalObjectStore(generations.generation_root(lake, "run_bad")).list("")
    assert written == [] and generation == [], f"{case} wrote {written + generation}"


def test_the_good_folder_passes(good: Path, tmp_path: Path) -> None:
    """The suite's baseline: without a break, the same folder is admitted."""
    lake = tmp_path / "lake"
    generations.begin(lake, "run_ok")
    settings = Settings(lake=str(lake), data_dir=good)
    with Services.from_settings(settings, "run_ok") as services:
        result = data_prep.run({"run_id": "run_ok", "source": str(good)}, services)
    assert result["raw_records"] == 400


def test_a_csv_only_folder_is_admitted(good: Path, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    pacsv.write_csv(_customers(good), folder / "customers.csv")
    lake = tmp_path / "lake"
    generations.begin(lake, "run_csv")
    with Services.from_settings(Settings(lake=str(lake), data_dir=folder), "run_csv") as services:
        result = data_prep.run({"run_id": "run_csv", "source": str(folder)}, services)
    assert result["source"].endswith("customers.csv") and result["raw_records"] == 400
    assert sorted(p.name for p in folder.iterdir()) == ["customers.csv"]  # input untouched
