"""Social network analysis: exactness where it can be exact, recovery of planted structure."""

from __future__ import annotations

import igraph as ig
import numpy as np
import pytest
from scipy.stats import spearmanr

from engage.analytics import grade_network, network
from engage.data import graph


@pytest.fixture(scope="module")
def planted() -> graph.Graph:
    """A planted-community graph of 3,000 customers from the generator itself."""
    return graph.build_graph(np.random.default_rng(3), np.zeros(3_000))


@pytest.fixture(scope="module")
def result(planted: graph.Graph) -> network.NetworkResult:
    return network.analyse(planted.src, planted.dst, 3_000, seed=1)


def test_louvain_recovers_the_planted_communities(planted, result) -> None:
    assert len(np.unique(planted.community)) >= 3
    assert grade_network.community_nmi(result.community, planted.community) >= 0.7


def test_influencers_are_the_top_percent_by_influence(planted, result) -> None:
    assert len(result.influencers) == 30
    assert result.influence[result.influencers].min() >= np.sort(result.influence)[-30]
    assert grade_network.influencer_precision(result.influence, planted.true_influence) > 0.5


def test_metrics_are_aligned_per_node_and_in_range(result) -> None:
    assert result.degree.shape == result.eigenvector.shape == result.community.shape == (3_000,)
    assert result.eigenvector.max() == pytest.approx(1.0)
    assert (result.betweenness >= 0).all()
    assert result.embedding.shape == (3_000, network.EMBEDDING_DIMS)
    assert result.embedding.dtype == np.float32


def test_betweenness_with_every_pivot_is_exact_and_sampling_ranks_alike() -> None:
    g = ig.Graph.Erdos_Renyi(n=400, m=2_000)
    edges = np.asarray(g.get_edgelist())
    exact = np.asarray(g.betweenness()) / (399 * 398 / 2)
    full = network.sampled_betweenness(network.to_igraph(edges[:, 0], edges[:, 1], 400), 400, 0)
    assert np.allclose(full, exact)
    sampled = network.sampled_betweenness(network.to_igraph(edges[:, 0], edges[:, 1], 400), 64, 0)
    assert spearmanr(sampled, exact).statistic > 0.7


def test_embeddings_put_community_members_closer_than_strangers(planted, result) -> None:
    emb = result.embedding / np.linalg.norm(result.embedding, axis=1, keepdims=True).clip(1e-9)
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 3_000, 5_000), rng.integers(0, 3_000, 5_000)
    cosine = (emb[a] * emb[b]).sum(axis=1)
    same = planted.community[a] == planted.community[b]
    assert cosine[same].mean() > cosine[~same].mean() + 0.2


def test_influence_counts_edges_leaving_the_community_double() -> None:
    # triangle 0-1-2 in community 0, plus 2-3 into community 1
    src, dst = np.array([0, 1, 0, 2]), np.array([1, 2, 2, 3])
    degree = np.array([2, 2, 3, 1])
    score = network.influence_score(src, dst, degree, np.array([0, 0, 0, 1]))
    assert score.tolist() == [2.0, 2.0, 4.0, 2.0]


def test_community_rows_count_internal_edges_and_density() -> None:
    src, dst = np.array([0, 1, 0, 2]), np.array([1, 2, 2, 3])
    community = np.array([0, 0, 0, 1])
    rows = network.community_rows(community, src, dst)
    assert rows["size"].tolist() == [3, 1]
    assert rows["internal_edges"].tolist() == [3, 0]
    assert rows["density"].tolist() == [1.0, 0.0]
    rank = network.community_rank(community, np.array([1.0, 3, 2, 0]))
    assert rank.tolist() == [3, 1, 2, 1]


def test_an_edgeless_graph_gives_zeros_not_errors() -> None:
    res = network.analyse(np.array([], np.int64), np.array([], np.int64), 5)
    assert res.degree.tolist() == [0] * 5
    assert not res.embedding.any() and not res.betweenness.any()


def test_the_analysis_never_reads_the_truth() -> None:
    """The grade vs truth is a report: the stage and the algorithm never open ground_truth."""
    import inspect

    from engage.stages import network_analysis

    for module in (network, network_analysis):
        text = inspect.getsource(module)
        assert "ground_truth" not in text and "true_influence" not in text, module.__name__
