"""Regression metrics, computed the same way everywhere they are reported."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

MAPE_MIN_TARGET = 0.01  # MAPE is undefined at 0; rows with smaller targets are left out


def regression_metrics(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """RMSE, MAE, R² and MAPE (over rows whose target is at least MAPE_MIN_TARGET)."""
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    keep = np.abs(y_true) >= MAPE_MIN_TARGET
    mape = (
        float(np.mean(np.abs((y_true[keep] - y_pred[keep]) / y_true[keep])))
        if keep.any()
        else float("nan")
    )
    return {
        "rmse": float(np.sqrt(mean_squared_error(y_true, y_pred))),
        "mae": float(mean_absolute_error(y_true, y_pred)),
        "r2": float(r2_score(y_true, y_pred)),
        "mape": mape,
        "mape_rows": int(keep.sum()),
        "rows": len(y_true),
    }
