"""Grade a segmentation against the generator's planted personas (a report, never an input).

The adjusted Rand index compares two partitions up to relabelling (0: chance, 1:
identical). It is reported over every customer (the truth's "noise" share counts as
one more group, which no segmentation can recover as such) and over the customers a
persona describes. HDBSCAN is graded on the customers it clusters and by the share
it leaves as outliers. Each named segment is shown with the persona most of its
customers have, which tells whether the naming rule found the right name.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

NOISE = "noise"


def grade(
    persona: np.ndarray, segment_id: np.ndarray, names: list[str], hdbscan_label: np.ndarray
) -> dict[str, Any]:
    """ARI of K-Means and HDBSCAN against `persona` (rows aligned), and name agreement."""
    persona = np.asarray(persona, dtype=object)
    known = pd.notna(persona)
    persona, segment_id, hdb = persona[known], segment_id[known], hdbscan_label[known]
    described = persona != NOISE
    clustered = hdb >= 0
    majority = pd.crosstab(segment_id, persona).idxmax(axis=1)
    return {
        "customers_graded": int(known.sum()),
        "kmeans_ari": _ari(persona, segment_id),
        "kmeans_ari_without_noise": _ari(persona[described], segment_id[described]),
        "hdbscan_ari": _ari(persona, hdb),
        "hdbscan_ari_clustered": _ari(persona[clustered], hdb[clustered]),
        "hdbscan_outlier_share": round(float(1 - clustered.mean()), 4) if len(hdb) else None,
        "segment_majority_persona": {
            names[int(s)]: str(p) for s, p in majority.items() if 0 <= int(s) < len(names)
        },
    }


def _ari(truth: np.ndarray, labels: np.ndarray) -> float | None:
    return round(float(adjusted_rand_score(truth, labels)), 4) if len(truth) else None
