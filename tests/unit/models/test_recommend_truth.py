"""Recommender truth: the oracle ceiling and the category-aware popularity baseline."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from engage.contract import CONTENT_ITEMS, TASTE_CATEGORIES
from engage.models.recommend import PopularityRecommender
from engage.models.recommend_eval import (
    CategoryPopularityRecommender,
    OracleRecommender,
    carve_validation,
    leave_one_out_split,
    list_metrics,
    true_utility,
)


@pytest.fixture(scope="module")
def split(small_dataset: Path):
    inter = pq.read_table(small_dataset / "interactions.parquet")
    items = pq.read_table(small_dataset / "content_items.parquet").to_pandas()
    train, held = leave_one_out_split(inter)
    return train, held.sample(4000, random_state=0), items


def test_quality_is_truth_not_a_training_input(small_dataset: Path) -> None:
    assert "quality" not in CONTENT_ITEMS.names
    truth = pd.read_parquet(small_dataset / "truth_items.parquet")
    assert truth["quality"].between(0, 1).all() and len(truth) == 480


def test_true_utility_never_ranks_outside_the_favourite_categories() -> None:
    rng = np.random.default_rng(0)
    affinity = rng.dirichlet(np.full(12, 0.35), 5)
    util = true_utility(
        affinity, rng.normal(size=(5, 8)), rng.normal(size=(24, 8)), rng.random(24),
        np.repeat(np.arange(12), 2),
    )  # fmt: skip
    allowed = np.isfinite(util).reshape(5, 12, 2).all(axis=2)
    assert (allowed.sum(axis=1) == TASTE_CATEGORIES).all()
    top = np.argsort(-affinity, axis=1)[:, :TASTE_CATEGORIES]
    assert all(set(np.flatnonzero(allowed[u])) == set(top[u]) for u in range(5))


def test_oracle_beats_category_popularity_beats_popularity(split, small_dataset: Path) -> None:
    train, held, items = split
    tastes = pd.read_parquet(small_dataset / "truth_tastes.parquet")
    truth_items = pd.read_parquet(small_dataset / "truth_items.parquet")
    ndcg = {
        name: list_metrics(model.fit(train, items), held)["ndcg@10"]
        for name, model in (
            ("popularity", PopularityRecommender()),
            ("category", CategoryPopularityRecommender()),
            ("oracle", OracleRecommender(tastes, truth_items)),
        )
    }
    # Measured at 20K (seed 7): 0.017, 0.078, 0.205.
    assert ndcg["oracle"] > 2 * ndcg["category"] > 4 * ndcg["popularity"]
    assert ndcg["oracle"] < 0.5  # the sampling noise leaves a ceiling well below 1


def test_validation_is_carved_from_training_only(split) -> None:
    train, held, _ = split
    fit, val = carve_validation(train, 1000, seed=1)
    assert len(fit) + len(val) == len(train) and len(val) == 1000
    assert not val.attrs  # validation, not the tagged test split
    key = lambda f: set(zip(f["customer_id"], f["item_id"], strict=True))  # noqa: E731
    assert not key(val) & key(held) and not key(val) & key(fit)
