"""Grade the network analysis against the generator's truth (a report, never an input).

NMI between detected and planted communities; precision of the top 1% by the
influence score against the top 1% by true influence; betweenness sampling error
against exact betweenness on a small graph.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import normalized_mutual_info_score

from engage.analytics import network


def community_nmi(detected: np.ndarray, planted: np.ndarray) -> float:
    """Normalised mutual information (arithmetic mean normalisation), 1 = identical."""
    return float(normalized_mutual_info_score(planted, detected))


def influencer_precision(score: np.ndarray, truth: np.ndarray, share: float = 0.01) -> float:
    """Share of the top `share` by score that are in the top `share` by true influence."""
    ours = set(network.top_share(score, share).tolist())
    true = set(network.top_share(truth, share).tolist())
    return len(ours & true) / max(1, len(ours))


def betweenness_error(src: np.ndarray, dst: np.ndarray, n: int, pivots: int, seed: int = 0) -> dict:
    """Sampled vs exact betweenness on one graph: Spearman rho, top-1% overlap, relative error."""
    from scipy.stats import spearmanr

    graph = network.to_igraph(src, dst, n)
    exact = network.sampled_betweenness(graph, n, seed)  # every node a pivot: exact
    approx = network.sampled_betweenness(graph, pivots, seed)
    top = network.top_share(exact, 0.01)
    return {
        "nodes": n,
        "edges": len(src),
        "pivots": pivots,
        "spearman": round(float(spearmanr(exact, approx).statistic), 4),
        "top1pct_overlap": round(
            len(set(top.tolist()) & set(network.top_share(approx, 0.01).tolist())) / len(top), 4
        ),
        "median_relative_error_top10pct": round(
            float(np.median(np.abs(approx - exact)[_top(exact)] / exact[_top(exact)])), 4
        ),
    }


def _top(values: np.ndarray) -> np.ndarray:
    return network.top_share(values, 0.10)
