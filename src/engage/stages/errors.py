"""Errors a stage raises on purpose; the class name is the Step Functions error name.

The pipeline definition retries `States.TaskFailed` (transient trouble) but lists
`DataValidationError` first with `MaxAttempts: 0`: bad data does not get better by
waiting, so the run fails at once and names the column and the count.
"""

from __future__ import annotations

from collections.abc import Sequence

from engage.contract.validate import Finding
from engage.errors import StageError

__all__ = ["DataValidationError", "StageError"]


class DataValidationError(StageError):
    """Input data broke the contract; `findings` says which column and how many rows."""

    def __init__(self, where: str, findings: Sequence[Finding], message: str | None = None) -> None:
        self.where = where
        self.findings = list(findings)
        shown = "; ".join(str(f) for f in self.findings[:8])
        more = f"; and {len(self.findings) - 8} more" if len(self.findings) > 8 else ""
        super().__init__(message or f"{where} failed validation: {shown}{more}")
