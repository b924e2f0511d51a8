"""Grade the premium-effect estimates against the generator's true individual effects.

A report only: nothing here feeds a choice of the uplift model (issue 17: the grade
vs truth is never an input). Thresholds are the issue's: correlation >= 0.8,
average effect within 15%, every age band within 25%; coverage is reported.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

TRUTH_COLUMN = "premium_effect"
MIN_CORRELATION = 0.8
AVERAGE_TOLERANCE = 0.15
BAND_TOLERANCE = 0.25


def grade(effects: pd.DataFrame, truth: pd.DataFrame) -> dict[str, Any]:
    """Correlation, average and per-age-band errors, interval coverage, pass flags.

    `effects` is `UpliftModel.effects(...)`; `truth` is indexed by customer_id.
    """
    true = truth[TRUTH_COLUMN].reindex(effects["customer_id"].to_numpy()).to_numpy(float)
    known = ~np.isnan(true)
    est, true = effects["effect"].to_numpy(float)[known], true[known]
    if len(true) < 2:
        raise ValueError(f"ground truth has no {TRUTH_COLUMN} for the scored customers")
    lower = effects["lower"].to_numpy(float)[known]
    upper = effects["upper"].to_numpy(float)[known]
    bands = effects["age_band"].to_numpy()[known]
    by_band = {}
    for band in sorted(set(bands)):
        rows = bands == band
        by_band[str(band)] = _relative(est[rows].mean(), true[rows].mean())
    average = _relative(est.mean(), true.mean())
    corr = float(np.corrcoef(est, true)[0, 1])
    return {
        "customers": len(true),
        "correlation": corr,
        "average": average,
        "by_age_band": by_band,
        "interval_coverage": float(((lower <= true) & (true <= upper)).mean()),
        "passes": {
            "correlation": corr >= MIN_CORRELATION,
            "average": abs(average["relative_error"]) <= AVERAGE_TOLERANCE,
            "age_bands": all(abs(b["relative_error"]) <= BAND_TOLERANCE for b in by_band.values()),
        },
    }


def _relative(estimate: float, true: float) -> dict[str, float]:
    return {
        "estimate": float(estimate),
        "truth": float(true),
        "relative_error": float((estimate - true) / true) if true else float("nan"),
    }
