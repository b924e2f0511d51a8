"""The catalog + SQL engine on Athena and Glue: the AWS adapter of the SqlEngine port.

Runs the same sql/ files as the DuckDB engine. CTAS statements get the seed's
`WITH (format='PARQUET', external_location=..., partitioned_by=...)` from the lake
layout (engage.lake); Athena registers their tables in Glue. `register_parquet` writes
the Glue table (and partitions) directly from the Parquet schema, which needs no query.

A CTAS summary carries `rows` like DuckDB's (one `count(*)` query after the CTAS).
Difference from DuckDB: Athena's CTAS needs an empty location, so a rebuilt table's
prefix is emptied first and the table has no data until the CTAS finishes. boto3 is
imported lazily (`from_settings`), so the default local run never loads it.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from engage import lake
from engage.adapters.sql import athena_results
from engage.adapters.sql import athena_statements as ddl
from engage.adapters.sql import athena_to_duckdb as tr
from engage.adapters.sql.glue_tables import glue_table_input, partitions_of
from engage.adapters.store.s3 import S3ObjectStore
from engage.ports import SqlError


class AthenaEngine:
    """SqlEngine over Athena (queries, CTAS) and the Glue Data Catalog (tables)."""

    def __init__(
        self,
        store: S3ObjectStore,
        athena: Any,
        glue: Any,
        sql_dir: Path,
        *,
        workgroup: str,
        output_location: str,
        poll_seconds: float = 0.5,
    ) -> None:
        self.store, self.athena, self.glue = store, athena, glue
        self.sql_dir = Path(sql_dir)
        self.workgroup, self.output_location = workgroup, output_location
        self.poll_seconds = poll_seconds

    @classmethod
    def from_settings(cls, settings: Any, sql_dir: Path) -> AthenaEngine:
        """Clients from settings; ENGAGE_LAKE must be an s3:// URL (Athena reads S3 only)."""
        import boto3

        from engage.adapters.store.s3 import s3_client

        if not settings.lake_is_s3:
            raise SqlError("ENGAGE_SQL_ENGINE=athena needs an s3:// ENGAGE_LAKE")
        bucket, prefix = settings.lake[len("s3://") :].partition("/")[::2]
        endpoint = settings.s3_endpoint_url
        store = S3ObjectStore(bucket, prefix, client=s3_client(settings.aws_region, endpoint))
        region = settings.aws_region
        return cls(
            store,
            boto3.client("athena", region_name=region, endpoint_url=endpoint),
            boto3.client("glue", region_name=region, endpoint_url=endpoint),
            sql_dir,
            workgroup=settings.athena_workgroup,
            output_location=settings.athena_output or store.uri("_athena/"),
        )

    def ensure_databases(self) -> None:
        """Create the lake's Glue databases if missing (Terraform does this on AWS)."""
        existing = {d["Name"] for d in self.glue.get_databases()["DatabaseList"]}
        for schema in sorted(set(lake.SCHEMAS) - existing):
            self.glue.create_database(DatabaseInput={"Name": schema})

    def close(self) -> None:
        """Nothing to release (HTTP clients); present for parity with DuckDbEngine."""

    def run_file(self, name: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Run sql/<name>.sql on Athena; see the module doc."""
        path = tr.sql_file(self.sql_dir, name)
        source = f"sql/{path.relative_to(self.sql_dir).as_posix()}"
        tree = tr.bind(tr.parse_one(path.read_text(encoding="utf-8"), source), params, source)
        stmt = tr.classify(tree, source)
        if stmt.table != f"{path.parent.name}.{path.stem}".lower():
            raise SqlError(f"{source} creates {stmt.table}; a file must be named after its table")
        if stmt.kind == "view":
            self._run(ddl.view_sql(stmt))
            return {"table": stmt.table, "kind": "view", "columns": self._columns(stmt.table)}
        loc = lake.table_location(stmt.table)
        location = self.store.uri(loc.prefix)
        if stmt.kind == "ctas":
            self.drop_table(stmt.table)
            self.store.delete_prefix(loc.prefix)  # Athena CTAS refuses a non-empty location
            self._run(ddl.ctas_sql(stmt, location, loc.partitioned_by))
        else:
            self._run(ddl.external_sql(stmt, location))
        columns = self._columns(stmt.table) or [c for c, _ in stmt.columns]
        out = {"table": stmt.table, "kind": stmt.kind, "columns": columns, "location": location}
        if stmt.kind == "ctas":  # the SqlEngine contract: a CTAS reports rows (and partitions)
            out["rows"] = self._count(stmt.table)
            if loc.partitioned_by:
                keys = self.store.list(loc.prefix)
                out["partitions"] = len({k.rsplit("/", 1)[0] for k in keys})
        return out

    def statements(self, name: str, params: Mapping[str, Any] | None = None) -> list[str]:
        """The Athena statements run_file sends for a file (after a Glue drop, for CTAS)."""
        path = tr.sql_file(self.sql_dir, name)
        tree = tr.bind(tr.parse_one(path.read_text(encoding="utf-8"), name), params, name)
        stmt = tr.classify(tree, name)
        if stmt.kind == "view":
            return [ddl.view_sql(stmt)]
        loc = lake.table_location(stmt.table)
        location = self.store.uri(loc.prefix)
        if stmt.kind == "ctas":
            return [ddl.ctas_sql(stmt, location, loc.partitioned_by)]
        return [ddl.external_sql(stmt, location)]

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> pa.Table:
        """Run one read-only SELECT/WITH on Athena and return its rows."""
        tree = tr.bind(tr.parse_one(sql), params, "query")
        tr.ensure_read_only(tree)
        query_id = self._run(tree.sql(dialect=ddl.DIALECT))
        return athena_results.results(self.athena, query_id)

    def drop_table(self, qualified_name: str) -> bool:
        """Drop a Glue table or view if present (the lake's files are kept)."""
        name = tr.qualified_name(qualified_name)
        schema, table = name.split(".")
        try:
            found = self.glue.get_table(DatabaseName=schema, Name=table)["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            return False
        # What Athena's DROP TABLE/VIEW does to an external table: the Glue entry goes,
        # the files stay. The Glue call needs no query slot and no result location.
        self.glue.delete_table(DatabaseName=schema, Name=found["Name"])
        return True

    def register_parquet(self, qualified_name: str, key: str, hive: bool = False) -> None:
        """Write the Glue table for Parquet at a lake key (a file's folder, or a prefix)."""
        name = tr.qualified_name(qualified_name)
        schema, table = name.split(".")
        keys = [key] if key.endswith(".parquet") else self.store.list(key.rstrip("/") + "/")
        keys = [k for k in keys if k.endswith(".parquet")]
        if not keys:
            raise SqlError(f"cannot register {name}: no Parquet data at lake key {key!r}")
        file_schema = pq.read_schema(io.BytesIO(self.store.get_bytes(keys[0])))
        prefix = key.rsplit("/", 1)[0] + "/" if key.endswith(".parquet") else key.rstrip("/") + "/"
        parts = partitions_of(keys, prefix) if hive else []
        part_cols = list(dict.fromkeys(c for p in parts for c, _ in p))
        table_input = glue_table_input(table, file_schema, self.store.uri(prefix), part_cols)
        try:
            self.glue.create_table(DatabaseName=schema, TableInput=table_input)
        except self.glue.exceptions.AlreadyExistsException:
            self.glue.update_table(DatabaseName=schema, TableInput=table_input)
        self._add_partitions(schema, table, table_input, prefix, parts)

    def tables(self) -> list[str]:
        """Qualified names of every Glue table and view in the lake's databases."""
        names = []
        for schema in lake.SCHEMAS:
            try:
                pages = self.glue.get_paginator("get_tables").paginate(DatabaseName=schema)
                names += [f"{schema}.{t['Name']}" for page in pages for t in page["TableList"]]
            except self.glue.exceptions.EntityNotFoundException:
                continue
        return sorted(names)

    # -- plumbing ----------------------------------------------------------------------

    def _run(self, sql: str) -> str:
        return athena_results.execute(
            self.athena,
            sql,
            workgroup=self.workgroup,
            output_location=self.output_location,
            poll_seconds=self.poll_seconds,
        )

    def _count(self, table: str) -> int:
        """Rows of a table just built (Athena's CTAS reports bytes scanned, not rows)."""
        query_id = self._run(f"SELECT count(*) AS n FROM {table}")
        table = athena_results.results(self.athena, query_id)
        counted = table.column("n").to_pylist() if "n" in table.column_names else []
        return int(counted[0]) if counted else 0  # moto's Athena answers with no rows

    def _columns(self, name: str) -> list[str]:
        schema, table = name.split(".")
        try:
            found = self.glue.get_table(DatabaseName=schema, Name=table)["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            return []
        return [c["Name"] for c in found.get("StorageDescriptor", {}).get("Columns", [])]

    def _add_partitions(
        self, schema: str, table: str, table_input: dict, prefix: str, parts: list
    ) -> None:
        descriptor = table_input["StorageDescriptor"]
        inputs = [
            {
                "Values": [v for _, v in part],
                "StorageDescriptor": {
                    **descriptor,
                    "Location": self.store.uri(prefix + "/".join(f"{c}={v}" for c, v in part)),
                },
            }
            for part in parts
        ]
        for start in range(0, len(inputs), 100):  # BatchCreatePartition takes 100 at most
            self.glue.batch_create_partition(
                DatabaseName=schema, TableName=table, PartitionInputList=inputs[start : start + 100]
            )
