"""Grade the 7-day forecast against the generator's truth (a report, never an input).

MASE against seasonal-naive (the in-sample seasonal-naive MAE of each series as the
scale): the panel figure (summed errors over summed scales), the mean and median of
per-series MASE over series with a positive scale, and the relative MAE against the
seasonal-naive forecast of the same week; interval coverage at 80% and 95% (pooled
over customer-days, also for customers active at the cut-off); and whether each day's
platform total lies inside its intervals.
"""

from __future__ import annotations

import numpy as np

from engage.analytics.forecast import LEVELS, SEASON, ForecastResult, naive_scale, panel_mase


def grade(res: ForecastResult, history: np.ndarray, truth: np.ndarray) -> dict:
    """Every headline figure of the forecast; `truth` is (n, HORIZON) like res.point."""
    scale = naive_scale(history)
    naive = history[:, -SEASON:][:, : truth.shape[1]]
    per = np.abs(res.point - truth).mean(axis=1)
    positive = scale > 0
    series = per[positive] / scale[positive]
    active = history[:, -1] > 0
    out = {
        "model": res.model,
        "customers": len(truth),
        "mase_panel": round(panel_mase(res.point, truth, scale), 4),
        "mase_mean": round(float(series.mean()), 4) if len(series) else None,
        "mase_median": round(float(np.median(series)), 4) if len(series) else None,
        "series_without_scale": int((~positive).sum()),
        "relative_mae_vs_seasonal_naive": round(
            float(per.sum() / max(np.abs(naive - truth).mean(axis=1).sum(), 1e-12)), 4
        ),
        "seasonal_naive_mase_panel": round(panel_mase(naive, truth, scale), 4),
    }
    totals = truth.sum(axis=0)
    for level in LEVELS:
        pct = round(level * 100)
        inside = (truth >= res.lower[level] - 1e-9) & (truth <= res.upper[level] + 1e-9)
        out[f"coverage_{pct}"] = round(float(inside.mean()), 4)
        out[f"coverage_{pct}_active"] = (
            round(float(inside[active].mean()), 4) if active.any() else None
        )
        within = (totals >= res.total_lower[level]) & (totals <= res.total_upper[level])
        out[f"total_inside_{pct}"] = int(within.sum())
    out["total_days"] = len(totals)
    out["total_abs_pct_error"] = round(
        float(np.mean(np.abs(res.total - totals) / np.maximum(totals, 1e-12))), 4
    )
    return out
