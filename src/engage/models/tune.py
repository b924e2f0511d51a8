"""AutoML for the tabular models (use case 10): an Optuna study over two families.

`engage tune MODEL` searches XGBoost (the family the pipeline serves) and
scikit-learn's HistGradientBoosting (a second family, no extra dependency) with
k-fold cross-validation on the TRAINING split only - the test split is never read,
so the test figures of the next run stay an honest report. A median pruner stops
trials whose running fold mean is below the median of earlier trials at the same
fold; `budget_s` and `trials` bound the study.

Promotion: the best XGBoost trial's parameters are written for training to use
(engage.models.tuned) only if its cross-validated score beats the current
params.toml values, scored by the same folds, by more than `margin` (the seed's 5%,
relative: (best - baseline) / |baseline|). A better HistGradientBoosting trial is
reported but cannot be promoted: the pipeline serves XGBoost. The whole study is
saved as JSON under the model's tuning/ folder in the lake.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import xgboost as xgb
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from engage import lake
from engage.models.features import FeatureSpec
from engage.models.params import params_for
from engage.models.tuned import tuned_key, tuning_prefix
from engage.ports import ObjectStore

MARGIN = 0.05  # seed §3.5.3 use case 10: promote only above a 5% improvement
# model -> (target column, metric, classification?)
TUNABLE: dict[str, tuple[str, str, bool]] = {
    "engagement": ("engagement_score", "r2", False),
    "churn": ("churn_30_day", "auc_roc", True),
}
XGB, HGB = "xgboost", "hist_gradient_boosting"
EARLY_STOPPING = 30


@dataclass(frozen=True)
class TuneConfig:
    model: str
    trials: int = 60
    budget_s: float = 600.0
    folds: int = 3
    rows: int = 20_000  # training rows sampled for the study (all when fewer)
    margin: float = MARGIN
    seed: int = 42
    threads: int = 1


def _xgb_space(trial: Any, model: str) -> dict[str, Any]:
    """XGBoost parameters the model's constructor takes (its params.toml keys)."""
    space = {
        "max_depth": lambda: trial.suggest_int("max_depth", 2, 8),
        "learning_rate": lambda: trial.suggest_float("learning_rate", 0.02, 0.4, log=True),
        "n_estimators": lambda: trial.suggest_int("n_estimators", 100, 1000, log=True),
        "min_child_weight": lambda: trial.suggest_float("min_child_weight", 1.0, 100.0, log=True),
    }
    return {k: suggest() for k, suggest in space.items() if k in params_for(model)}


def _hgb_space(trial: Any) -> dict[str, Any]:
    return {
        "max_depth": trial.suggest_int("hgb_max_depth", 2, 10),
        "learning_rate": trial.suggest_float("hgb_learning_rate", 0.02, 0.4, log=True),
        "max_iter": trial.suggest_int("hgb_max_iter", 100, 800, log=True),
        "min_samples_leaf": trial.suggest_int("hgb_min_samples_leaf", 5, 200, log=True),
        "l2_regularization": trial.suggest_float("hgb_l2", 1e-4, 10.0, log=True),
    }


def _fit_predict(family: str, params: dict[str, Any], x, y, x_val, cls: bool, cfg: TuneConfig):  # type: ignore[no-untyped-def]
    """Fit one fold; XGBoost early-stops on 10% of the fold's own training rows."""
    if family == HGB:
        kind = HistGradientBoostingClassifier if cls else HistGradientBoostingRegressor
        est = kind(**params, early_stopping=True, random_state=cfg.seed)
        est.fit(x, y)
        return est.predict_proba(x_val)[:, 1] if cls else est.predict(x_val)
    x_fit, x_stop, y_fit, y_stop = train_test_split(x, y, test_size=0.1, random_state=cfg.seed)
    kind = xgb.XGBClassifier if cls else xgb.XGBRegressor
    est = kind(
        **params, tree_method="hist", n_jobs=cfg.threads, random_state=cfg.seed,
        early_stopping_rounds=EARLY_STOPPING,
    )  # fmt: skip
    est.fit(x_fit, y_fit, eval_set=[(x_stop, y_stop)], verbose=False)
    return est.predict_proba(x_val)[:, 1] if cls else est.predict(x_val)


def cross_validate(
    family: str,
    params: dict[str, Any],
    data: tuple[np.ndarray, np.ndarray],
    cfg: TuneConfig,
    report: Callable[[float, int], None] | None = None,
) -> float:
    """Mean fold score (higher is better); `report(running_mean, fold)` may prune."""
    x, y = data
    cls = TUNABLE[cfg.model][2]
    split = StratifiedKFold if cls else KFold
    folds = split(cfg.folds, shuffle=True, random_state=cfg.seed).split(x, y)
    scores = []
    for k, (fit, val) in enumerate(folds):
        pred = _fit_predict(family, params, x[fit], y[fit], x[val], cls, cfg)
        scores.append(roc_auc_score(y[val], pred) if cls else r2_score(y[val], pred))
        if report is not None:
            report(float(np.mean(scores)), k)
    return float(np.mean(scores))


def baseline_params(model: str) -> dict[str, Any]:
    """The params.toml values the search space covers (what is trained today)."""
    keys = ("max_depth", "learning_rate", "n_estimators", "min_child_weight")
    return {k: v for k, v in params_for(model).items() if k in keys}


def training_matrix(train: pd.DataFrame, cfg: TuneConfig) -> tuple[np.ndarray, np.ndarray]:
    """A seeded sample of the training split as the model's feature matrix and target."""
    target = TUNABLE[cfg.model][0]
    if target not in train.columns:
        raise KeyError(f"training data lacks the {cfg.model} target column {target!r}")
    rows = np.random.default_rng(cfg.seed).permutation(len(train))[: cfg.rows]
    sample = train.iloc[np.sort(rows)]
    y = sample[target].to_numpy(dtype=np.float64)
    return FeatureSpec().matrix(sample), y


def run_study(train: pd.DataFrame, cfg: TuneConfig) -> dict[str, Any]:
    """Search both families; the summary (every trial, best per family, baseline)."""
    import optuna

    if cfg.model not in TUNABLE:
        raise ValueError(f"cannot tune {cfg.model!r}; tunable: {', '.join(TUNABLE)}")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    data = training_matrix(train, cfg)
    started = time.perf_counter()
    baseline = cross_validate(XGB, baseline_params(cfg.model), data, cfg)

    def objective(trial: optuna.Trial) -> float:
        family = trial.suggest_categorical("family", [XGB, HGB])
        params = _xgb_space(trial, cfg.model) if family == XGB else _hgb_space(trial)
        trial.set_user_attr("params", params)

        def report(value: float, step: int) -> None:
            trial.report(value, step)
            if trial.should_prune():
                raise optuna.TrialPruned()

        return cross_validate(family, params, data, cfg, report)

    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=cfg.seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=8, n_warmup_steps=0),
    )
    remaining = max(1.0, cfg.budget_s - (time.perf_counter() - started))
    study.optimize(objective, n_trials=cfg.trials, timeout=remaining)
    return _summary(study, cfg, baseline, time.perf_counter() - started, len(data[1]))


def _summary(study: Any, cfg: TuneConfig, baseline: float, seconds: float, rows: int) -> dict:
    trials = [
        {
            "number": t.number,
            "state": t.state.name,
            "family": t.params.get("family"),
            "params": t.user_attrs.get("params"),
            "score": t.value,
        }
        for t in study.trials
    ]
    done = [t for t in trials if t["state"] == "COMPLETE"]
    best = {
        fam: max((t for t in done if t["family"] == fam), key=lambda t: t["score"], default=None)
        for fam in (XGB, HGB)
    }
    xgb_best = best[XGB]
    gain = (xgb_best["score"] - baseline) / abs(baseline) if xgb_best and baseline else None
    return {
        "model": cfg.model,
        "metric": TUNABLE[cfg.model][1],
        "cv_folds": cfg.folds,
        "rows": rows,
        "data": "training split only (the test split is never read)",
        "trials_requested": cfg.trials,
        "budget_s": cfg.budget_s,
        "seconds": round(seconds, 1),
        "trials": trials,
        "completed": len(done),
        "pruned": sum(t["state"] == "PRUNED" for t in trials),
        "baseline_params": baseline_params(cfg.model),
        "baseline_score": baseline,
        "best": best,
        "relative_improvement": gain,
        "margin": cfg.margin,
        "promote": bool(gain is not None and gain > cfg.margin),
    }


def save_study(store: ObjectStore, summary: dict[str, Any]) -> str:
    """Keep the study as JSON beside the model's versions; returns its key."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    key = f"{tuning_prefix(summary['model'])}study-{stamp}.json"
    store.put_bytes(key, json.dumps(summary, indent=2, default=str).encode())
    return key


def promote(store: ObjectStore, summary: dict[str, Any], study_key: str) -> dict[str, Any]:
    """Write the best XGBoost parameters for the next training run to use."""
    best = summary["best"][XGB]
    record = {
        "params": best["params"],
        "study": study_key,
        "metric": summary["metric"],
        "best_score": best["score"],
        "baseline_score": summary["baseline_score"],
        "relative_improvement": summary["relative_improvement"],
        "margin": summary["margin"],
        "trials": summary["completed"],
        "promoted_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    store.put_bytes(tuned_key(summary["model"]), json.dumps(record, indent=2).encode())
    return record


def lake_training(store: ObjectStore) -> pd.DataFrame:
    """The processed training split of the published run."""
    if not store.list(lake.PROCESSED_TRAINING):
        raise FileNotFoundError("no processed training data in the lake: run `engage run` first")
    return store.read_parquet(lake.PROCESSED_TRAINING).to_pandas()
