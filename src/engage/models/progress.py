"""Boosting-round progress for the XGBoost models, as a plain callback.

The models know nothing of the pipeline or a display: `fit(..., on_round=f)` calls
`f(done, total)` after each round (`total` is the round budget; early stopping
may end sooner, and the last call then says where it stopped).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import xgboost as xgb

OnRound = Callable[[int, int], None]


class _Rounds(xgb.callback.TrainingCallback):
    def __init__(self, on_round: OnRound, total: int) -> None:
        super().__init__()
        self.on_round, self.total, self.done = on_round, total, 0

    def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
        self.done = epoch + 1
        self.on_round(self.done, self.total)
        return False  # never stops training

    def after_training(self, model: Any) -> Any:
        self.on_round(self.total, self.total)  # finished (early stopping included)
        return model


def round_callbacks(on_round: OnRound | None, total: int) -> list[xgb.callback.TrainingCallback]:
    """The callbacks list for `xgb.train` (empty when nobody listens)."""
    return [] if on_round is None else [_Rounds(on_round, total)]
