"""The packaged definition rendered for this machine, and a Task's own result from its output.

Lives in `pipeline/` rather than `orchestrate` because readers that only need the
shape of the pipeline (the progress display, the cost model) must not import the
stages: `orchestrate` wires them, this module only reads the definition.
"""

from __future__ import annotations

import functools
from typing import Any

from engage.pipeline.asl import iter_states, load_definition, local_values, render
from engage.pipeline.errors import StatesError
from engage.pipeline.paths import get_path


def definition(**values: str) -> dict[str, Any]:
    """The packaged pipeline definition, rendered for this machine (`values` override
    some placeholders, e.g. where an S3 lake keeps the Map's results)."""
    return render(load_definition(), {**local_values(), **values})


@functools.cache
def result_paths() -> dict[str, str]:
    """ResultPath of every Task state, by state name."""
    return {
        name: state.get("ResultPath", "$")
        for _, name, state in iter_states(definition())
        if state.get("Type") == "Task"
    }


def task_result(state_name: str, state_output: Any) -> Any:
    """A Task's own result, recovered from its state output through its ResultPath.

    Why: observers see state outputs (input merged with the result at ResultPath),
    but a progress line or summary wants what the stage itself returned.
    """
    path = result_paths().get(state_name, "$")
    try:
        return get_path(state_output, path)
    except StatesError:
        return None
