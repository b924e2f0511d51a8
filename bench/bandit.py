"""Benchmark and grade the NextBestAction stage (issue 18 item 2) against the simulator.

For each size: generate the data (seed 42) in a child process, then run the real stage
(`engage.stages.next_best_action.run`, local lake and DuckDB catalog) in another child,
with the lake holding the customers and the id-rule splits (suffix mod 10 < 8: training)
that data preparation would write. The stage's own report carries the figures: replay
and IPS values on the test customers' logged events, cumulative regret of LinTS,
uniform and the current rule against the oracle in a simulation driven by the true
response model (truth_actions), the true value of the served actions, and the policy
check's blocked counts. A longer simulation (--rounds) is run here on the same data.
Usage: python bench/bandit.py [--rows 20000] [--rounds 100000]
Writes bench/results/bandit.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from report import write_report  # bench/report.py (scripts run from bench/)
from stage_child import stage_on_generated_data

STAGE = """
import json, resource, sys, time
from pathlib import Path
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from engage import lake
from engage.settings import Settings
from engage.stages import next_best_action
from engage.stages.services import Services
source, root = Path(sys.argv[1]), Path(sys.argv[2])
settings = Settings(lake=str(root / "lake"), data_dir=source)
with Services.from_settings(settings) as services:
    customers = pq.read_table(source / "customers.parquet")
    services.store.write_parquet(lake.RAW_CUSTOMERS_FILE, customers)
    ids = customers.column("customer_id")
    digit = pc.cast(pc.utf8_slice_codeunits(ids, -1), pa.int64())
    train = pa.table({"customer_id": ids.filter(pc.less(digit, 8))})
    test = pa.table({"customer_id": ids.filter(pc.greater_equal(digit, 8))})
    for prefix, table in ((lake.PROCESSED_TRAINING, train), (lake.PROCESSED_TEST, test),
                          (lake.PROCESSED_INFERENCE, pa.table({"customer_id": ids}))):
        services.store.write_parquet(prefix + "part-0.parquet", table)
    t = time.perf_counter()
    out = next_best_action.run({"run_id": "bench", "source": str(source), "seed": 42}, services)
    out["stage_wall_seconds"] = time.perf_counter() - t
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    key = lake.report_key("bench", next_best_action.REPORT)
    out["report"] = json.loads(services.store.get_bytes(key))
print(json.dumps(out))
"""


def long_simulation(source: Path, rounds: int) -> dict:
    """LinTS vs uniform, rule and oracle over `rounds` contexts of the true response model."""
    import pandas as pd

    from engage import contract
    from engage.analytics import bandit, bandit_eval
    from engage.data.bandit import true_probabilities

    customers = pd.read_parquet(source / "customers.parquet")
    truth = pd.read_parquet(source / "truth_actions.parquet").set_index("customer_id")
    logits = truth.loc[customers["customer_id"], [f"logit_{a}" for a in contract.NBA_ACTIONS]]
    logits = logits.to_numpy(float)
    signals = bandit.standardise(bandit.raw_signals(customers))

    def environment(cust, tod, last):  # type: ignore[no-untyped-def]
        return true_probabilities(logits[cust], tod, last)

    rule = bandit.rule_action(customers)
    return bandit_eval.simulate(environment, signals, rule, rounds, seed=7, tiers=10)


def measure(rows: int, rounds: int) -> dict:
    with stage_on_generated_data(rows, STAGE, "nba") as run:
        gen_seconds, stage = run.generate_seconds, run.stage
        longer = long_simulation(run.source, rounds)
    report = stage["report"]
    return {
        "rows": rows,
        "generate_seconds": gen_seconds,
        "stage_wall_seconds": round(stage["stage_wall_seconds"], 2),
        "peak_rss_mb": round(stage["peak_rss_mb"]),
        "policy_check": report["policy_check"],
        "served_actions": report["served_actions"],
        "offline_replay_ips": report["offline"],
        "stage_simulation": report["grading"]["simulation"],
        "served_true_value": report["grading"]["served"],
        "long_simulation": longer,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[20_000])
    parser.add_argument("--rounds", type=int, default=100_000)
    args = parser.parse_args()
    runs = [measure(rows, args.rounds) for rows in args.rows]
    for run in runs:
        print(json.dumps({k: v for k, v in run.items() if not isinstance(v, dict)}))
    write_report("bandit", runs)


if __name__ == "__main__":
    main()
