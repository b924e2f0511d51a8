"""An answer: text, supporting rows, the tool calls/SQL used, citations, confidence."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

CANNOT = "I can't answer that from this data."


@dataclass
class Answer:
    """What `engage ask` prints and `POST /ask` returns."""

    question: str
    text: str
    intent: str
    confidence: float
    rows: list[dict[str, Any]] = field(default_factory=list)
    figures: dict[str, float] = field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    sql: list[str] = field(default_factory=list)
    citations: dict[str, Any] = field(default_factory=dict)
    refused: bool = False
    plan: dict[str, Any] | None = None  # the typed query plan, when one was run
    candidates: list[str] = field(default_factory=list)  # what an unclear word may mean

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


def refusal(question: str, why: str) -> Answer:
    """The honest answer when the data (or the rules) do not allow one."""
    return Answer(question, f"{CANNOT} {why}".strip(), "refused", 0.0, refused=True)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value
