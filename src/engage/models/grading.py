"""One shape for every model's grade: its test figure vs its strongest baseline and its ceiling.

`grade(...)` builds the record a model's metadata keeps under ``grading`` (the run
summary, model cards, ``engage models``, the API and the reports all read it):

* ``metric``, ``value``: the model's test figure (read once, for the report);
* ``baselines``: {name: value} of the simple baselines on the same split;
  ``baseline`` / ``baseline_value``: the strongest one; ``vs_baseline``: the model's
  margin over it in the metric's units, positive when the model is better;
* ``ceiling``: what the generator's noise-free truth scores on the same rows (None
  without truth); ``vs_ceiling`` (also ``ratio``, the older name): the share of the
  ceiling reached (for an error metric, ceiling / value).

`summary_text` and `rows` render it the same way everywhere.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any


def grade(
    metric: str,
    value: float,
    baselines: Mapping[str, float],
    ceiling: float | None = None,
    higher_is_better: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """The grading record (see the module docstring); `extra` keys are kept as they are."""
    record: dict[str, Any] = {"metric": metric, "value": float(value)}
    clean = {k: float(v) for k, v in baselines.items() if _finite(v)}
    record["baselines"] = clean
    if clean:
        pick = max if higher_is_better else min
        name = pick(clean, key=clean.__getitem__)
        best = clean[name]
        record |= {
            "baseline": name,
            "baseline_value": best,
            "vs_baseline": (value - best) if higher_is_better else (best - value),
        }
    if ceiling is not None and _finite(ceiling):
        share = value / ceiling if higher_is_better else ceiling / value if value else math.nan
        record |= {"ceiling": float(ceiling), "vs_ceiling": share, "ratio": share}
    return record | extra


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and math.isfinite(float(v))


def summary_text(grading: Mapping[str, Any] | None, fmt: Callable[[Any], str] | None = None) -> str:
    """'r2 0.8970; vs gbm_defaults 0.8900 (+0.0070); 0.9800 x ceiling 0.9150' or '-'.

    `fmt` formats each number (default: 4 decimals); model cards pass their own.
    """
    num = fmt or _num
    if not grading or "value" not in grading:
        return "-"
    parts = [f"{grading.get('metric', '')} {num(grading['value'])}"]
    if "baseline" in grading and "baseline_value" in grading:
        margin = float(grading["vs_baseline"])
        sign = "+" if margin >= 0 else "-"
        base = f"{grading['baseline']} {num(grading['baseline_value'])}"
        parts.append(f"vs {base} ({sign}{num(abs(margin))})")
    elif _finite(grading.get("baseline")):  # records written before this module
        parts.append(f"vs baseline {num(grading['baseline'])}")
    share = grading.get("vs_ceiling", grading.get("ratio"))
    if "ceiling" in grading and _finite(share):
        parts.append(f"{num(share)} x ceiling {num(grading['ceiling'])}")
    elif "target" in grading:
        parts.append(f"target {num(grading['target'])}")
    return "; ".join(parts)


def vs_fields(grading: Mapping[str, Any] | None) -> dict[str, Any]:
    """The flat 'vs baseline' / 'vs ceiling' fields for list views and JSON."""
    g = grading or {}
    return {
        "grade_metric": g.get("metric"),
        "grade_value": g.get("value"),
        "baseline": g.get("baseline"),
        "baseline_value": g.get("baseline_value"),
        "vs_baseline": g.get("vs_baseline"),
        "ceiling": g.get("ceiling"),
        "vs_ceiling": g.get("vs_ceiling", g.get("ratio") if "ceiling" in g else None),
    }


def _num(v: Any) -> str:
    return f"{float(v):.4f}" if _finite(v) else str(v)
