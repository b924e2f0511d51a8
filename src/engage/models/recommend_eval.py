"""Offline evaluation of the recommenders: leave-one-out split and ranking metrics.

Protocol: leave-one-out with full ranking. Each customer's latest interaction is held
out; the recommender is fitted on the rest; the held-out item is looked up in the
customer's served list (top k over all items the customer has not interacted with in
training, after the diversity re-rank). HR@k is the share of customers whose held-out
item is in the list, NDCG@k averages 1/log2(position + 1) (0 when absent). Full ranking
over all unseen items is used instead of the 99/100-sampled-negatives protocol because
the catalogue is small (480 items) and sampled metrics overstate quality.

Every model is reported beside baselines fitted on the same training interactions:
global popularity and the stronger category-aware popularity (popularity within each
customer's favourite categories), and, where the generator's truth tables are at hand
(`truth_tastes`, `truth_items`), against the ORACLE: the top k by true utility over the
same unseen items, whose NDCG@k is the ceiling the sampling noise leaves any recommender.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import torch

from engage.contract import (
    AFFINITY_COLUMNS,
    AFFINITY_FLOOR,
    CONTENT_CATEGORIES,
    QUALITY_WEIGHT,
    STYLE_COLUMNS,
    STYLE_WEIGHT,
    TASTE_CATEGORIES,
)
from engage.models.honest import mark_test
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
    return frame[~mask].reset_index(drop=True), mark_test(frame[mask].reset_index(drop=True))


def carve_validation(
    train: pd.DataFrame, customers: int, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(fit, validation): the latest training interaction of `customers` sampled customers.

    The validation rows come out of TRAINING (the test hold-out is already gone), so the
    promotion metric and any early stopping never see a test interaction.
    """
    rest, latest = leave_one_out_split(train)
    latest.attrs.clear()  # validation, not test
    chosen = latest.sample(min(customers, len(latest)), random_state=seed)
    back = latest.drop(index=chosen.index)
    fit = pd.concat([rest, back], ignore_index=True)
    return fit, chosen.reset_index(drop=True)


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
    tastes: pd.DataFrame | None = None,
    truth_items: pd.DataFrame | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics of `recommender`, its baselines and (with truth) the oracle, same split.

    Returns {"model", "popularity", "category_popularity"[, "oracle"]} -> hr@k, ndcg@k,
    coverage, mean_categories and customers, every one fitted on the same `train` and
    served under the same rule. `min_categories=1` measures the lists without the
    diversity rule (what the rule costs in accuracy).
    """
    items = pd.DataFrame(
        {"item_id": recommender.item_ids_, "category": recommender.item_categories_}
    )
    threads = recommender.n_threads
    others: dict[str, _Recommender] = {
        "popularity": PopularityRecommender(n_threads=threads).fit(train, items),
        "category_popularity": CategoryPopularityRecommender(threads).fit(train, items),
    }
    if tastes is not None and truth_items is not None:
        others["oracle"] = OracleRecommender(tastes, truth_items, threads).fit(train, items)
    out = {"model": list_metrics(recommender, heldout, k, min_categories)}
    return out | {name: list_metrics(r, heldout, k, min_categories) for name, r in others.items()}


class CategoryPopularityRecommender(_Recommender):
    """Popularity within the customer's favourite categories (the strong simple baseline).

    A customer's score for an item is the share of their training feedback weight in the
    item's category times the item's popularity, for the customer's `top_categories`
    most-weighted categories (0 elsewhere, popularity breaking ties).
    """

    def __init__(self, n_threads: int | None = None, top_categories: int = TASTE_CATEGORIES):
        self.n_threads = n_threads
        self.top_categories = top_categories

    def fit(
        self, interactions: pa.Table | pd.DataFrame, items: pa.Table | pd.DataFrame
    ) -> CategoryPopularityRecommender:
        self._fit_catalogue(interactions, items)
        frame = as_frame(interactions, ["customer_id", "item_id", "weight"])
        users = self.user_index_.get_indexer(frame["customer_id"].astype(str))
        cats = self.item_category_codes_[self.item_index_.get_indexer(frame["item_id"].astype(str))]
        share = np.zeros((len(self.user_ids_), len(self.categories_)), dtype=np.float32)
        np.add.at(share, (users, cats), frame["weight"].to_numpy(np.float32))
        keep = np.argsort(-share, axis=1, kind="stable")[:, : self.top_categories]
        top = np.zeros_like(share, dtype=bool)
        np.put_along_axis(top, keep, True, axis=1)
        share = np.where(top, share, 0.0)
        self.shares_ = share / np.maximum(share.sum(axis=1, keepdims=True), 1e-12)
        return self

    def _score_users(self, users: np.ndarray) -> torch.Tensor:
        pop = self.popularity_
        score = self.shares_[users][:, self.item_category_codes_] * pop + 1e-6 * pop
        return torch.from_numpy(score.astype(np.float32))


class OracleRecommender(_Recommender):
    """The top k by TRUE utility (the generator's truth tables): the ceiling, not a model.

    Utility is the generator's sampling logit without its noise (contract `TRUTH_TASTES`
    says how); items outside a customer's favourite categories are never drawn (-inf).
    """

    def __init__(
        self, tastes: pd.DataFrame, truth_items: pd.DataFrame, n_threads: int | None = None
    ) -> None:
        self.tastes = tastes
        self.truth_items = truth_items
        self.n_threads = n_threads

    def fit(
        self, interactions: pa.Table | pd.DataFrame, items: pa.Table | pd.DataFrame
    ) -> OracleRecommender:
        self._fit_catalogue(interactions, items)
        tastes = self.tastes.set_index(self.tastes["customer_id"].astype(str))
        tastes = tastes.reindex(self.user_ids_)
        self.known_ = tastes[AFFINITY_COLUMNS[0]].notna().to_numpy()
        order = [CONTENT_CATEGORIES.index(c) for c in self.categories_]
        affinity = tastes[list(AFFINITY_COLUMNS)].to_numpy(np.float64)[:, order]
        self.affinity_ = np.nan_to_num(affinity, nan=1.0 / len(order))
        self.user_style_ = np.nan_to_num(tastes[list(STYLE_COLUMNS)].to_numpy(np.float64))
        truth = self.truth_items.set_index(self.truth_items["item_id"].astype(str))
        truth = truth.reindex(self.item_ids_)
        self.item_style_ = truth[list(STYLE_COLUMNS)].to_numpy(np.float64)
        self.quality_ = truth["quality"].to_numpy(np.float64)
        return self

    def _score_users(self, users: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(true_utility(
            self.affinity_[users], self.user_style_[users], self.item_style_,
            self.quality_, self.item_category_codes_,
        ).astype(np.float32))  # fmt: skip


def true_utility(
    affinity: np.ndarray,
    user_style: np.ndarray,
    item_style: np.ndarray,
    quality: np.ndarray,
    item_category: np.ndarray,
) -> np.ndarray:
    """(users x items) true utility; -inf outside each user's TASTE_CATEGORIES categories."""
    match = user_style @ item_style.T / np.sqrt(item_style.shape[1])
    util = STYLE_WEIGHT * match + np.log(affinity + AFFINITY_FLOOR)[:, item_category]
    util += QUALITY_WEIGHT * quality[None, :]
    fav = np.argsort(-affinity, axis=1, kind="stable")[:, :TASTE_CATEGORIES]
    allowed = np.zeros_like(affinity, dtype=bool)
    np.put_along_axis(allowed, fav, True, axis=1)
    return np.where(allowed[:, item_category], util, -np.inf)
