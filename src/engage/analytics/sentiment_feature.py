"""Does the per-customer sentiment improve churn prediction? Decided on validation only.

The same gradient-boosting classifier is fitted twice on a stratified part of the
TRAINING split, once on the behavioural model inputs alone and once with the
customer's average text sentiment added (missing for customers who did not consent:
the trees handle it natively), and both are scored by ROC AUC on the rest of the
training split. The test split is never read. The feature is kept only if the AUC
with it beats the AUC without it by at least MIN_GAIN, so noise does not keep it.

Why a stand-in classifier (scikit-learn's histogram gradient boosting, not the
pipeline's XGBoost churn model): analytics sits below the models layer; the question
"does this column add signal to these inputs" is answered the same way, in seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

FEATURE = "mean_text_sentiment"
TARGET = "churn_30_day"
MIN_GAIN = 0.001  # AUC points the feature must add on validation to be kept
VALIDATION_SHARE = 0.25
MIN_ROWS = 200


def design(frame: pd.DataFrame, inputs: list[str]) -> pd.DataFrame:
    """Model inputs as numbers: text categories become their category codes."""
    out = pd.DataFrame(index=frame.index)
    for name in inputs:
        col = frame[name]
        numeric = col.dtype.kind in "biuf"
        out[name] = col.astype(float) if numeric else col.astype("category").cat.codes
    return out


def decide(
    training: pd.DataFrame, feature: pd.Series, inputs: list[str], seed: int = 42
) -> dict[str, object]:
    """Both validation AUCs and whether the feature is kept; `feature` is indexed by
    customer_id (customers without a value get NaN)."""
    if len(training) < MIN_ROWS or training[TARGET].nunique() < 2:
        return {"decision": "not_evaluated", "reason": f"fewer than {MIN_ROWS} training rows "
                "or a single churn class", "feature": FEATURE}  # fmt: skip
    x = design(training, inputs)
    x[FEATURE] = feature.reindex(training["customer_id"].astype(str).to_numpy()).to_numpy()
    y = training[TARGET].astype(int).to_numpy()
    fit_idx, val_idx = train_test_split(
        np.arange(len(y)), test_size=VALIDATION_SHARE, stratify=y, random_state=seed
    )
    without = _auc(x.drop(columns=[FEATURE]), y, fit_idx, val_idx, seed)
    with_feature = _auc(x, y, fit_idx, val_idx, seed)
    kept = with_feature - without >= MIN_GAIN
    return {
        "feature": FEATURE,
        "decision": "kept" if kept else "dropped",
        "validation_auc_without": round(without, 4),
        "validation_auc_with": round(with_feature, 4),
        "auc_gain": round(with_feature - without, 4),
        "min_gain": MIN_GAIN,
        "validation_rows": len(val_idx),
        "feature_coverage": round(float(np.isfinite(x[FEATURE].to_numpy()).mean()), 4),
        "split": "stratified part of the training split; the test split is never read",
    }


def _auc(x: pd.DataFrame, y: np.ndarray, fit_idx: np.ndarray, val_idx: np.ndarray,
         seed: int) -> float:  # fmt: skip
    model = HistGradientBoostingClassifier(max_depth=4, max_iter=200, random_state=seed)
    model.fit(x.iloc[fit_idx], y[fit_idx])
    return float(roc_auc_score(y[val_idx], model.predict_proba(x.iloc[val_idx])[:, 1]))
