"""Issue 18 item 2 (use case 1): the next best action per customer, by a contextual bandit.

Runs as the last branch of ParallelTrainingAndValidation. Reads the logged
interactions (`bandit_log`, with the logging policy's propensities) from the run's
source folder, keeps the events of admitted customers, fits LinTS
(engage.analytics.bandit) on the training customers' events, and serves every
inference customer one Thompson draw in their usual time of day after their last
logged action. Every served action passes the ethics policy check
(engage.analytics.nba_policy; its counts are logged and reported), and the table
`engagement_analytics.next_best_action` is published for the ensemble step, whose
predictions take the served action (anomalies still go to human review first).

The report: replay and IPS values on the test customers' events, and - only when the
source has the simulator's truth - a simulation against the true response model
(cumulative regret vs uniform, the current rule and the oracle) and the served
actions' true value. A source without a bandit_log publishes an empty table (the
predictions then fall back to the rule) and reports "skipped".
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from engage import contract, lake
from engage.analytics import bandit, bandit_eval, nba_policy
from engage.contract.outputs import NEXT_BEST_ACTION
from engage.data.bandit import true_probabilities
from engage.lake import TableName
from engage.stages.data_prep import conform, find_file, read_customers
from engage.stages.services import Services, lambda_services, publish_table, run_id_of, source_dir

REPORT = "next_best_action.json"
TABLE = TableName.NEXT_BEST_ACTION
SIMULATION_ROUNDS = 20_000
DEFAULT_LAST = "browse_feed"  # last action of a customer with no logged event


def read_log(folder: Path) -> pd.DataFrame | None:
    """The validated bandit_log of the source folder, or None without one."""
    path = find_file(folder, contract.BANDIT_LOG.name)
    if path is None:
        return None
    return conform(
        read_customers(path, contract.BANDIT_LOG), str(path), contract.BANDIT_LOG
    ).to_pandas()


@dataclass(frozen=True)
class Logged:
    """The run's customers and their logged events, as the bandit sees them."""

    customers: pd.DataFrame
    signals: np.ndarray  # (customers, SIGNALS), standardised on the run's customers
    row: pd.Series  # customer_id -> row of customers
    log: pd.DataFrame  # events of admitted customers, by customer and time
    x: np.ndarray  # (events, context dimension)
    actions: np.ndarray  # logged action per event (index into NBA_ACTIONS)

    @classmethod
    def build(cls, customers: pd.DataFrame, log: pd.DataFrame) -> Logged:
        signals = bandit.standardise(bandit.raw_signals(customers))
        row = pd.Series(np.arange(len(customers)), index=customers["customer_id"].to_numpy())
        log = log[log["customer_id"].isin(row.index)]
        log = log.sort_values(["customer_id", "event_ts"], kind="stable").reset_index(drop=True)
        x = bandit.context_matrix(
            signals[row[log["customer_id"]].to_numpy()],
            bandit.codes(log["time_of_day"], contract.TIMES_OF_DAY, "bandit_log.time_of_day"),
            bandit.codes(log["last_action"], contract.NBA_ACTIONS, "bandit_log.last_action"),
        )
        actions = bandit.codes(log["action"], contract.NBA_ACTIONS, "bandit_log.action")
        return cls(customers, signals, row, log, x, actions)

    def events_of(self, ids: pd.Index) -> np.ndarray:
        """Mask of the events whose customer is in `ids`."""
        return self.log["customer_id"].isin(ids).to_numpy()

    def column(self, name: str, mask: np.ndarray) -> np.ndarray:
        return self.log[name].to_numpy()[mask]


@dataclass(frozen=True)
class Served:
    """The served rows (the table's columns) and the context indices they were chosen in."""

    rows: dict[str, np.ndarray]
    time_of_day: np.ndarray
    last: np.ndarray
    index: np.ndarray  # served action per row, index into NBA_ACTIONS (-1: none)


def run(event: Mapping[str, Any], services: Services) -> dict[str, Any]:
    """Fit the bandit on logged events, serve every customer, publish table and report."""
    run_id = run_id_of(event)
    source = source_dir(event, services.settings)
    raw_log = read_log(source)
    if raw_log is None:
        publish_table(services, TABLE, lake.NEXT_BEST_ACTION, _arrow(_EMPTY, run_id))
        return {"nba_status": "skipped", "run_id": run_id, "reason": "no bandit_log file"}
    started = time.perf_counter()
    seed = int(event.get("seed", services.settings.seed))
    data = Logged.build(services.store.read_parquet(lake.RAW_CUSTOMERS).to_pandas(), raw_log)
    train = data.events_of(_ids(services, lake.PROCESSED_TRAINING))
    model = bandit.LinTS(dim=data.x.shape[1])
    model.fit(data.x[train], data.actions[train], data.column("reward", train))
    served = serve(model, data, _ids(services, lake.PROCESSED_INFERENCE), seed)
    publish_table(services, TABLE, lake.NEXT_BEST_ACTION, _arrow(served.rows, run_id))
    report = _report(model, data, served, _ids(services, lake.PROCESSED_TEST), train)
    report["grading"] = _grade(services.lake_data(run_id, source), data, served, seed)
    report["seconds"] = round(time.perf_counter() - started, 2)
    services.save_report(run_id, REPORT, report)
    checks = report["policy_check"]
    return {
        "nba_status": "success",
        "run_id": run_id,
        "customers": len(served.index),
        "policy_blocked": checks[nba_policy.BLOCKED_NUDGE] + checks[nba_policy.BLOCKED_MINOR],
        "seconds": report["seconds"],
        "grading": _headline(report["grading"]),
    }


def serve(model: bandit.LinTS, data: Logged, ids: pd.Index, seed: int) -> Served:
    """One Thompson draw per customer of `ids`, passed through the policy check."""
    frame = data.customers.iloc[data.row[ids[ids.isin(data.row.index)]].to_numpy()]
    frame = frame.reset_index(drop=True)
    tod, last = _serving_context(data, frame)
    x = bandit.context_matrix(data.signals[data.row[frame["customer_id"]].to_numpy()], tod, last)
    scores = model.sample(x, np.random.default_rng(seed))
    vulnerable = nba_policy.vulnerable(frame)
    names, index, outcome = nba_policy.check(scores, vulnerable, nba_policy.minor(frame))
    means = model.means(x)
    expected = np.where(index >= 0, means[np.arange(len(x)), np.maximum(index, 0)], np.nan)
    actions = np.array(contract.NBA_ACTIONS, dtype=object)
    rows = {
        "customer_id": frame["customer_id"].to_numpy(),
        "next_best_action": names,
        "bandit_action": actions[scores.argmax(axis=1)],
        "expected_reward": np.clip(expected, 0.0, 1.0),
        "policy_outcome": outcome,
        "vulnerable": vulnerable,
        "time_of_day": np.array(contract.TIMES_OF_DAY, dtype=object)[tod],
        "last_action": actions[last],
    }
    return Served(rows, tod, last, index)


def _serving_context(data: Logged, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The customer's usual time of day and last logged action (DEFAULT_LAST without one)."""
    tod = bandit.codes(frame["time_of_day_active"], contract.TIMES_OF_DAY, "time_of_day_active")
    latest = data.log.groupby("customer_id", sort=False)["action"].last()
    last = frame["customer_id"].map(latest).fillna(DEFAULT_LAST)
    return tod, bandit.codes(last, contract.NBA_ACTIONS, "bandit_log.action")


def _report(
    model: bandit.LinTS, data: Logged, served: Served, test_ids: pd.Index, train: np.ndarray
) -> dict[str, Any]:
    """The logged policy check and the offline (replay, IPS) values on the test events."""
    test = data.events_of(test_ids)
    rule = bandit.rule_action(data.customers)
    policies = {
        "lints": model.means(data.x[test]).argmax(axis=1),
        "rule": rule[data.row[data.log["customer_id"][test]].to_numpy()],
    }
    offline = bandit_eval.offline_report(
        data.x[test], data.actions[test], data.column("reward", test).astype(float),
        data.column("propensity", test), policies,
    )  # fmt: skip
    return {
        "actions": list(contract.NBA_ACTIONS),
        "nudges": sorted(nba_policy.NUDGES),
        "vulnerability_rule": "time_of_day_active == 'night' and avg_daily_logins x "
        f"avg_session_duration_min >= {nba_policy.NIGHT_MINUTES:g}",
        "training_events": int(train.sum()),
        "policy_check": nba_policy.outcome_counts(served.rows["policy_outcome"]),
        "served_actions": pd.Series(served.rows["next_best_action"]).value_counts().to_dict(),
        "offline": offline,
    }


def _grade(lake_data: Any, data: Logged, served: Served, seed: int) -> dict[str, Any] | None:
    """Against the simulator's truth, after the model is fixed: a report, never an input."""
    truth = lake_data.truth_table(contract.TRUTH_ACTIONS.name)
    if truth is None:
        return None
    truth = truth.set_index("customer_id").reindex(data.customers["customer_id"])
    missing = truth.isna().any(axis=1).to_numpy()
    if missing.any():
        first = data.customers["customer_id"].to_numpy()[missing][0]
        raise ValueError(f"truth_actions lacks {int(missing.sum())} customer(s), e.g. {first}")
    logits = truth[[f"logit_{a}" for a in contract.NBA_ACTIONS]].to_numpy(float)

    def environment(cust: np.ndarray, tod: np.ndarray, last: np.ndarray) -> np.ndarray:
        return true_probabilities(logits[cust], tod, last)

    rule = bandit.rule_action(data.customers)
    sim = bandit_eval.simulate(environment, data.signals, rule, SIMULATION_ROUNDS, seed)
    cust = data.row[served.rows["customer_id"]].to_numpy()
    p = environment(cust, served.time_of_day, served.last)
    return {"simulation": sim, "served": bandit_eval.served_value(p, served.index, rule[cust])}


def _headline(grading: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if grading is None else grading["simulation"]["cumulative_regret"]


def _ids(services: Services, prefix: str) -> pd.Index:
    ids = services.store.read_parquet(prefix).column("customer_id").to_pylist()
    return pd.Index(ids)


_EMPTY: dict[str, list] = {c: [] for c in NEXT_BEST_ACTION.names}


def _arrow(served: Mapping[str, Any], run_id: str) -> pa.Table:
    """The served rows in the contract's column order and types, stamped with the run."""
    n = len(served["customer_id"])
    data = {**served, "run_id": [run_id] * n}
    arrays = [
        pa.array(data[c.name], from_pandas=True).cast(c.arrow_type)
        for c in NEXT_BEST_ACTION.columns
    ]
    return pa.Table.from_arrays(arrays, schema=NEXT_BEST_ACTION.arrow_schema())


def ensure_table(services: Services, run_id: str) -> bool:
    """Publish an empty table when the catalog has none (a lake or run without this stage),
    so the ensemble's LEFT JOIN falls back to the rule instead of failing; True if it did."""
    if str(TABLE) in services.sql.tables():
        return False
    publish_table(services, TABLE, lake.NEXT_BEST_ACTION, _arrow(_EMPTY, run_id))
    return True


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point."""
    return run(event, lambda_services())
