"""Offline evaluation of the recommenders: leave-one-out split and ranking metrics.

Protocol: leave-one-out with full ranking. Each customer's latest interaction is held
out; the recommender is fitted on the rest; the held-out item is looked up in the
customer's served list (top k over all items the customer has not interacted with in
training, after the diversity re-rank). HR@k is the share of customers whose held-out
item is in the list, NDCG@k averages 1/log2(position + 1) (0 when absent). Full ranking
over all unseen items is used instead of the 99/100-sampled-negatives protocol because
the catalogue is small (480 items) and sampled metrics overstate quality.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from engage.models.recommend import PopularityRecommender, _Recommender, as_frame

INTERACTION_COLUMNS = ("customer_id", "item_id", "category", "event_type", "weight", "event_ts")


def leave_one_out_split(
    interactions: pa.Table | pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, heldout): the latest interaction of every customer with at least two.

    Latest by event_ts; ties broken by the larger item_id, so the split is deterministic
    and independent of row order. Customers with a single interaction stay in train.
    """
    cols = [c for c in INTERACTION_COLUMNS if c in _column_names(interactions)]
    frame = as_frame(interactions, cols).reset_index(drop=True)
    user = pd.factorize(frame["customer_id"])[0]
    item = pd.factorize(frame["item_id"], sort=True)[0]
    ts = pd.to_datetime(frame["event_ts"], utc=True).astype("int64").to_numpy()
    order = np.lexsort((item, ts, user))  # last key is primary
    last = np.r_[user[order][1:] != user[order][:-1], True]
    counts = np.bincount(user)
    held = order[last & (counts[user[order]] >= 2)]
    mask = np.zeros(len(frame), dtype=bool)
    mask[held] = True
    return frame[~mask].reset_index(drop=True), frame[mask].reset_index(drop=True)


def _column_names(table: pa.Table | pd.DataFrame) -> list[str]:
    return list(table.column_names if isinstance(table, pa.Table) else table.columns)


def list_metrics(
    recommender: _Recommender,
    heldout: pa.Table | pd.DataFrame,
    k: int = 10,
    min_categories: int = 3,
) -> dict[str, float]:
    """HR@k, NDCG@k, catalogue coverage and mean distinct categories of the served lists."""
    held = as_frame(heldout, ["customer_id", "item_id"])
    users = recommender.user_index_.get_indexer(held["customer_id"].astype(str))
    target = recommender.item_index_.get_indexer(held["item_id"].astype(str))
    items, _ = recommender.recommend_indices(users, k=k, min_categories=min_categories)
    hit = items == target[:, None]
    position = hit.argmax(axis=1)  # 0-based; meaningful where any hit
    found = hit.any(axis=1)
    ndcg = np.where(found, 1.0 / np.log2(position + 2.0), 0.0)
    served = items >= 0
    cats = np.where(served, recommender.item_category_codes_[np.where(served, items, 0)], -1)
    distinct = (np.diff(np.sort(cats, axis=1), axis=1) != 0).sum(axis=1) + 1
    distinct -= (cats == -1).any(axis=1)  # the -1 filler is not a category
    n = max(len(held), 1)
    return {
        f"hr@{k}": float(found.sum() / n),
        f"ndcg@{k}": float(ndcg.sum() / n),
        "coverage": float(len(np.unique(items[served])) / len(recommender.item_ids_)),
        "mean_categories": float(distinct.mean()) if len(held) else 0.0,
        "customers": float(len(held)),
    }


def ranking_metrics(
    recommender: _Recommender,
    heldout: pa.Table | pd.DataFrame,
    train: pa.Table | pd.DataFrame,
    k: int = 10,
    min_categories: int = 3,
) -> dict[str, dict[str, float]]:
    """Metrics of `recommender` and of a popularity baseline fitted on the same `train`.

    Returns {"model": {...}, "popularity": {...}} with hr@k, ndcg@k, coverage,
    mean_categories and customers for each. `min_categories=1` measures the lists
    without the diversity rule (what the rule costs in accuracy).
    """
    items = pd.DataFrame(
        {"item_id": recommender.item_ids_, "category": recommender.item_categories_}
    )
    baseline = PopularityRecommender(n_threads=recommender.n_threads).fit(train, items)
    return {
        "model": list_metrics(recommender, heldout, k, min_categories),
        "popularity": list_metrics(baseline, heldout, k, min_categories),
    }
