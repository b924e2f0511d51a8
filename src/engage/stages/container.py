"""Entry point of the Fargate container: `python -m engage.stages.container`.

Step Functions starts the task with ENGAGE_STAGE (which stage) and ENGAGE_EVENT
(the execution input as JSON) in the container environment; the summary goes to
stdout (CloudWatch Logs) and the exit status tells ECS whether the task failed.
"""

from __future__ import annotations

import json
import os
import sys

from engage.stages.services import Services
from engage.stages.tasks import EVENT_VARIABLE, STAGES


def main() -> int:
    """Run one stage from the environment; 0 on success, 1 on failure, 2 on bad setup."""
    stage = os.environ.get("ENGAGE_STAGE", "")
    if stage not in STAGES:
        print(f"ENGAGE_STAGE must be one of {', '.join(STAGES)}; got {stage!r}", file=sys.stderr)
        return 2
    try:
        event = json.loads(os.environ.get(EVENT_VARIABLE, "{}"))
    except json.JSONDecodeError as err:
        print(f"{EVENT_VARIABLE} is not JSON: {err}", file=sys.stderr)
        return 2
    with Services.from_settings() as services:
        try:
            summary = STAGES[stage].run(event, services)
        except Exception as err:
            print(json.dumps({"stage": stage, "error": type(err).__name__, "cause": str(err)}))
            return 1
    print(json.dumps(summary, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
