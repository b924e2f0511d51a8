"""The error model of Step Functions, as the local runner needs it.

Every failure inside an execution is a named error plus a human cause, exactly
as AWS reports it (`{"Error": ..., "Cause": ...}`), so Retry/Catch rules written
for AWS match the same failures locally.
"""

from __future__ import annotations

import traceback

ALL = "States.ALL"
TASK_FAILED = "States.TaskFailed"
TIMEOUT = "States.Timeout"
RUNTIME = "States.Runtime"
NO_CHOICE = "States.NoChoiceMatched"


class StatesError(Exception):
    """A named execution error (`Error`) with its `Cause`.

    `origin` is the path of the state where the error first happened; it is kept
    while the error travels up through Parallel states and Catch/Fail routes so
    that a failed run can name the stage that really failed.
    """

    def __init__(self, error: str, cause: str = "", origin: str | None = None) -> None:
        super().__init__(f"{error}: {cause}" if cause else error)
        self.error = error
        self.cause = cause
        self.origin = origin
        self.trace: str | None = None

    def to_output(self) -> dict[str, str]:
        """The error output a Catch hands to its `ResultPath`."""
        return {"Error": self.error, "Cause": self.cause}

    @classmethod
    def from_exception(cls, exc: BaseException) -> StatesError:
        """Turn a task's exception into a task error named after its class, like Lambda does."""
        if isinstance(exc, StatesError):
            return exc
        err = cls(type(exc).__name__, str(exc))
        err.trace = "".join(traceback.format_exception(exc))
        return err


def runtime_error(message: str) -> StatesError:
    """A `States.Runtime` error: a definition or data problem that no Retry/Catch may absorb."""
    return StatesError(RUNTIME, message)
