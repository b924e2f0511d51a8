"""Check a table against the contract: schema, nulls, ranges, categories, duplicate keys.

Used by the tests, by the data-validation stage and by `engage validate`. Every
finding names the column and how many rows break the rule, so a bad file can be
fixed without guessing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from engage.arrays import first_repeat
from engage.contract.schema import Column, DType, Table

_KINDS = {
    DType.STRING: pa.types.is_string,
    DType.INT: pa.types.is_integer,
    DType.FLOAT: lambda t: pa.types.is_floating(t) or pa.types.is_integer(t),
    DType.BOOL: pa.types.is_boolean,
    DType.DATE: pa.types.is_date,
    DType.TIMESTAMP: pa.types.is_timestamp,
}


@dataclass(frozen=True)
class Finding:
    """One broken rule: which check, which column, how many rows, an example."""

    check: str
    column: str
    count: int
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: column {self.column!r}: {self.count:,} row(s) {self.detail}"

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def validate_table(data: pa.Table, table: Table) -> list[Finding]:
    """All contract violations of `data`; an empty list means it conforms."""
    findings: list[Finding] = []
    if data.num_rows == 0:
        return [Finding("empty", "*", 0, f"table {table.name!r} has no rows")]
    names = set(data.column_names)
    for col in table.columns:
        if col.name not in names:
            findings.append(Finding("schema", col.name, data.num_rows, "missing column"))
            continue
        findings += _check_column(col, data.column(col.name))
    extra = sorted(names - set(table.names))
    findings += [Finding("schema", name, data.num_rows, "unexpected column") for name in extra]
    if table.key and all(k in names for k in table.key):
        findings += _check_key(data, table.key)
    return findings


def _check_column(col: Column, values: pa.ChunkedArray) -> list[Finding]:
    if not _KINDS[col.dtype](values.type):
        return [Finding("type", col.name, len(values),
                        f"have type {values.type}, contract says {col.dtype.value}")]  # fmt: skip
    findings = []
    if values.null_count and not col.nullable:
        findings += _count(pc.is_null(values), "nulls", col, "are null", values)
    if pa.types.is_floating(values.type):
        # NaN and infinities are not null to Arrow and compare false with every bound,
        # so without this check they reach training ("Input contains NaN").
        findings += _count(pc.invert(pc.is_finite(values)), "finite", col,
                           "are NaN or infinite", values)  # fmt: skip
    if col.pattern is not None and pa.types.is_string(values.type):
        ok = pc.match_substring_regex(values, f"^(?:{col.pattern})$")
        findings += _count(pc.invert(ok), "pattern", col,
                           f"do not match {col.pattern}", values)  # fmt: skip
    if col.categories:
        # Nulls are the null check's business (a nullable categorical may hold them).
        outside = pc.invert(pc.is_in(values, value_set=pa.array(col.categories)))
        bad = pc.and_(outside, pc.is_valid(values))
        findings += _count(bad, "domain", col, f"outside {{{col.allowed()}}}", values)
    if col.minimum is not None:
        findings += _count(pc.less(values, col.minimum), "range", col,
                           f"below {col.minimum:g}", values)  # fmt: skip
    if col.maximum is not None:
        findings += _count(pc.greater(values, col.maximum), "range", col,
                           f"above {col.maximum:g}", values)  # fmt: skip
    return findings


def _count(
    mask: pa.ChunkedArray, check: str, col: Column, detail: str, values: pa.ChunkedArray
) -> list[Finding]:
    """One finding for the rows where mask holds, quoting the first offending value and row.

    Rows are numbered from 1 as data rows (a CSV's header is row 0), so the number
    points at the line to fix.
    """
    mask = pc.fill_null(mask, False)
    n = pc.sum(mask).as_py() or 0
    if not n:
        return []
    first = pc.index(mask, True).as_py()
    example = values[first].as_py()
    return [Finding(check, col.name, n, f"{detail} (e.g. {example!r} in row {first + 1})")]


def _check_key(data: pa.Table, key: tuple[str, ...]) -> list[Finding]:
    """Rows that repeat an earlier row's key, by one sort of integer key codes (a
    GROUP BY over 3M activity rows took 7 s; this takes a fraction of a second)."""
    extra, row = first_repeat(_key_codes(data, key))
    if not extra:
        return []
    example = data.column(key[0])[row].as_py()
    return [Finding("duplicates", ",".join(key), extra, f"repeat a key (e.g. {example!r})")]


def _key_codes(data: pa.Table, key: tuple[str, ...]) -> np.ndarray:
    """One int64 per row, equal exactly when the rows' key values are (nulls included)."""
    codes = np.zeros(data.num_rows, dtype=np.int64)
    for name in key:
        column = data.column(name).combine_chunks()  # one dictionary for every row
        encoded = pc.dictionary_encode(column, null_encoding="encode")
        part = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        width = max(len(encoded.dictionary), 1)
        if codes.max(initial=0) >= np.iinfo(np.int64).max // width:  # recode before overflow
            codes = np.unique(codes, return_inverse=True)[1].astype(np.int64)
        codes = codes * width + part
    return codes
