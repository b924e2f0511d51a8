"""Types of the data contract: what a column and a table are.

The contract is the single source of truth for every column the product touches.
Generator, validation, SQL DDL, API request schemas and the data dictionary all
read these objects instead of repeating names, types and ranges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import pyarrow as pa


class Role(StrEnum):
    """What a column is for; decides where it may flow."""

    IDENTIFIER = "identifier"
    FEATURE = "feature"
    DERIVED = "derived"  # a feature computed from another generated table
    TARGET = "target"
    PII = "pii"
    PROTECTED = "protected-attribute"  # protected class that must never be a feature
    METADATA = "metadata"


class Protection(StrEnum):
    """Legal status of an attribute (seed §2.4.3)."""

    NONE = "none"
    CONDITIONAL = "conditional"  # permitted, monitored for fairness
    PROHIBITED = "prohibited"  # never a model input


class DType(StrEnum):
    """Logical types, mapped to Arrow, Athena and Python types below."""

    STRING = "string"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    DATE = "date"
    TIMESTAMP = "timestamp"
    LIST_STRING = "list<string>"  # outputs only (recommended items)
    LIST_FLOAT = "list<float>"  # outputs only (node embeddings)
    EXPLANATION = "list<struct<feature, impact>>"  # outputs only: signed SHAP impacts


_ARROW = {
    DType.STRING: pa.string(),
    DType.INT: pa.int32(),
    DType.FLOAT: pa.float64(),
    DType.BOOL: pa.bool_(),
    DType.DATE: pa.date32(),
    DType.TIMESTAMP: pa.timestamp("us", tz="UTC"),
    DType.LIST_STRING: pa.list_(pa.string()),
    DType.LIST_FLOAT: pa.list_(pa.float32()),
    DType.EXPLANATION: pa.list_(
        pa.struct([pa.field("feature", pa.string()), pa.field("impact", pa.float64())])
    ),
}
_ATHENA = {
    DType.STRING: "STRING",
    DType.INT: "INT",
    DType.FLOAT: "DOUBLE",
    DType.BOOL: "BOOLEAN",
    DType.DATE: "DATE",
    DType.TIMESTAMP: "TIMESTAMP",
    DType.LIST_STRING: "ARRAY<STRING>",
    DType.LIST_FLOAT: "ARRAY<FLOAT>",
    DType.EXPLANATION: "ARRAY<STRUCT<feature: STRING, impact: DOUBLE>>",
}
_PYTHON: dict[DType, type] = {
    DType.STRING: str,
    DType.INT: int,
    DType.FLOAT: float,
    DType.BOOL: bool,
}


@dataclass(frozen=True)
class Column:
    """One column: type, allowed values, meaning and role."""

    name: str
    dtype: DType
    role: Role
    description: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    categories: tuple[str, ...] = ()
    nullable: bool = False
    protection: Protection = Protection.NONE
    synonyms: tuple[str, ...] = ()
    pattern: str | None = None  # a string column's values must match it (re.fullmatch)

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW[self.dtype]

    @property
    def athena_type(self) -> str:
        return _ATHENA[self.dtype]

    @property
    def python_type(self) -> type:
        return _PYTHON[self.dtype]

    @property
    def is_categorical(self) -> bool:
        return bool(self.categories)

    @property
    def is_model_input(self) -> bool:
        """Features and derived features may feed models; nothing else may."""
        return self.role in (Role.FEATURE, Role.DERIVED) and (
            self.protection is not Protection.PROHIBITED
        )

    def allowed(self) -> str:
        """Human-readable allowed values, used by docs and error messages."""
        if self.categories:
            return ", ".join(self.categories)
        if self.minimum is not None or self.maximum is not None:
            return f"{_fmt(self.minimum)} .. {_fmt(self.maximum)}"
        return "any"


def _fmt(value: float | None) -> str:
    if value is None:
        return "-inf"
    return f"{value:g}"


@dataclass(frozen=True)
class Table:
    """A table of the contract and the columns it must hold, in order."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default=())

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    def arrow_schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.arrow_type, nullable=c.nullable) for c in self.columns]
        )

    def by_role(self, *roles: Role) -> list[Column]:
        return [c for c in self.columns if c.role in roles]
