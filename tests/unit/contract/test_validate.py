import pyarrow as pa
import pytest

from engage.contract import Column, DType, Role, Table
from engage.contract.validate import validate_table

T = Table(
    "t",
    "test table",
    (
        Column("id", DType.STRING, Role.IDENTIFIER, "key"),
        Column("score", DType.FLOAT, Role.FEATURE, "0..1", minimum=0, maximum=1),
        Column("kind", DType.STRING, Role.FEATURE, "a|b", categories=("a", "b")),
        Column("n", DType.INT, Role.FEATURE, "nullable", nullable=True),
    ),
    key=("id",),
)


def make(**over):
    cols = {"id": ["x1", "x2"], "score": [0.1, 0.9], "kind": ["a", "b"], "n": [1, None]}
    cols.update(over)
    return pa.table(cols)


def test_conforming_table_has_no_findings():
    assert validate_table(make(), T) == []


@pytest.mark.parametrize(
    ("over", "check", "column", "count"),
    [
        ({"score": [0.1, 1.5]}, "range", "score", 1),
        ({"score": [-1.0, -2.0]}, "range", "score", 2),
        ({"kind": ["a", "zzz"]}, "domain", "kind", 1),
        ({"score": [None, 0.5]}, "nulls", "score", 1),
        ({"id": ["x1", "x1"]}, "duplicates", "id", 1),
        ({"score": ["high", "low"]}, "type", "score", 2),
    ],
)
def test_each_rule_names_column_and_count(over, check, column, count):
    findings = validate_table(make(**over), T)
    assert [(f.check, f.column, f.count) for f in findings] == [(check, column, count)]
    assert column in str(findings[0])


def test_missing_and_unexpected_columns():
    data = make().drop(["kind"]).append_column("extra", pa.array([1, 2]))
    found = {(f.check, f.column) for f in validate_table(data, T)}
    assert found == {("schema", "kind"), ("schema", "extra")}


def test_empty_table_is_a_finding():
    findings = validate_table(make().slice(0, 0), T)
    assert findings[0].check == "empty"


def test_a_compound_key_repeats_only_when_every_part_does():
    from engage.contract.validate import _check_key

    data = pa.table(
        {
            "customer_id": ["a", "a", "b", None, None, "a"],
            "day": [1, 2, 1, 3, 3, 1],
        }
    )
    (finding,) = _check_key(data, ("customer_id", "day"))
    # (a, 1) repeats at row 5 and (null, 3) at row 4: nulls are a key value, as in GROUP BY
    assert (finding.check, finding.column, finding.count) == ("duplicates", "customer_id,day", 2)
    assert "None" in finding.detail  # the first repeating row (row 4) is the example
    assert _check_key(data.slice(0, 4), ("customer_id", "day")) == []
