"""Stage 2, data preparation: admit the customer file into the lake, then split it in SQL.

The incoming file is checked against the data contract *before* anything is
written, so a corrupted or wrong-schema file fails the run with the column and
row count at fault and the lake keeps its previous, good data. Then the seed's
Athena statements (sql/engagement_raw/*.sql) build the raw table, the 80/20
split by customer id, and the inference input.

The recommender's inputs (interactions and the content catalogue) are optional:
when the source folder has them they are checked against their contracts the
same way and admitted as `engagement_raw.interactions` / `content_items`; when
it has neither, the recommendation branch reports itself skipped. One without the
other is an error, since neither is usable alone.

Last, the inference input is cut into customer shards with their manifest
(`engage.stages.shards`), the items of the ScoreShards Distributed Map.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from engage import contract, lake
from engage.contract.schema import Table
from engage.contract.validate import Finding, validate_table
from engage.lake import TableName
from engage.privacy import admission as privacy
from engage.privacy.tokens import TokenKeys
from engage.stages.errors import DataValidationError
from engage.stages.services import Services, lambda_services, run_id_of, source_dir
from engage.stages.shards import write_shards

SQL_STEPS = (
    "engagement_raw/customers",
    "engagement_raw/training_data",
    "engagement_raw/test_data",
    "engagement_raw/inference_input",
)


RECOMMENDER_INPUTS = (
    (contract.INTERACTIONS, lake.RAW_INTERACTIONS, TableName.INTERACTIONS),
    (contract.CONTENT_ITEMS, lake.RAW_CONTENT_ITEMS, TableName.CONTENT_ITEMS),
)


def find_file(folder: Path, name: str) -> Path | None:
    """<name>.parquet, else <name>.csv, in the source folder; None when neither exists."""
    for path in (folder / f"{name}.parquet", folder / f"{name}.csv"):
        if path.is_file():
            return path
    return None


def find_customers_file(folder: Path) -> Path:
    """customers.parquet, else customers.csv, in the source folder."""
    path = find_file(folder, "customers")
    if path is None:  # an input problem, like bad data: waiting will not fix it (no retry)
        message = (
            f"no customers.parquet or customers.csv in {folder}: run `engage generate` "
            "or point ENGAGE_DATA_DIR at your data"
        )
        raise DataValidationError(str(folder), [Finding("missing", "*", 0, message)], message)
    return path


def read_customers(path: Path, table: Table = contract.CUSTOMERS) -> pa.Table:
    """Read the file; an unreadable file is a validation failure naming the file."""
    try:
        if path.suffix == ".csv":
            return _read_csv(path, table)
        return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as err:
        finding = Finding("readable", "*", 0, f"cannot be read: {err}")
        raise DataValidationError(str(path), [finding]) from err


def _read_csv(path: Path, table: Table) -> pa.Table:
    # Types of columns the file lacks are ignored; the contract check then names them.
    types = {c.name: c.arrow_type for c in table.columns}
    try:
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))
    except pa.ArrowInvalid as err:
        finding = _conversion_finding(path, types, str(err))
        if finding is None:
            raise
        raise DataValidationError(str(path), [finding]) from err


def _conversion_finding(path: Path, types: dict[str, pa.DataType], message: str) -> Finding | None:
    """Name the column and row of a CSV value that is not of the contract's type.

    Why: Arrow only says "In CSV column #3: ... invalid value 'abc'"; the user needs
    the column's name and the line to fix. The column is read again as text (only on
    this failure path) and each value converted alone.
    """
    match = re.search(r"CSV column #(\d+)", message)
    with path.open(newline="", encoding="utf-8", errors="replace") as handle:
        header = next(csv.reader(handle), [])
    if match is None or int(match.group(1)) >= len(header):
        return None
    name = header[int(match.group(1))]
    text = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            include_columns=[name], column_types={name: pa.string()}, strings_can_be_null=True
        ),
    ).column(0)
    bad = [i for i, value in enumerate(text.to_pylist()) if not _converts(value, types[name])]
    if not bad:
        return None
    example = text[bad[0]].as_py()
    detail = f"are not {types[name]} (e.g. {example!r} in row {bad[0] + 1})"
    return Finding("type", name, len(bad), detail)


def _converts(value: str | None, arrow_type: pa.DataType) -> bool:
    if value is None:
        return True  # a missing value is the null check's to report
    try:
        pa.array([value]).cast(arrow_type)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return False
    return True


def conform(table: pa.Table, where: str, spec: Table = contract.CUSTOMERS) -> pa.Table:
    """Validate against the contract, then order and type the columns exactly as it says."""
    findings = validate_table(table, spec)
    if findings:
        raise DataValidationError(where, findings)
    return table.select(spec.names).cast(spec.arrow_schema())


def recommender_inputs(folder: Path) -> list[tuple[pa.Table, str, str]]:
    """Validated (table, lake prefix, catalog name) of the recommender's inputs, or []."""
    found = [
        (find_file(folder, spec.name), spec, key, name) for spec, key, name in RECOMMENDER_INPUTS
    ]
    present = [f for f in found if f[0] is not None]
    if not present:
        return []
    if len(present) < len(found):
        missing = [spec.name for path, spec, _, _ in found if path is None]
        message = f"{folder} has recommender data but no {', '.join(missing)} file"
        raise DataValidationError(
            str(folder), [Finding("missing", missing[0], 0, message)], message
        )
    return [
        (conform(read_customers(path, spec), str(path), spec), key, name)
        for path, spec, key, name in present
    ]


def read_pii(folder: Path) -> pa.Table | None:
    """The validated customer_pii file of the source folder, or None when it has none."""
    spec = contract.CUSTOMER_PII
    path = find_file(folder, spec.name)
    return None if path is None else conform(read_customers(path, spec), str(path), spec)


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Validate and publish raw customers (PII to the restricted area); run the seed's SQL."""
    run_id = run_id_of(event)
    path = find_customers_file(source_dir(event, services.settings))
    table = conform(read_customers(path), str(path))
    keys = TokenKeys(services.settings)
    admitted = privacy.admit(services.store, keys, table, read_pii(path.parent))  # drops erased
    table = admitted.customers
    extra = [(admitted.keep(d), key, name) for d, key, name in recommender_inputs(path.parent)]
    services.store.write_parquet(lake.RAW_CUSTOMERS_FILE, table)
    for data, key, name in extra:
        services.store.write_parquet(f"{key}{name.split('.')[1]}.parquet", data)
        services.sql.register_parquet(name, key)
    tables = {}
    for step in SQL_STEPS:
        result = services.sql.run_file(step)
        tables[result["table"]] = result.get("rows")
    pii_records = admitted.publish(services.store, services.sql, keys)
    inference = services.store.read_parquet(lake.PROCESSED_INFERENCE)
    shards = write_shards(services.store, inference, services.settings.shard_rows)
    return {
        "data_prep_status": "success",
        "run_id": run_id,
        "source": str(path),
        "raw_records": table.num_rows,
        "suppressed_customers": admitted.suppressed,
        "pii_records": pii_records,
        "training_records": tables[TableName.TRAINING_DATA],
        "test_records": tables[TableName.TEST_DATA],
        "inference_records": tables[TableName.INFERENCE_INPUT],
        "recommender_inputs": {name: data.num_rows for data, _, name in extra},
        "shards": shards,
        "s3_locations": {
            "training": services.store.uri(lake.PROCESSED_TRAINING),
            "test": services.store.uri(lake.PROCESSED_TEST),
            "inference": services.store.uri(lake.PROCESSED_INFERENCE),
        },
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
