"""The ML pipeline: one ASL definition, a local runner that executes it, and run history.

`definition.json` is the Step Functions state machine of the seed (§4.8.1) with
`${...}` placeholders; `asl.render` fills them for a laptop or an AWS account,
`runner.LocalRunner` executes it in-process, `history.RunHistory` keeps a JSON
record of every run in the object store.
"""

from engage.pipeline.asl import load_definition, local_values, render, task_name, validate
from engage.pipeline.errors import StatesError
from engage.pipeline.runner import ExecutionResult, LocalRunner

__all__ = [
    "ExecutionResult",
    "LocalRunner",
    "StatesError",
    "load_definition",
    "local_values",
    "render",
    "task_name",
    "validate",
]
