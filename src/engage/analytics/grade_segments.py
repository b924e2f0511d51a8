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
    """ARI of K-Means and HDBSCAN against `persona` (rows aligned), and name agreement.

    Personas are factorised to integer codes first: sklearn's contingency table sorts
    its labels, and sorting a million strings four times costs seconds.
    """
    codes, labels = pd.factorize(np.asarray(persona, dtype=object))
    known = codes >= 0  # a customer the truth does not know
    codes, segment_id, hdb = codes[known], segment_id[known], hdbscan_label[known]
    noise = list(labels).index(NOISE) if NOISE in labels else -1
    described = codes != noise
    clustered = hdb >= 0
    return {
        "customers_graded": int(known.sum()),
        "kmeans_ari": _ari(codes, segment_id),
        "kmeans_ari_without_noise": _ari(codes[described], segment_id[described]),
        "hdbscan_ari": _ari(codes, hdb),
        "hdbscan_ari_clustered": _ari(codes[clustered], hdb[clustered]),
        "hdbscan_outlier_share": round(float(1 - clustered.mean()), 4) if len(hdb) else None,
        "segment_majority_persona": _majority(codes, segment_id, list(labels), names),
    }


def _majority(
    codes: np.ndarray, segment_id: np.ndarray, labels: list[str], names: list[str]
) -> dict[str, str]:
    """Each named segment's most common persona."""
    if not len(codes) or not labels:
        return {}
    counts = np.zeros((len(names), len(labels)), dtype=np.int64)
    np.add.at(counts, (segment_id, codes), 1)
    return {
        names[s]: str(labels[int(counts[s].argmax())]) for s in range(len(names)) if counts[s].any()
    }


def _ari(truth: np.ndarray, labels: np.ndarray) -> float | None:
    return round(float(adjusted_rand_score(truth, labels)), 4) if len(truth) else None
