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

With `use_bounds` (default) each check uses the one-sided 95% bound in the
model's favour (`di_upper`, `eo_lower`): a version is blocked when the data show
the disparity beyond reasonable sampling noise, not when a small group's point
estimate happens to dip (at 20K customers a fair churn model's region DI read 0.75
with labels at 0.93). `use_bounds=False` judges the point estimates.

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
    use_bounds: bool = True

    def check(self, fairness: dict) -> tuple[bool, list[str]]:
        """(passed, reasons for each failure) for one decision's fairness report."""
        failures = []
        for attribute, result in fairness["attributes"].items():
            if "di_ratio" not in result:
                continue
            bar = self.min_di
            if self.basis == "labels":
                bar = min(bar, result["labels_di_ratio"])
            di = result["di_upper"] if self.use_bounds else result["di_ratio"]
            eo = result["eo_lower"] if self.use_bounds else result["eo_difference"]
            kind = "95% bound" if self.use_bounds else "estimate"
            if di < bar - self.tolerance:
                failures.append(
                    f"{fairness['decision']}/{attribute}: disparate impact {kind} "
                    f"{di:.3f} (estimate {result['di_ratio']:.3f}) < {bar:.3f} - "
                    f"{self.tolerance:g} ({result['lowest_group']} vs {result['highest_group']})"
                )
            if eo > self.max_eod + self.tolerance:
                failures.append(
                    f"{fairness['decision']}/{attribute}: equalized odds difference {kind} "
                    f"{eo:.3f} > {self.max_eod:g} + {self.tolerance:g}"
                )
        return not failures, failures

    def as_dict(self) -> dict:
        return {
            "min_di": self.min_di,
            "max_eod": self.max_eod,
            "tolerance": self.tolerance,
            "basis": self.basis,
            "use_bounds": self.use_bounds,
        }
