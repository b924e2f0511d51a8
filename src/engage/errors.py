"""The one error that every layer may raise to fail a pipeline stage on purpose.

It lives at the bottom of the import layers (not in `engage.stages`) because
libraries that stages call, such as privacy's admission of incoming data, must be
able to stop a stage without importing the stages. The class name is the Step
Functions error name; `engage.stages.errors` adds the specific kinds.
"""

from __future__ import annotations


class StageError(RuntimeError):
    """A stage cannot do its work (missing input, missing model, ...)."""
