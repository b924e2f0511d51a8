"""Stage 2, data preparation: admit the customer file into the lake, then split it in SQL.

The incoming file is checked against the data contract *before* anything is
written, so a corrupted or wrong-schema file fails the run with the column and
row count at fault and the lake keeps its previous, good data. Then the seed's
Athena statements (sql/engagement_raw/*.sql) build the raw table, the 80/20
split by customer id, and the inference input.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from engage import contract, lake
from engage.contract.validate import Finding, validate_table
from engage.stages.errors import DataValidationError, StageError
from engage.stages.services import Services, lambda_services, run_id_of, source_dir

SQL_STEPS = (
    "engagement_raw/customers",
    "engagement_raw/training_data",
    "engagement_raw/test_data",
    "engagement_raw/inference_input",
)


def find_customers_file(folder: Path) -> Path:
    """customers.parquet, else customers.csv, in the source folder."""
    for name in ("customers.parquet", "customers.csv"):
        if (folder / name).is_file():
            return folder / name
    raise StageError(
        f"no customers.parquet or customers.csv in {folder}: run `engage generate` "
        "or point ENGAGE_DATA_DIR at your data"
    )


def read_customers(path: Path) -> pa.Table:
    """Read the file; an unreadable file is a validation failure naming the file."""
    try:
        if path.suffix == ".csv":
            return _read_csv(path)
        return pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as err:
        finding = Finding("readable", "*", 0, f"cannot be read: {err}")
        raise DataValidationError(str(path), [finding]) from err


def _read_csv(path: Path) -> pa.Table:
    # Types of columns the file lacks are ignored; the contract check then names them.
    types = {c.name: c.arrow_type for c in contract.CUSTOMERS.columns}
    return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types))


def conform(table: pa.Table, where: str) -> pa.Table:
    """Validate against the contract, then order and type the columns exactly as it says."""
    findings = validate_table(table, contract.CUSTOMERS)
    if findings:
        raise DataValidationError(where, findings)
    return table.select(contract.CUSTOMERS.names).cast(contract.CUSTOMERS.arrow_schema())


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Validate and publish raw customers; run the seed's preparation SQL."""
    run_id = run_id_of(event)
    path = find_customers_file(source_dir(event, services.settings))
    table = conform(read_customers(path), str(path))
    services.store.write_parquet(lake.RAW_CUSTOMERS_FILE, table)
    tables = {}
    for step in SQL_STEPS:
        result = services.sql.run_file(step)
        tables[result["table"]] = result.get("rows")
    return {
        "data_prep_status": "success",
        "run_id": run_id,
        "source": str(path),
        "raw_records": table.num_rows,
        "training_records": tables["engagement_raw.training_data"],
        "test_records": tables["engagement_raw.test_data"],
        "inference_records": tables["engagement_raw.inference_input"],
        "s3_locations": {
            "training": services.store.uri(lake.PROCESSED_TRAINING),
            "test": services.store.uri(lake.PROCESSED_TEST),
            "inference": services.store.uri(lake.PROCESSED_INFERENCE),
        },
    }


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
