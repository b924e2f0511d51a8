"""The learned family of the 7-day forecast: one global gradient-boosting model.

One XGBoost regressor for every customer and horizon (issue 18 item 1): each row is
(customer, forecast origin, horizon) with the customer's recent lags, weekly
same-day values, rolling level, spread, slope and run of trailing zero days, and
the target's weekday and horizon. It learns the residual from the last week's mean,
so one tree ensemble serves customers of any level. Trained only on origins inside
the history it is given: the validation fit never sees the held-out week.
"""

from __future__ import annotations

import numpy as np
import xgboost as xgb

SEASON = 7
HORIZON = 7
LAGS = 14
WINDOW = 28
ORIGINS = 6  # weekly forecast origins per customer used for training
MAX_TRAIN_CUSTOMERS = 5_000
PARAMS = {"n_estimators": 120, "max_depth": 6, "learning_rate": 0.08, "subsample": 0.8}


def _trailing_zeros(past: np.ndarray) -> np.ndarray:
    nonzero = past[:, ::-1] != 0
    run = np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), past.shape[1])
    return np.minimum(run, WINDOW)


def _slope(recent: np.ndarray) -> np.ndarray:
    x = np.arange(recent.shape[1], dtype=np.float64) - (recent.shape[1] - 1) / 2
    return (recent * x).sum(axis=1) / (x * x).sum()


def features(y: np.ndarray, origin: int, first_weekday: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows (horizon-major, HORIZON x customers) forecasting from `origin` observed days,
    and each row's base (the last week's mean) that the model's output is added to."""
    past = y[:, :origin]
    recent = past[:, -WINDOW:]
    base = past[:, -SEASON:].mean(axis=1)
    common = np.column_stack(
        [past[:, ::-1][:, :LAGS] - base[:, None], base, recent.mean(axis=1), recent.std(axis=1),
         _slope(recent), _trailing_zeros(past)]
    )  # fmt: skip
    blocks = []
    for h in range(1, HORIZON + 1):
        same = past[:, [origin + h - 1 - SEASON * k for k in range(1, 5)]]
        weekday = np.full(len(y), (first_weekday + origin + h - 1) % SEASON)
        blocks.append(
            np.column_stack([common, same - base[:, None], same.mean(axis=1) - base,
                             np.full(len(y), h), weekday])
        )  # fmt: skip
    return np.vstack(blocks), np.tile(base, HORIZON)


def _training_rows(y: np.ndarray, first_weekday: int) -> tuple[np.ndarray, np.ndarray]:
    days = y.shape[1]
    origins = [o for o in range(days - HORIZON, WINDOW + SEASON, -SEASON)][:ORIGINS]
    if not origins:
        raise ValueError(f"need at least {WINDOW + SEASON + HORIZON + 1} days, got {days}")
    xs, ts = [], []
    for origin in origins:
        x, base = features(y, origin, first_weekday)
        target = y[:, origin : origin + HORIZON].T.ravel()  # horizon-major like the rows
        xs.append(x)
        ts.append(target - base)
    return np.vstack(xs), np.concatenate(ts)


def forecast(y: np.ndarray, first_weekday: int, seed: int = 0, threads: int = 1) -> np.ndarray:
    """Fit on origins inside `y`, forecast the HORIZON days after it: (n, HORIZON) in 0-1."""
    y = np.asarray(y, dtype=np.float64)
    rng = np.random.default_rng(seed)
    train = (
        y
        if len(y) <= MAX_TRAIN_CUSTOMERS
        else y[rng.choice(len(y), MAX_TRAIN_CUSTOMERS, replace=False)]
    )
    x, target = _training_rows(train, first_weekday)
    model = xgb.XGBRegressor(**PARAMS, tree_method="hist", random_state=seed, n_jobs=threads)
    model.fit(x, target)
    rows, base = features(y, y.shape[1], first_weekday)
    out = (model.predict(rows) + base).reshape(HORIZON, len(y)).T
    return np.clip(out, 0.0, 1.0)
