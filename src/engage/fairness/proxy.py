"""Proxy detection: features that stand in for a protected attribute (seed §2.4.3).

A model that never sees gender can still discriminate by gender through a feature
that encodes it. Every candidate feature is measured against each monitored
attribute (age, gender, location) with a strength on the same 0-1 scale:

* numeric feature vs age: |Pearson r| (the seed's own measure);
* numeric feature vs a categorical attribute, or a categorical feature vs age: the
  correlation ratio eta (the share of variance the groups explain, square-rooted;
  equal to |r| for two groups);
* categorical vs categorical: Cramér's V, with normalised mutual information
  reported beside it.

A feature whose strength exceeds the threshold (seed: 0.6) is a proxy: excluded
from the model or only flagged, per ENGAGE_PROXY_ACTION. The report says which
feature, which attribute, which measure and how strong.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency
from sklearn.metrics import normalized_mutual_info_score

from engage.contract import CUSTOMERS

PROTECTED = ("age", "gender", "location")
THRESHOLD = 0.6
MAX_ROWS = 20_000  # strengths are stable to ~0.01 at this size, and it takes ~1-2 s


@dataclass(frozen=True)
class Association:
    feature: str
    attribute: str
    measure: str
    strength: float
    mutual_information: float | None = None


def _categorical(name: str) -> bool:
    return CUSTOMERS.column(name).is_categorical


def correlation_ratio(groups: pd.Series, values: pd.Series) -> float:
    """eta: sqrt(between-group variance / total variance) of `values` by `groups`."""
    frame = pd.DataFrame({"g": groups.astype(str), "v": values.astype(float)}).dropna()
    total = ((frame["v"] - frame["v"].mean()) ** 2).sum()
    if total == 0 or frame["g"].nunique() < 2:
        return 0.0
    stats = frame.groupby("g")["v"].agg(["mean", "count"])
    between = (stats["count"] * (stats["mean"] - frame["v"].mean()) ** 2).sum()
    return float(np.sqrt(between / total))


def cramers_v(a: pd.Series, b: pd.Series) -> float:
    """Cramér's V of two categorical columns (0: independent, 1: one determines the other)."""
    table = pd.crosstab(a.astype(str), b.astype(str))
    if min(table.shape) < 2:
        return 0.0
    chi2 = chi2_contingency(table, correction=False)[0]
    return float(np.sqrt(chi2 / (table.to_numpy().sum() * (min(table.shape) - 1))))


def associate(frame: pd.DataFrame, feature: str, attribute: str) -> Association:
    """The strength of association of one feature with one protected attribute."""
    f, a = frame[feature], frame[attribute]
    if _categorical(feature) and _categorical(attribute):
        nmi = normalized_mutual_info_score(a.astype(str), f.astype(str))
        return Association(feature, attribute, "cramers_v", cramers_v(f, a), float(nmi))
    if _categorical(attribute):
        return Association(feature, attribute, "eta", correlation_ratio(a, f))
    if _categorical(feature):
        return Association(feature, attribute, "eta", correlation_ratio(f, a))
    r = pd.concat([f, a], axis=1).dropna().astype(float).corr().iloc[0, 1]
    return Association(feature, attribute, "pearson_abs", float(abs(np.nan_to_num(r))))


def proxy_report(
    frame: pd.DataFrame,
    features: Sequence[str],
    threshold: float = THRESHOLD,
    action: Literal["exclude", "flag"] = "exclude",
    seed: int = 0,
) -> dict:
    """Every feature's strongest association per protected attribute, and the proxies."""
    sample = frame.sample(min(len(frame), MAX_ROWS), random_state=seed)
    found = [
        associate(sample, feature, attribute)
        for feature in features
        if feature not in PROTECTED
        for attribute in PROTECTED
    ]
    proxies = [a for a in found if a.strength > threshold]
    excluded = sorted({a.feature for a in proxies}) if action == "exclude" else []
    return {
        "threshold": threshold,
        "action": action,
        "rows": len(sample),
        "proxies": [asdict(a) for a in proxies],
        "excluded": excluded,
        "strongest": [asdict(a) for a in sorted(found, key=lambda a: -a.strength)[:10]],
    }
