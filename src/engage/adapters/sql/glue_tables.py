"""Glue table definitions from Parquet schemas (what a crawler would infer, without one)."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

_PARQUET_SERDE = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
_INPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
_OUTPUT = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"


def hive_type(dtype: pa.DataType) -> str:
    """The Glue/Hive type of an Arrow type (strings for anything unusual)."""
    checks = [
        (pa.types.is_boolean, "boolean"),
        (pa.types.is_int8, "tinyint"),
        (pa.types.is_int16, "smallint"),
        (pa.types.is_int32, "int"),
        (pa.types.is_integer, "bigint"),
        (pa.types.is_float32, "float"),
        (pa.types.is_floating, "double"),
        (pa.types.is_date, "date"),
        (pa.types.is_timestamp, "timestamp"),
    ]
    for check, name in checks:
        if check(dtype):
            return name
    if pa.types.is_decimal(dtype):
        return f"decimal({dtype.precision},{dtype.scale})"
    return "string"


def glue_table_input(
    name: str, schema: pa.Schema, location: str, partition_cols: list[str]
) -> dict[str, Any]:
    """A Glue TableInput for an external Parquet table at location."""
    columns = [
        {"Name": f.name, "Type": hive_type(f.type)} for f in schema if f.name not in partition_cols
    ]
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet", "EXTERNAL": "TRUE"},
        "PartitionKeys": [{"Name": c, "Type": "string"} for c in partition_cols],
        "StorageDescriptor": {
            "Columns": columns,
            "Location": location,
            "InputFormat": _INPUT,
            "OutputFormat": _OUTPUT,
            "SerdeInfo": {"SerializationLibrary": _PARQUET_SERDE},
        },
    }


def partitions_of(keys: list[str], prefix: str) -> list[tuple[tuple[str, str], ...]]:
    """Distinct Hive partitions (('col', 'value'), ...) of the keys under prefix."""
    found: dict[tuple[tuple[str, str], ...], None] = {}
    for key in keys:
        folders = key[len(prefix) :].split("/")[:-1]
        pairs = tuple(tuple(f.split("=", 1)) for f in folders if "=" in f)
        if pairs:
            found[pairs] = None  # type: ignore[index]
    return list(found)
