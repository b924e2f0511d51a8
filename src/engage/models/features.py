"""Feature engineering shared by training, batch inference and the API.

Columns come from the contract, not from the data, so a model trained on one
file always sees the same columns in the same order at inference time (a missing
category in a small batch cannot shift the matrix).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from engage.contract import CUSTOMERS, MODEL_INPUTS
from engage.contract.outputs import INTERACTIONS

AGE_BAND_EDGES = (18, 25, 35, 45, 55)  # lower bounds: 18-24, 25-34, 35-44, 45-54, 55+

# Seed §4.4 interaction features: name -> (left column, right column).


@dataclass(frozen=True)
class FeatureSpec:
    """Which contract columns feed a model; everything else is derived from the contract."""

    columns: tuple[str, ...] = MODEL_INPUTS
    interactions: bool = True
    age_bins: bool = False  # seed §2.4.3: age in bins (18-24, 25-34, ...) to reduce granularity

    def to_meta(self) -> dict:
        """What rebuilds this spec from a model's JSON metadata."""
        return {
            "columns": list(self.columns),
            "interactions": self.interactions,
            "age_bins": self.age_bins,
        }

    @classmethod
    def from_meta(cls, meta: dict) -> FeatureSpec:
        return cls(tuple(meta["columns"]), meta["interactions"], meta.get("age_bins", False))

    @property
    def numeric(self) -> list[str]:
        return [c for c in self.columns if not CUSTOMERS.column(c).is_categorical]

    @property
    def categorical(self) -> list[str]:
        return [c for c in self.columns if CUSTOMERS.column(c).is_categorical]

    def feature_names(self) -> list[str]:
        """Matrix column names: numeric, one-hot `<column>=<category>`, interactions."""
        names = list(self.numeric)
        for col in self.categorical:
            names += [f"{col}={cat}" for cat in CUSTOMERS.column(col).categories]
        if self.interactions:
            names += [n for n, (a, b) in INTERACTIONS.items() if a in names and b in names]
        return names

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """float32 design matrix; nulls stay NaN (XGBoost treats them as missing)."""
        parts = [self._numeric(frame)]
        for col in self.categorical:
            codes = self._codes(frame, col)
            onehot = np.zeros((len(frame), len(CUSTOMERS.column(col).categories)), np.float32)
            known = codes >= 0
            onehot[np.flatnonzero(known), codes[known]] = 1.0
            parts.append(onehot)
        if self.interactions:
            parts.append(self._interactions(frame))
        return np.hstack(parts)

    def coded_matrix(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """(float32 matrix, categorical mask): `matrix` with one column of category codes
        per categorical (NaN when unknown) in place of its one-hot block.

        For learners with native categorical splits (scikit-learn's HistGradientBoosting):
        the same information in ~40 columns instead of ~120, so a fit costs a third.
        """
        parts = [self._numeric(frame)]
        parts += [self._codes(frame, c).astype(np.float32)[:, None] for c in self.categorical]
        if self.interactions:
            parts.append(self._interactions(frame))
        x = np.hstack(parts)
        mask = np.zeros(x.shape[1], dtype=bool)
        mask[len(self.numeric) : len(self.numeric) + len(self.categorical)] = True
        x[:, mask] = np.where(x[:, mask] < 0, np.nan, x[:, mask])
        return x, mask

    def _numeric(self, frame: pd.DataFrame) -> np.ndarray:
        missing = [c for c in self.columns if c not in frame.columns]
        if missing:
            raise KeyError(f"input lacks feature column(s): {', '.join(missing)}")
        numeric = frame[self.numeric].to_numpy(dtype=np.float32, na_value=np.nan)
        if self.age_bins and "age" in self.numeric:
            at = self.numeric.index("age")
            edges = np.asarray(AGE_BAND_EDGES, dtype=np.float32)
            numeric[:, at] = edges[
                np.clip(np.searchsorted(edges, numeric[:, at], "right") - 1, 0, None)
            ]
        return numeric

    @staticmethod
    def _codes(frame: pd.DataFrame, col: str) -> np.ndarray:
        """Category codes in the contract's order; -1 for null or unknown values."""
        # get_indexer, not pd.Categorical: pandas 4 raises on values outside the categories
        return pd.Index(CUSTOMERS.column(col).categories).get_indexer(frame[col])

    def _interactions(self, frame: pd.DataFrame) -> np.ndarray:
        cols = [
            frame[a].to_numpy(dtype=np.float32) * frame[b].to_numpy(dtype=np.float32)
            for a, b in INTERACTIONS.values()
            if a in self.numeric and b in self.numeric
        ]
        return np.column_stack(cols) if cols else np.empty((len(frame), 0), np.float32)
