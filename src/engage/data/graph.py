"""The social graph: power-law degrees and eigenvector centrality.

A Chung-Lu model draws both ends of each edge with probability proportional to a
heavy-tailed weight, which yields a few super-connectors (seed §3.4). The graph is
built per community (one generator chunk); at the default size that is the whole
population, so centrality is exact there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import ArpackNoConvergence, eigsh

from engage.data.random import sorted_unique

MEAN_DEGREE = 30.0
PARETO_SHAPE = 2.1


@dataclass(frozen=True)
class Graph:
    """Edges as index pairs (src < dst) within one community, plus node statistics."""

    src: np.ndarray
    dst: np.ndarray
    degree: np.ndarray
    centrality: np.ndarray


def build_graph(rng: np.random.Generator, sociality: np.ndarray) -> Graph:
    """Draw an undirected simple graph whose degrees follow a power law."""
    n = len(sociality)
    weights = (1.0 + rng.pareto(PARETO_SHAPE, n)) * np.exp(0.5 * sociality)
    m = int(n * MEAN_DEGREE / 2)
    cdf = np.cumsum(weights) / weights.sum()
    a, b = _endpoints(rng, cdf, m), _endpoints(rng, cdf, m)
    src, dst = np.minimum(a, b), np.maximum(a, b)
    keep = src != dst
    pairs = sorted_unique(src[keep].astype(np.int64) * n + dst[keep])
    src, dst = (pairs // n).astype(np.int32), (pairs % n).astype(np.int32)
    degree = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    return Graph(src, dst, degree.astype(np.int32), eigenvector_centrality(src, dst, n))


def _endpoints(rng: np.random.Generator, cdf: np.ndarray, m: int) -> np.ndarray:
    """m iid draws from the weights: sorted queries keep searchsorted cache-friendly,
    and a shuffle restores independence between the two ends of each edge."""
    idx = np.searchsorted(cdf, np.sort(rng.random(m)), side="right").clip(0, len(cdf) - 1)
    rng.shuffle(idx)
    return idx


def eigenvector_centrality(src: np.ndarray, dst: np.ndarray, n: int) -> np.ndarray:
    """Leading eigenvector of the adjacency matrix, scaled so the maximum is 1."""
    if len(src) == 0 or n < 3:
        return np.zeros(n)
    data = np.ones(len(src) * 2, dtype=np.float64)
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    adj = coo_matrix((data, (rows, cols)), shape=(n, n)).tocsr()
    try:
        _, vec = eigsh(adj, k=1, which="LA", tol=1e-6, v0=np.ones(n))
        vec = np.abs(vec[:, 0])
    except ArpackNoConvergence:  # fall back to plain power iteration
        vec = _power_iteration(adj)
    top = vec.max()
    return vec / top if top > 0 else vec


def _power_iteration(adj: object, steps: int = 200) -> np.ndarray:
    vec = np.ones(adj.shape[0])  # type: ignore[attr-defined]
    for _ in range(steps):
        nxt = adj @ vec + vec  # shifted to avoid oscillation on bipartite parts
        vec = nxt / np.linalg.norm(nxt)
    return vec
