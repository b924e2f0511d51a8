"""The social graph: planted communities, power-law degrees, influencers, centrality.

A degree-corrected stochastic block model (seed §3.4, issue 17): every customer
belongs to one planted community (sizes log-uniform in [COMMUNITY_MIN, COMMUNITY_MAX],
so about 70 communities per 100K customers: 72 at seed 42), and both ends of every edge are drawn
with probability proportional to a heavy-tailed weight, which keeps the power-law
degrees and the few super-connectors of the Chung-Lu model this replaces. A share
MIXING of an ordinary customer's edges leave the community (80/20 within/between).

Influencers: INFLUENCER_SHARE of each community (at least one), drawn at random so
they are not simply its organic hubs, get their weight boosted by INFLUENCER_BOOST,
and INFLUENCER_MIXING of their edges reach out of the block. True influence, the
generator's truth, is the expected reach of a customer's edges weighted by how far
they travel: expected degree x (1 + the customer's mixing share); the top 1% by it
are the true influencers. The graph is built per generator chunk, so communities
and centrality are within a chunk; community ids are unique across chunks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.linalg import ArpackNoConvergence, eigsh

from engage.arrays import sorted_unique

MEAN_DEGREE = 30.0
PARETO_SHAPE = 2.1
COMMUNITY_MIN, COMMUNITY_MAX = 250, 5_000
MIXING = 0.2  # share of an ordinary customer's edges that leave its community
INFLUENCER_SHARE = 0.01  # per community: 1% (at least one), at random, are influencers
INFLUENCER_BOOST = 3.0  # their weight is multiplied by this
INFLUENCER_MIXING = 0.5  # and this share of their edges leave the community
CHUNK_COMMUNITY_STRIDE = 100_000  # community id = chunk index * stride + local id


@dataclass(frozen=True)
class Graph:
    """Edges as index pairs (src < dst) within one chunk, plus node statistics and truth."""

    src: np.ndarray
    dst: np.ndarray
    degree: np.ndarray
    centrality: np.ndarray
    community: np.ndarray  # planted community id of each node (truth)
    true_influence: np.ndarray  # expected degree x (1 + out-of-community share) (truth)

    def truth(self) -> dict[str, np.ndarray]:
        """The ground_truth columns this graph contributes."""
        return {"community": self.community, "true_influence": self.true_influence}


def build_graph(rng: np.random.Generator, sociality: np.ndarray, chunk_index: int = 0) -> Graph:
    """Draw an undirected simple graph with planted communities and influencers."""
    n = len(sociality)
    community = _communities(rng, n)
    weights = (1.0 + rng.pareto(PARETO_SHAPE, n)) * np.exp(0.5 * sociality)
    influencer = _influencers(community, rng.random(n))
    weights = np.where(influencer, weights * INFLUENCER_BOOST, weights)
    mixing = np.where(influencer, INFLUENCER_MIXING, MIXING)
    src, dst = _edges(rng, community, weights, mixing)
    degree = np.bincount(src, minlength=n) + np.bincount(dst, minlength=n)
    expected_degree = MEAN_DEGREE * weights / weights.mean()
    return Graph(
        src,
        dst,
        degree.astype(np.int32),
        eigenvector_centrality(src, dst, n),
        community + chunk_index * CHUNK_COMMUNITY_STRIDE,
        expected_degree * (1.0 + mixing),
    )


def _communities(rng: np.random.Generator, n: int) -> np.ndarray:
    """Community of each node: log-uniform sizes, members in random order (not by id)."""
    sizes: list[int] = []
    while sum(sizes) < n:
        sizes.append(int(np.exp(rng.uniform(np.log(COMMUNITY_MIN), np.log(COMMUNITY_MAX)))))
    labels = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)[:n]
    rng.shuffle(labels)
    return labels


def _influencers(community: np.ndarray, key: np.ndarray) -> np.ndarray:
    """INFLUENCER_SHARE of each community (at least one member): those lowest by `key`."""
    order = np.lexsort((key, community))  # by community, then key
    sizes = np.bincount(community)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.empty(len(community), dtype=np.int64)
    rank[order] = np.arange(len(community)) - np.repeat(starts, sizes)
    quota = np.maximum(1, np.round(INFLUENCER_SHARE * sizes)).astype(np.int64)
    return rank < quota[community]


def _edges(
    rng: np.random.Generator, community: np.ndarray, weights: np.ndarray, mixing: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Both ends weight-proportional; the second end stays in the first's community
    unless the first end's mixing share sends the edge out (then it is drawn globally).

    Nodes are laid out by community so each community is one contiguous slice of the
    cumulative weights: a draw within a community is a draw within that slice.
    """
    n = len(weights)
    m = int(n * MEAN_DEGREE / 2)
    order = np.argsort(community, kind="stable")
    cdf = np.cumsum(weights[order]) / weights.sum()
    sizes = np.bincount(community)
    hi_idx = np.cumsum(sizes) - 1
    hi = cdf[hi_idx]
    lo = np.concatenate([[0.0], hi[:-1]])
    a = _endpoints(rng, cdf, m)  # positions in the community-sorted layout
    out = rng.random(m) < mixing[order[a]]
    c = community[order[a]]
    u = rng.random(m)
    target = np.where(out, u, lo[c] + u * (hi[c] - lo[c]))
    b = np.searchsorted(cdf, target, side="right").clip(0, n - 1)
    a, b = order[a], order[b]
    src, dst = np.minimum(a, b), np.maximum(a, b)
    keep = src != dst
    pairs = sorted_unique(src[keep].astype(np.int64) * n + dst[keep])
    return (pairs // n).astype(np.int32), (pairs % n).astype(np.int32)


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
