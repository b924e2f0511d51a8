"""The pipeline's per-model hyper-parameters, read from the reviewed `params.toml`.

One file instead of literals in the plans, so a reviewer sees every value the
pipeline trains with, with the reason beside it (see the comments in the file).
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any


@functools.cache
def _all() -> dict[str, dict[str, Any]]:
    text = resources.files("engage.models").joinpath("params.toml").read_text("utf-8")
    return tomllib.loads(text)


def params_for(model: str) -> dict[str, Any]:
    """Constructor keyword arguments for `model` (lists become tuples, as the classes expect)."""
    try:
        table = _all()[model]
    except KeyError:
        raise KeyError(
            f"no parameters for model {model!r} in params.toml; known: {', '.join(_all())}"
        ) from None
    return {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
