"""The fairness release gate: a version whose decisions fail it is never promoted.

For every monitored attribute with at least two judged groups:

* equalized odds: the TPR/FPR gap must not exceed `max_eod` (+ tolerance): the model
  must err about equally for every group;
* disparate impact (the 80% rule): the lowest group's selection rate must be at least
  `min_di` of the highest (- tolerance). With `basis="labels"` (default) the bar is
  `min(min_di, DI of the observed outcomes)`: when the outcomes themselves differ by
  group (in this data, engagement is truly lower for 55+), a faithful model is not
  blocked for reproducing them, but it may not widen the gap. `basis="absolute"`
  applies the plain 80% rule.

Groups with fewer rows than the metrics' `min_rows` are reported but not judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class FairnessGate:
    min_di: float = 0.8
    max_eod: float = 0.1
    tolerance: float = 0.05
    basis: Literal["labels", "absolute"] = "labels"

    def check(self, fairness: dict) -> tuple[bool, list[str]]:
        """(passed, reasons for each failure) for one decision's fairness report."""
        failures = []
        for attribute, result in fairness["attributes"].items():
            if "di_ratio" not in result:
                continue
            bar = self.min_di
            if self.basis == "labels":
                bar = min(bar, result["labels_di_ratio"])
            if result["di_ratio"] < bar - self.tolerance:
                failures.append(
                    f"{fairness['decision']}/{attribute}: disparate impact "
                    f"{result['di_ratio']:.3f} < {bar:.3f} - {self.tolerance:g} "
                    f"({result['lowest_group']} vs {result['highest_group']})"
                )
            if result["eo_difference"] > self.max_eod + self.tolerance:
                failures.append(
                    f"{fairness['decision']}/{attribute}: equalized odds difference "
                    f"{result['eo_difference']:.3f} > {self.max_eod:g} + {self.tolerance:g}"
                )
        return not failures, failures

    def as_dict(self) -> dict:
        return {
            "min_di": self.min_di,
            "max_eod": self.max_eod,
            "tolerance": self.tolerance,
            "basis": self.basis,
        }
