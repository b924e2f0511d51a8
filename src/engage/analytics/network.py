"""Social network analysis (seed use case 5): centrality, communities, embeddings, influencers.

Everything runs on the undirected `social_edges` graph as integer node indices:
- eigenvector centrality (igraph, ARPACK), scaled so the maximum is 1;
- betweenness from BETWEENNESS_PIVOTS sampled source nodes (Brandes restricted to
  those sources, scaled by n / pivots): exact betweenness is O(n m), hours at 100K;
  the sampling error is measured against exact on a small graph by
  bench/analytics_network.py;
- Louvain communities (igraph's multilevel modularity, a C implementation;
  networkx's is far too slow at 1.5M edges), seeded for reproducibility;
- node embeddings: DeepWalk as matrix factorisation (Qiu et al., NetMF). DeepWalk's
  skip-gram on random walks of window T implicitly factorises
  vol(G)/T * sum_r (D^-1 A)^r D^-1; with the top eigenpairs of the normalised
  adjacency D^-1/2 A D^-1/2 = U L U^T that matrix is D^-1/2 U F(L) U^T D^-1/2 with
  F(l) = mean_r l^r, so X = D^-1/2 U sqrt(max(F(L), 0)) factorises it without
  simulating a single walk (the elementwise log of NetMF is left out: it would need
  the dense n x n matrix);
- influence: degree x (1 + share of the customer's edges leaving its detected
  community): reach, counting edges that carry word across communities double.
  The top INFLUENCER_SHARE by it are the influencers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix

BETWEENNESS_PIVOTS = 16
EMBEDDING_DIMS = 16
WALK_WINDOW = 5  # DeepWalk's window T
OVERSAMPLE = 8  # extra columns of the subspace iteration
POWER_STEPS = 3
INFLUENCER_SHARE = 0.01
TOP_MEMBERS = 5


@dataclass(frozen=True)
class NetworkResult:
    """Per-node metrics (aligned with the node indices) plus the chosen influencers."""

    degree: np.ndarray
    eigenvector: np.ndarray
    betweenness: np.ndarray
    community: np.ndarray
    influence: np.ndarray
    embedding: np.ndarray  # (n, EMBEDDING_DIMS) float32
    influencers: np.ndarray  # node indices, most influential first
    modularity: float


def analyse(
    src: np.ndarray, dst: np.ndarray, n: int, seed: int = 0, pivots: int = BETWEENNESS_PIVOTS
) -> NetworkResult:
    """Every network metric of an undirected graph given as edge index pairs.

    BLAS runs single-threaded: the stage runs beside five training branches, and a
    contended multi-threaded OpenBLAS made the embedding's QR steps 10x slower here.
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _analyse(src, dst, n, seed, pivots)


def _analyse(src: np.ndarray, dst: np.ndarray, n: int, seed: int, pivots: int) -> NetworkResult:
    graph = to_igraph(src, dst, n)
    degree = np.asarray(graph.degree(), dtype=np.int64)
    community, modularity = louvain(graph, seed)
    influence = influence_score(src, dst, degree, community)
    return NetworkResult(
        degree=degree,
        eigenvector=eigenvector(graph),
        betweenness=sampled_betweenness(graph, pivots, seed),
        community=community,
        influence=influence,
        embedding=embed(src, dst, n, EMBEDDING_DIMS, seed),
        influencers=top_share(influence, INFLUENCER_SHARE),
        modularity=modularity,
    )


def to_igraph(src: np.ndarray, dst: np.ndarray, n: int):  # type: ignore[no-untyped-def]
    """An igraph Graph; add_edges takes the (m, 2) array without a Python list of tuples."""
    import igraph as ig

    graph = ig.Graph(n=n, directed=False)
    graph.add_edges(np.column_stack([src, dst]).astype(np.int64))
    return graph


def eigenvector(graph) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Eigenvector centrality scaled to max 1 (zeros for an edgeless graph)."""
    if graph.ecount() == 0:
        return np.zeros(graph.vcount())
    import warnings

    with warnings.catch_warnings():  # disconnected graphs: isolated nodes score 0, as intended
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(graph.eigenvector_centrality(scale=True), dtype=np.float64)


def sampled_betweenness(graph, pivots: int, seed: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Betweenness estimated from `pivots` random sources, scaled to the full sum.

    Normalised like networkx's: divided by (n-1)(n-2)/2 pairs, so 1 is the centre of a star.
    """
    n = graph.vcount()
    if n < 3 or graph.ecount() == 0:
        return np.zeros(n)
    k = min(pivots, n)
    sources = np.random.default_rng(seed).choice(n, k, replace=False)
    raw = np.asarray(graph.betweenness(directed=False, sources=sources.tolist()), dtype=float)
    # with every node as a source this equals exact betweenness (each pair once), so
    # k sources estimate it scaled by n / k
    return raw * (n / k) / ((n - 1) * (n - 2) / 2)


def louvain(graph, seed: int) -> tuple[np.ndarray, float]:  # type: ignore[no-untyped-def]
    """Louvain (multilevel modularity) communities; igraph's RNG seeded for repeatability."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        parts = graph.community_multilevel()
    finally:
        ig.set_random_number_generator(random)
    return np.asarray(parts.membership, dtype=np.int64), float(parts.modularity)


def influence_score(
    src: np.ndarray, dst: np.ndarray, degree: np.ndarray, community: np.ndarray
) -> np.ndarray:
    """Degree x (1 + share of edges to another detected community)."""
    cross = community[src] != community[dst]
    n = len(degree)
    outside = np.bincount(src[cross], minlength=n) + np.bincount(dst[cross], minlength=n)
    share = np.divide(outside, degree, out=np.zeros(n), where=degree > 0)
    return degree * (1.0 + share)


def top_share(score: np.ndarray, share: float) -> np.ndarray:
    """Indices of the top `share` of nodes by score (at least one), highest first."""
    k = max(1, round(share * len(score)))
    top = np.argpartition(-score, min(k, len(score)) - 1)[:k]
    return top[np.argsort(-score[top], kind="stable")]


def embed(src: np.ndarray, dst: np.ndarray, n: int, dims: int, seed: int) -> np.ndarray:
    """DeepWalk-as-factorisation embedding (see the module docstring), float32 (n, dims)."""
    out = np.zeros((n, dims), dtype=np.float32)
    if len(src) == 0 or n <= dims + OVERSAMPLE:
        return out
    rows, cols = np.concatenate([src, dst]), np.concatenate([dst, src])
    degree = np.bincount(rows, minlength=n).astype(np.float64)
    inv_sqrt = np.divide(1.0, np.sqrt(degree), out=np.zeros(n), where=degree > 0)
    norm = csr_matrix((inv_sqrt[rows] * inv_sqrt[cols], (rows, cols)), shape=(n, n))
    lam, u = top_eigenpairs(norm, dims, seed)
    filt = np.mean([lam**r for r in range(1, WALK_WINDOW + 1)], axis=0)
    vectors = inv_sqrt[:, None] * u * np.sqrt(np.clip(filt, 0, None))[None, :]
    out[:] = vectors * np.sqrt(degree.sum() / WALK_WINDOW)
    return out


def top_eigenpairs(sym: csr_matrix, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest eigenpairs of a symmetric sparse matrix by block subspace iteration
    with a Rayleigh-Ritz step: POWER_STEPS + 2 sparse products with an (n, k + OVERSAMPLE)
    block. The matrix is symmetric, so no transpose products (randomized_svd does them),
    and the embedding needs the leading subspace, not eigenvalues to 1e-6 (ARPACK)."""
    rng = np.random.default_rng(seed)
    block, _ = np.linalg.qr(sym @ rng.standard_normal((sym.shape[0], k + OVERSAMPLE)))
    for _ in range(POWER_STEPS):
        block, _ = np.linalg.qr(sym @ block)
    lam, vec = np.linalg.eigh(block.T @ (sym @ block))
    top = np.argsort(-lam)[:k]
    return lam[top], block @ vec[:, top]


def community_rows(
    community: np.ndarray, src: np.ndarray, dst: np.ndarray
) -> dict[str, np.ndarray]:
    """Per detected community: size and the density of its internal edges."""
    ids, sizes = np.unique(community, return_counts=True)
    same = community[src] == community[dst]
    internal = np.bincount(community[src[same]], minlength=ids.max() + 1)[ids]
    pairs = sizes * (sizes - 1) / 2
    density = np.divide(internal, pairs, out=np.zeros(len(ids)), where=pairs > 0)
    return {"community_id": ids, "size": sizes, "internal_edges": internal, "density": density}


def community_rank(community: np.ndarray, influence: np.ndarray) -> np.ndarray:
    """Each node's rank by influence within its community (1 = most influential).

    The top members of a community are the rows ranked <= TOP_MEMBERS: kept per customer
    row, not as a list of ids in the communities table, so erasing a customer's rows
    erases them from the top members too.
    """
    order = np.lexsort((-influence, community))
    sorted_comm = community[order]
    starts = np.searchsorted(sorted_comm, sorted_comm)  # first position of each one's community
    rank = np.empty(len(community), dtype=np.int64)
    rank[order] = np.arange(len(community)) - starts + 1
    return rank
