"""Design matrix of the federated churn model, built from the data contract alone.

A device can compute it without any other device's data: one-hot categories and a
log1p of the heavy-tailed columns are fixed by the contract; only the standardisation
needs population moments, which the devices send as sums (`moments`) through the same
aggregation as the model updates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from engage.contract import CUSTOMERS, MODEL_INPUTS

TARGET = "churn_30_day"
HEAVY_TAIL_MAX = 100.0  # columns whose contract maximum reaches this enter as log1p


def numeric_columns() -> list[str]:
    return [c for c in MODEL_INPUTS if not CUSTOMERS.column(c).is_categorical]


def categorical_columns() -> list[str]:
    return [c for c in MODEL_INPUTS if CUSTOMERS.column(c).is_categorical]


def feature_names() -> list[str]:
    """Matrix column names: numeric inputs, then `<column>=<category>` one-hots."""
    names = numeric_columns()
    for col in categorical_columns():
        names += [f"{col}={cat}" for cat in CUSTOMERS.column(col).categories]
    return names


def _log_columns() -> np.ndarray:
    flags = []
    for name in numeric_columns():
        col = CUSTOMERS.column(name)
        low, high = col.minimum, col.maximum
        flags.append(low is not None and low >= 0 and high is not None and high >= HEAVY_TAIL_MAX)
    return np.asarray(flags, dtype=bool)


def matrix(frame: pd.DataFrame) -> np.ndarray:
    """float64 matrix of `frame` (missing numeric values stay NaN until `standardise`)."""
    missing = [c for c in MODEL_INPUTS if c not in frame.columns]
    if missing:
        raise KeyError(f"federated training data lacks model input column(s): {missing}")
    numeric = frame[numeric_columns()].to_numpy(dtype=np.float64, na_value=np.nan)
    logs = _log_columns()
    numeric[:, logs] = np.log1p(np.clip(numeric[:, logs], 0, None))
    parts = [numeric]
    for col in categorical_columns():
        cats = CUSTOMERS.column(col).categories
        codes = pd.Categorical(frame[col], categories=cats).codes
        onehot = np.zeros((len(frame), len(cats)))
        known = codes >= 0
        onehot[np.flatnonzero(known), codes[known]] = 1.0
        parts.append(onehot)
    return np.hstack(parts)


def labels(frame: pd.DataFrame) -> np.ndarray:
    """The churn target as 0/1 floats; a clear error when it is absent or null."""
    if TARGET not in frame.columns:
        raise KeyError(f"federated training data lacks the target column {TARGET!r}")
    y = frame[TARGET]
    if y.isna().any():
        row = int(np.flatnonzero(y.isna().to_numpy())[0])
        raise ValueError(f"column {TARGET!r} is null at row {row}: the target must be known")
    return y.astype(float).to_numpy()


def moments(x: np.ndarray) -> np.ndarray:
    """One device's sufficient statistics: [non-missing counts, sums, sums of squares]."""
    present = ~np.isnan(x)
    values = np.where(present, x, 0.0)
    return np.concatenate([present.sum(0), values.sum(0), (values**2).sum(0)]).astype(float)


def scaler(total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation from the summed `moments` of every device."""
    count, sums, squares = np.split(total, 3)
    count = np.maximum(count, 1.0)
    mean = sums / count
    std = np.sqrt(np.maximum(squares / count - mean**2, 0.0))
    return mean, np.where(std > 1e-12, std, 1.0)


def standardise(x: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """z-scores; a missing value becomes 0 (the mean)."""
    z = (x - mean) / std
    return np.where(np.isnan(z), 0.0, z)
