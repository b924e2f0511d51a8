"""Ask one or more eval sets on an existing lake and save the graded result.

The held-out rounds are measured this way: a set is written, then asked once on a
run made for it (never the tests' lake), and the result saved as it came, failures
included, e.g. bench/results/agent_heldout4_untuned.json.
Usage: python bench/agent_sets.py --lake DIR --data DIR --set heldout4 --name NAME
"""

from __future__ import annotations

import argparse
from pathlib import Path

from engage import bootstrap
from engage.agent.eval import sets
from engage.settings import Settings
from report import write_report  # bench/report.py (scripts run from bench/)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--set", action="append", required=True, dest="names")
    parser.add_argument("--name", required=True, help="bench/results/<name>.json")
    parser.add_argument("--note", default="")
    args = parser.parse_args()
    session = bootstrap.session(Settings(lake=args.lake, data_dir=Path(args.data)))
    customers = session.tools.engine.query(
        "SELECT count(*) AS n FROM engagement_analytics.final_results"
    ).to_pylist()[0]["n"]
    run: dict[str, object] = {"customers": customers}
    for name in args.names:
        report = sets.evaluate(session, name)
        run[name] = {k: v for k, v in report.items() if k != "failures"}
        run[f"{name}_failures"] = report["failures"]
        print(f"{customers} customers, {name}: {report['correct']}/{report['questions']} "
              f"correct, {report['wrong']} wrong, {report['declined']} declined, "
              f"{report['unsafe']} unsafe")  # fmt: skip
    session.close()
    write_report(args.name, [run], planner="offline", sets=args.names, note=args.note)


if __name__ == "__main__":
    main()
