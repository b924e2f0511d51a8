"""NCF recommender: diverse unseen top-10 lists, determinism, safe persistence, quality."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import torch

from engage.data import generate
from engage.models.recommend import (
    NcfRecommender,
    PopularityRecommender,
    diversified_top_k,
    popularity_baseline,
)
from engage.models.recommend_eval import leave_one_out_split, ranking_metrics

CUSTOMERS = 3_000
# Defaults (64-d embeddings, 2 epochs); one thread keeps the shared test machine calm.
FAST = {"n_threads": 1, "random_state": 3}
COLD = ["CUST_NEW_1", "CUST_NEW_2"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out: Path = tmp_path_factory.mktemp("rec") / "data"
    generate(CUSTOMERS, 11, out, formats=("parquet",))
    inter = pq.read_table(out / "interactions.parquet")
    items = pq.read_table(out / "content_items.parquet").to_pandas()
    train, heldout = leave_one_out_split(inter)
    return {"inter": inter.to_pandas(), "items": items, "train": train, "heldout": heldout}


@pytest.fixture(scope="module")
def model(data: dict) -> NcfRecommender:
    return NcfRecommender(**FAST).fit(data["train"], data["items"])


@pytest.fixture(scope="module")
def recs(model: NcfRecommender, data: dict) -> pd.DataFrame:
    customers = [*data["train"]["customer_id"].unique(), *COLD]
    return model.recommend(customers, k=10, min_categories=3)


def test_split_holds_out_the_latest_interaction_per_customer(data: dict) -> None:
    inter, train, heldout = data["inter"], data["train"], data["heldout"]
    assert len(train) + len(heldout) == len(inter)
    assert heldout["customer_id"].is_unique
    latest = inter.groupby("customer_id")["event_ts"].max()
    assert (heldout.set_index("customer_id")["event_ts"] == latest[heldout["customer_id"]]).all()
    assert len(train.merge(heldout, on=["customer_id", "item_id"])) == 0


def test_every_customer_gets_ten_items_from_three_categories(
    recs: pd.DataFrame, data: dict
) -> None:
    per = recs.groupby("customer_id").agg(
        n=("item_id", "size"), items=("item_id", "nunique"), cats=("category", "nunique")
    )
    assert len(per) == data["train"]["customer_id"].nunique() + len(COLD)
    assert (per["n"] == 10).all() and (per["items"] == 10).all()
    assert per["cats"].min() >= 3
    assert (
        recs.groupby("customer_id")["rank"].apply(list).map(lambda r: r == [*range(1, 11)])
    ).all()
    ordered = recs.groupby("customer_id")["score"].apply(lambda s: bool(np.all(np.diff(s) <= 0)))
    assert ordered.all()


def test_no_recommendation_was_seen_in_training(recs: pd.DataFrame, data: dict) -> None:
    seen = recs.merge(data["train"][["customer_id", "item_id"]], on=["customer_id", "item_id"])
    assert len(seen) == 0


def test_exclude_seen_can_be_turned_off(model: NcfRecommender, data: dict) -> None:
    customer = data["train"]["customer_id"].iloc[0]
    raw = model.score([customer])[0]
    top = model.recommend([customer], k=10, min_categories=1, exclude_seen=False)
    assert list(top["item_id"]) == list(model.item_ids_[np.argsort(-raw, kind="stable")[:10]])


def test_ncf_beats_popularity_on_held_out_interactions(model: NcfRecommender, data: dict) -> None:
    m = ranking_metrics(model, data["heldout"], data["train"], k=10)
    ncf, pop = m["model"], m["popularity"]
    assert ncf["customers"] == pop["customers"] == CUSTOMERS
    # Measured at 3K customers: NDCG@10 0.076-0.078 (seeds 3, 5) vs 0.022; 1.5x is far
    # from noise. The generator draws items from each customer's favourite categories by
    # taste, style match and quality, which a global popularity list cannot follow.
    assert ncf["ndcg@10"] > 1.5 * pop["ndcg@10"]
    assert ncf["hr@10"] > pop["hr@10"]
    assert ncf["mean_categories"] >= 3 and pop["mean_categories"] >= 3
    assert ncf["coverage"] > pop["coverage"]


def test_fit_is_deterministic_given_random_state(data: dict) -> None:
    train = data["train"][data["train"]["customer_id"] < "CUST_0000400"]
    params = {**FAST, "epochs": 1, "embedding_dim": 16, "mlp_layers": (16, 8)}
    a = NcfRecommender(**params).fit(train, data["items"]).model_.state_dict()
    b = NcfRecommender(**params).fit(train, data["items"]).model_.state_dict()
    c = NcfRecommender(**{**params, "random_state": 4}).fit(train, data["items"]).model_
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not torch.equal(a["user_factors"], c.state_dict()["user_factors"])


def test_round_trip_through_safetensors_gives_identical_scores(
    model: NcfRecommender, recs: pd.DataFrame
) -> None:
    artefacts = model.to_bytes()
    assert set(artefacts) == {"model.safetensors", "model_meta.json"}
    meta = json.loads(artefacts["model_meta.json"])
    assert meta["params"]["embedding_dim"] == 64 and len(meta["item_ids"]) == 480
    loaded = NcfRecommender.from_bytes(artefacts)
    customers = list(recs["customer_id"].unique()[:200])
    assert np.array_equal(loaded.score(customers), model.score(customers))
    again = loaded.recommend(recs["customer_id"].unique())
    pd.testing.assert_frame_equal(again, recs)


def test_cold_start_customers_get_the_diverse_popularity_list(
    model: NcfRecommender, recs: pd.DataFrame, data: dict
) -> None:
    baseline = popularity_baseline(data["train"], data["items"])
    expected = baseline.recommend(["nobody"])
    for customer in COLD:
        got = recs[recs["customer_id"] == customer]
        assert list(got["item_id"]) == list(expected["item_id"])
        assert got["category"].nunique() >= 3
    assert isinstance(baseline, PopularityRecommender)
    counts = data["train"]["item_id"].value_counts()
    assert expected["item_id"].iloc[0] == counts.index[0]


def test_diversity_rerank_swaps_the_weakest_items_for_missing_category_leaders() -> None:
    category = torch.tensor([0] * 12 + [1] * 4 + [2] * 4)
    scores = torch.linspace(1.0, 0.0, 20)[None, :].clone()  # category 0 holds the top 12
    idx, val = diversified_top_k(scores, category, k=10, min_categories=3)
    assert idx[0].tolist() == [*range(8), 12, 16]  # best of categories 1 and 2 come in
    assert torch.all(val[0, :-1] >= val[0, 1:])
    diverse = torch.tensor([[9.0, 8.0, 7.0] + [0.0] * 17])
    plain = diversified_top_k(diverse, torch.tensor([0, 1, 2] + [0] * 17), 10, 3)[0]
    assert plain[0].tolist() == diverse[0].topk(10).indices.tolist()
    scores[0, 12:] = -np.inf  # categories 1 and 2 all seen: only 12 items left
    idx, val = diversified_top_k(scores, category, k=15, min_categories=3)
    assert idx[0, :12].tolist() == [*range(12)] and idx[0, 12:].tolist() == [-1] * 3


def test_forgetting_a_customer_removes_id_history_and_embedding_only(
    model: NcfRecommender, data: dict
) -> None:
    copy = NcfRecommender.from_bytes(model.to_bytes())
    customers = list(data["train"]["customer_id"].unique()[:50])
    victim, others = customers[0], customers[1:]
    before = copy.recommend(others)
    assert copy.forget_users([victim, "CUST_NOT_THERE"]) == 1
    assert victim not in copy.user_index_ and len(copy.user_ids_) == len(model.user_ids_) - 1
    assert copy.model_.user_factors.shape[0] == len(copy.user_ids_)
    pd.testing.assert_frame_equal(copy.recommend(others), before)  # nobody else changes
    artefacts = copy.to_bytes()
    assert all(victim.encode() not in blob for blob in artefacts.values())
    reloaded = NcfRecommender.from_bytes(artefacts)
    cold = reloaded.recommend([victim, COLD[0]])  # served like any unknown customer
    first, second = (g["item_id"].tolist() for _, g in cold.groupby("customer_id", sort=False))
    assert first == second
    assert copy.forget_users([victim]) == 0
