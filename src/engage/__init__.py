"""engage: customer engagement predictions that run offline and deploy to AWS.

The Python API (see README "Python API"): `engage.open(lake)` returns a `Lake` with
`.sql()`, `.explain()` and `.ask()`; `engage.run(rows=...)` runs the pipeline. Both load
their libraries on first call, so `import engage` stays cheap (the CLI imports it too).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engage.public import Lake

# Stages train models in threads of one process, often beside other work. OpenMP's
# default busy-waiting then makes XGBoost several times slower on a 2-core machine
# (measured: 7 s -> 51 s for the engagement model under load); passive waiting gives
# the cores back. It must be set before xgboost loads its OpenMP runtime.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def open(lake: str | os.PathLike[str] | None = None, **settings: Any) -> Lake:
    """The lake at `lake` (default ENGAGE_LAKE or ./lake), for `.sql`, `.explain`, `.ask`."""
    from engage.public import open_lake

    return open_lake(lake, **settings)


def run(rows: int | None = None, **options: Any) -> Lake:
    """Generate `rows` customers if asked (or if there is no data), run the pipeline, and
    return the lake; options: lake=, data_dir=, seed= and any Settings field."""
    from engage.public import run as run_pipeline

    return run_pipeline(rows, **options)


def __getattr__(name: str) -> Any:
    if name == "__version__":  # importlib.metadata costs ~0.1 s: only when asked
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("engage")
        except PackageNotFoundError:  # running from a source tree without installation
            return "0.0.0+local"
    raise AttributeError(f"module 'engage' has no attribute {name!r}")


__all__ = ["open", "run"]
