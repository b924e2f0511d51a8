"""Honest grading: choices are made on validation data carved from training, never on test.

Hyperparameters, thresholds, early stopping and the promotion decision all look at a
validation split carved out of the TRAINING data; the test split is read once, for the
report. Two guards make that checkable:

* `mark_test(frame)` tags a frame read from the test split (`frame.attrs["split"]`);
  the lake data the plans read marks the test split this way.
* `refuse_test(*frames)` raises `TestDataInChoiceError` when a tagged frame reaches a
  function that chooses something (every model's `fit`, the churn threshold and
  confidence choosers), so a plan that hands test rows to a choice fails loudly.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

SPLIT_ATTR = "split"
TEST = "test"


class TestDataInChoiceError(ValueError):
    """A choice (fit, threshold, hyperparameter, promotion) was handed test-split data."""

    __test__ = False  # not a pytest test class


def mark_test(frame: pd.DataFrame) -> pd.DataFrame:
    """Tag `frame` (in place, and return it) as rows of the test split."""
    frame.attrs[SPLIT_ATTR] = TEST
    return frame


def is_test(value: Any) -> bool:
    return isinstance(value, pd.DataFrame | pd.Series) and value.attrs.get(SPLIT_ATTR) == TEST


def refuse_test(*values: Any, choice: str = "a choice") -> None:
    """Raise if any argument is a frame tagged as the test split."""
    if any(is_test(v) for v in values):
        raise TestDataInChoiceError(
            f"{choice} was handed test-split data; choose on a validation split carved "
            "from training (the test split is for the report only)"
        )
