"""Plan for the content recommender: NeuMF on implicit feedback, graded by leave-one-out.

Each customer's latest interaction is held out (the test split); of the rest, the
latest interaction of a seeded sample of customers is carved out as the VALIDATION
split (what promotion compares); the model trains on what remains. The test figures
(HR@10, NDCG@10, with the 3-category diversity rule) are measured once, on a seeded
sample of held-out customers, beside popularity, category-aware popularity and,
when the source folder has the generator's truth tables, the oracle ranking by true
utility (the NDCG ceiling). The served lists then exclude *every* item the customer
consumed, held-out ones too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import torch

from engage import lake
from engage.models.grading import grade
from engage.models.params import params_for
from engage.models.recommend import NcfRecommender
from engage.models.recommend_eval import (
    carve_validation,
    leave_one_out_split,
    list_metrics,
    ranking_metrics,
)
from engage.serving import load_artefacts
from engage.stages.plans.base import INFERENCE, FitContext, Fitted, LakeData, Scored

TOP_K, MIN_CATEGORIES = 10, 3
EVAL_CUSTOMERS = 20_000  # held-out customers measured (standard error of HR@10 ~0.3 pt)


class RecommendationPlan:
    """NeuMF (64-d GMF + MLP embeddings), top-10 with at least 3 categories."""

    name = "recommendation"
    primary_metric = "ndcg@10"
    higher_is_better = True
    relative_tolerance = False
    inputs = (lake.RAW_INTERACTIONS, lake.RAW_CONTENT_ITEMS)
    schema = pa.schema(
        [
            ("customer_id", pa.string()),
            ("recommended_items", pa.list_(pa.string())),
            ("recommended_categories", pa.list_(pa.string())),
        ]
    )

    def available(self, data: LakeData) -> str | None:
        if data.has(lake.RAW_INTERACTIONS) and data.has(lake.RAW_CONTENT_ITEMS):
            return None
        return "the source data has no interactions/content_items files"

    def fit(self, data: LakeData, ctx: FitContext) -> Fitted:
        interactions = data.table(lake.RAW_INTERACTIONS)
        items = data.table(lake.RAW_CONTENT_ITEMS)
        train, heldout = leave_one_out_split(interactions)
        fit_rows, validation = carve_validation(train, EVAL_CUSTOMERS, ctx.seed)
        params = params_for(self.name)
        model = NcfRecommender(**params, random_state=ctx.seed, n_threads=ctx.threads)
        model.fit(fit_rows, items)
        val_metrics = list_metrics(model, validation, TOP_K, MIN_CATEGORIES)
        sample = heldout.sample(min(EVAL_CUSTOMERS, len(heldout)), random_state=ctx.seed)
        tastes, truth_items = data.truth_table("truth_tastes"), data.truth_table("truth_items")
        ranked = ranking_metrics(
            model, sample, fit_rows, TOP_K, MIN_CATEGORIES, tastes, truth_items
        )
        model.mark_seen(interactions)
        metrics = {"validation": val_metrics, "test": ranked["model"]}
        metrics |= {f"baseline_{k}": v for k, v in ranked.items() if k != "model"}
        ndcg = {k: v["ndcg@10"] for k, v in ranked.items()}
        oracle = ndcg.get("oracle")
        grading = grade(
            "ndcg@10",
            ndcg["model"],
            {k: v for k, v in ndcg.items() if k not in ("model", "oracle")},
            oracle,
            hr_at_10={k: v["hr@10"] for k, v in ranked.items()},
        )
        metadata = {
            "algorithm": f"NeuMF (torch {torch.__version__}), implicit feedback",
            "params": model.get_params(),
            "target": "interaction (implicit feedback)",
            "features": ["customer_id embedding", "item_id embedding"],
            "loss_history": model.loss_history_,
            "training_rows": len(fit_rows),
            "validation_rows": len(validation),
            "test_rows": len(sample),
            "evaluation": "leave-one-out: latest interaction per customer (test), "
            f"{len(sample)} customers sampled; validation: the latest training interaction "
            f"of {len(validation)} customers; popularity, category-aware popularity"
            + (" and the true-taste oracle" if oracle is not None else "")
            + " on the same split",
            "grading": grading,
            "intended_use": "Personalised content feed: 10 unseen items per customer "
            f"from at least {MIN_CATEGORIES} categories (filter-bubble guard).",
        }
        summary = {
            "ndcg@10": ndcg["model"],
            "baseline_ndcg@10": grading.get("baseline_value", ndcg["popularity"]),
        }
        if oracle is not None:
            summary["oracle_ndcg@10"] = oracle
        return Fitted(model, model.to_bytes(), metrics, metadata, summary)

    def load(self, artefact: Callable[[str], bytes]) -> NcfRecommender:
        return load_artefacts(self.name, artefact)

    def score(self, model: NcfRecommender, data: LakeData, threads: int) -> Scored:
        ids = data.table(INFERENCE).column("customer_id").to_numpy(zero_copy_only=False)
        model.n_threads = threads
        users = model.user_index_.get_indexer(ids.astype(str))
        items, _ = model.recommend_indices(users, TOP_K, MIN_CATEGORIES)
        table = pa.table(
            {
                "customer_id": pa.array(ids.astype(str)),
                "recommended_items": _lists(items, model.item_ids_),
                "recommended_categories": _lists(items, model.item_categories_),
            },
            schema=self.schema,
        )
        served = items >= 0
        report: dict[str, Any] = {
            "customers": len(ids),
            "cold_start_customers": int((users < 0).sum()),
            "catalogue_coverage": float(len(np.unique(items[served])) / len(model.item_ids_)),
            # what shards' coverage adds up from (engage.stages.score_parts.merge_reports)
            "served_items": np.unique(items[served]).tolist(),
            "catalogue_items": len(model.item_ids_),
        }
        return Scored(table, report)


def _lists(items: np.ndarray, labels: np.ndarray) -> pa.Array:
    """Per-row lists of labels for item indices (-1 slots are left out)."""
    served = items >= 0
    offsets = np.concatenate([[0], np.cumsum(served.sum(axis=1))]).astype(np.int32)
    values = pa.array(labels[items[served]].astype(str), pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values)
