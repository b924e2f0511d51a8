"""What a tool call returns: rows for the reader, figures for checking, SQL for audit."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ToolResult:
    """One tool call's output; `figures` are the named numbers an answer may quote."""

    tool: str
    args: dict[str, Any]
    rows: list[dict[str, Any]]
    figures: dict[str, float] = field(default_factory=dict)
    sql: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
