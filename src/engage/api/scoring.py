"""Live inference for one customer: every served model, fast, equal to the batch.

The batch path builds pandas frames and Arrow tables, which costs milliseconds
per call; for one row that overhead dominates. Each scorer here builds the same
float32 design row as `FeatureSpec.matrix` with plain numpy and repeats the
batch's arithmetic (TreeSHAP for engagement and churn, conformal quantiles for
LTV, the calibrated IsolationForest score), so a customer's live prediction on
their batch inputs equals their batch row (tests/integration/api/test_parity.py).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import xgboost as xgb

from engage.api.forest import PackedForest
from engage.contract import CUSTOMERS
from engage.models import anomaly as anomaly_mod
from engage.models import churn as churn_mod
from engage.models.explain import TOP_K, grouping
from engage.models.features import INTERACTIONS, FeatureSpec

RECOMMEND_K, RECOMMEND_MIN_CATEGORIES = 10, 3  # stages/plans/recommendation.py


class RowEncoder:
    """`FeatureSpec.matrix` for one customer given as a dict, without pandas."""

    def __init__(self, spec: FeatureSpec) -> None:
        self.numeric = spec.numeric
        self.onehot: list[tuple[str, dict[str, int]]] = [
            (c, {cat: i for i, cat in enumerate(CUSTOMERS.column(c).categories)})
            for c in spec.categorical
        ]
        self.width = len(spec.feature_names())
        self.key = (spec.columns, spec.interactions)  # equal keys encode equally
        position = {name: i for i, name in enumerate(self.numeric)}
        self.pairs = [
            (position[a], position[b])
            for a, b in INTERACTIONS.values()
            if spec.interactions and a in position and b in position
        ]

    def encode(self, values: Mapping[str, Any]) -> np.ndarray:
        """(1, width) float32; None stays NaN (XGBoost's missing value)."""
        num = np.array(
            [math.nan if values[c] is None else values[c] for c in self.numeric], np.float64
        ).astype(np.float32)
        row = np.zeros(self.width, dtype=np.float32)
        row[: len(num)] = num
        offset = len(num)
        for column, codes in self.onehot:
            code = codes.get(values[column])
            if code is not None:
                row[offset + code] = 1.0
            offset += len(codes)
        for i, (a, b) in enumerate(self.pairs):
            row[offset + i] = num[a] * num[b]
        return row.reshape(1, -1)


class TreeExplainer:
    """Exact TreeSHAP of one row, grouped to source features as `explain.shap_values` does."""

    def __init__(self, booster: xgb.Booster, spec: FeatureSpec, best_iteration: int) -> None:
        self.booster = booster
        self.booster.set_param({"nthread": 1})  # one row: threads only add overhead
        self.names = spec.feature_names()
        self.sources, self.membership = grouping(self.names)
        self.iterations = (0, best_iteration + 1)
        self.encoder = RowEncoder(spec)

    def explain(
        self, values: Mapping[str, Any], memo: dict[Any, Any] | None = None
    ) -> tuple[float, list[dict[str, Any]]]:
        """(raw margin = bias + sum of contributions, top-5 signed impacts).

        `memo` (one per request) shares the DMatrix between models with the same inputs.
        """
        memo = {} if memo is None else memo
        matrix = memo.get(self.encoder.key)
        if matrix is None:
            # nthread=1 and no names: a named, multi-threaded DMatrix for one row costs
            # 2-50x the prediction itself on a busy machine; the column order is ours.
            matrix = memo[self.encoder.key] = xgb.DMatrix(self.encoder.encode(values), nthread=1)
        raw = self.booster.predict(
            matrix, pred_contribs=True, iteration_range=self.iterations, validate_features=False
        )
        contrib = raw[:, :-1].astype(np.float64) @ self.membership
        margin = float((raw[:, -1] + contrib.sum(axis=1))[0])
        return margin, top_features(contrib[0], self.sources)


def top_features(values: np.ndarray, names: list[str], k: int = TOP_K) -> list[dict[str, Any]]:
    """`explain.top_features` for one row: largest |impact| first, rounded to 6 places."""
    order = np.argsort(-np.abs(values), kind="stable")[: min(k, len(values))]
    return [{"feature": names[i], "impact": float(np.round(values[i], 6))} for i in order]


class EngagementScorer:
    """Engagement score in 0..1 (the clipped SHAP sum, as the batch) and its top-5 SHAP."""

    def __init__(self, model: Any) -> None:
        self.explainer = TreeExplainer(model.booster_, model.spec, model.best_iteration_)
        self.encoder = self.explainer.encoder

    def score(self, values: Mapping[str, Any], memo: dict | None = None) -> dict[str, Any]:
        margin, top = self.explainer.explain(values, memo)
        return {"engagement_score": float(np.clip(margin, 0.0, 1.0)), "top": top}


class ChurnScorer:
    """Churn probability, the recall-threshold flag, the 0.7 intervention flag, top-5 SHAP."""

    def __init__(self, model: churn_mod.ChurnModel) -> None:
        self.threshold = model.threshold_
        self.explainer = TreeExplainer(model.booster_, model.spec, model.best_iteration_)
        self.encoder = self.explainer.encoder

    def score(self, values: Mapping[str, Any], memo: dict | None = None) -> dict[str, Any]:
        margin, top = self.explainer.explain(values, memo)
        proba = float(1.0 / (1.0 + np.exp(-np.float64(margin))))
        return {
            "churn_probability": proba,
            "churn_prediction": proba >= self.threshold,
            "intervention_flag": proba > churn_mod.INTERVENTION_PROBABILITY,
            "top": top,
        }


class LtvScorer:
    """`LtvModel.predict_quantiles` for one row (sorted, CQR-widened, non-negative)."""

    def __init__(self, model: Any) -> None:
        self.model = model
        model.booster_.set_param({"nthread": 1})
        self.encoder = RowEncoder(model.spec)
        self.iterations = (0, model.best_iteration_ + 1)

    def score(self, values: Mapping[str, Any]) -> dict[str, float]:
        m = self.model
        raw = m.booster_.inplace_predict(
            self.encoder.encode(values), iteration_range=self.iterations
        )
        z = np.sort(np.asarray(raw, dtype=np.float64).reshape(1, -1), axis=1)
        z[:, 0] = np.minimum(z[:, 0] - m.cqr_adjustment_, z[:, 1])
        z[:, 2] = np.maximum(z[:, 2] + m.cqr_adjustment_, z[:, 1])
        q = np.maximum(np.expm1(z) if m.log_target else z, 0.0)[0]
        return {"ltv_p10": float(q[0]), "ltv_p50": float(q[1]), "ltv_p90": float(q[2])}


class AnomalyScorer:
    """`AnomalyDetector.score` for one row, through a packed forest."""

    def __init__(self, model: anomaly_mod.AnomalyDetector) -> None:
        self.model = model
        self.forest = PackedForest(model.forest_)

    def score(self, values: Mapping[str, Any]) -> dict[str, Any]:
        m = self.model

        def col(name: str) -> np.ndarray:
            v = values[name]
            return np.array([math.nan if v is None else v], dtype=np.float64)

        parts = [col(c) for c in m.columns]
        if m.ratios:
            ratios = anomaly_mod._ratios(col)
            parts += [ratios[name] for name in anomaly_mod.RATIOS]
        x = np.concatenate(parts)
        nan = np.isnan(x)
        x[nan] = m.medians_[: len(x)][nan]
        x = m.with_deviation(x[None, :])[0]  # the robust-z summaries, when the model has them
        score = float(m._calibrated(np.array([self.forest.raw_score(x)]))[0])
        return {"anomaly_score": score, "anomaly_flag": score > anomaly_mod.REVIEW_THRESHOLD}

    def required(self) -> list[str]:
        return self.model.required_columns()


class RecommendScorer:
    """Top-10 unseen items with 3+ categories: the customer's embedding when the id is
    known, else the popularity ranking. Inputs other than the id do not matter.

    The batch already ranked every known customer with this very version (same
    embeddings, same seen items), so those lists are served from the batch's Arrow
    table when given (~20 us instead of ~1 ms of scoring); customers it lacks, and
    cold starts, are scored and memoised (bounded LRU).
    """

    def __init__(self, model: Any, batch: pa.Table | None = None, memo_size: int = 50_000) -> None:
        self.model = model
        model.n_threads = 1
        # Dicts, not pandas' Index.get_indexer: ~0.3 ms per single-id call adds up.
        self.users = {str(u): i for i, u in enumerate(model.user_ids_)}
        self.batch = batch
        self.batch_rows = (
            {c: i for i, c in enumerate(batch.column("customer_id").to_pylist())} if batch else {}
        )
        self.memo: OrderedDict[str, dict[str, list[str]]] = OrderedDict()
        self.memo_size = memo_size
        self.lock = threading.Lock()

    def knows(self, customer_id: str) -> bool:
        return customer_id in self.users

    def score(self, customer_id: str) -> dict[str, list[str]]:
        row = self.batch_rows.get(customer_id)
        if row is not None and self.batch is not None:
            return {
                name: self.batch.column(name)[row].as_py()
                for name in ("recommended_items", "recommended_categories")
            }
        key = customer_id if customer_id in self.users else ""  # "" = cold start
        with self.lock:
            if key in self.memo:
                self.memo.move_to_end(key)
                return self.memo[key]
        users = np.array([self.users[key] if key else -1])
        items, _ = self.model.recommend_indices(users, RECOMMEND_K, RECOMMEND_MIN_CATEGORIES)
        served = items[0][items[0] >= 0]
        out = {
            "recommended_items": self.model.item_ids_[served].astype(str).tolist(),
            "recommended_categories": self.model.item_categories_[served].astype(str).tolist(),
        }
        with self.lock:
            self.memo[key] = out
            if len(self.memo) > self.memo_size:
                self.memo.popitem(last=False)
        return out
