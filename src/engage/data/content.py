"""Content catalogue and implicit-feedback interactions for the recommendation model.

Each customer has a taste over the 12 categories (peaked Dirichlet) and a style
vector; each item has a category, a style vector and a popularity. Customers pick
items from their favourite categories by Gumbel top-k over taste + style match
+ popularity, so there is real
personal structure for a collaborative-filtering model to find beyond popularity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engage.contract import (
    AFFINITY_COLUMNS,
    AFFINITY_FLOOR,
    CONTENT_CATEGORIES,
    QUALITY_WEIGHT,
    STYLE_COLUMNS,
    STYLE_DIM,
    STYLE_WEIGHT,
    TASTE_CATEGORIES,
)

ITEMS_PER_CATEGORY = 40
MAX_PER_USER = 50
USER_BLOCK = 5_000


@dataclass(frozen=True)
class Catalogue:
    category: np.ndarray  # int index into CONTENT_CATEGORIES
    style: np.ndarray  # (n_items, STYLE_DIM)
    quality: np.ndarray  # 0..1

    @property
    def size(self) -> int:
        return len(self.category)


@dataclass(frozen=True)
class Interactions:
    user: np.ndarray  # row index within the chunk
    item: np.ndarray
    weight: np.ndarray  # 1=view .. 4=share
    day: np.ndarray  # 0..days-1
    seconds: np.ndarray  # second of that day


def build_catalogue(rng: np.random.Generator) -> Catalogue:
    """The same catalogue for every chunk (drawn from the run seed alone)."""
    k = len(CONTENT_CATEGORIES)
    category = np.repeat(np.arange(k), ITEMS_PER_CATEGORY)
    style = rng.normal(size=(len(category), STYLE_DIM))
    quality = rng.beta(2.0, 5.0, len(category))
    return Catalogue(category, style, quality)


def draw_tastes(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Category affinity (rows sum to 1, a few favourite categories) and style vectors."""
    k = len(CONTENT_CATEGORIES)
    affinity = rng.dirichlet(np.full(k, 0.35), n)
    return affinity, rng.normal(size=(n, STYLE_DIM))


def draw_interactions(
    rng: np.random.Generator,
    cat: Catalogue,
    affinity: np.ndarray,
    style: np.ndarray,
    counts: np.ndarray,
    days: int,
) -> Interactions:
    """Sample `counts[u]` distinct items per user without replacement (Gumbel top-k)."""
    parts = [
        _block(rng, cat, affinity[s : s + USER_BLOCK], style[s : s + USER_BLOCK],
               counts[s : s + USER_BLOCK], s)
        for s in range(0, len(counts), USER_BLOCK)
    ]  # fmt: skip
    user = np.concatenate([p[0] for p in parts])
    item = np.concatenate([p[1] for p in parts])
    rank = np.concatenate([p[2] for p in parts])
    weight = _feedback_weight(rng, rank)
    day = rng.integers(0, days, len(user))
    seconds = rng.integers(0, 86_400, len(user))
    return Interactions(user, item, weight, day, seconds)


def _block(
    rng: np.random.Generator,
    cat: Catalogue,
    affinity: np.ndarray,
    style: np.ndarray,
    counts: np.ndarray,
    offset: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates are the items of a user's TASTE_CATEGORIES favourite categories."""
    fav = np.argpartition(-affinity, TASTE_CATEGORIES, axis=1)[:, :TASTE_CATEGORIES]
    cand = (fav[:, :, None] * ITEMS_PER_CATEGORY + np.arange(ITEMS_PER_CATEGORY)).reshape(
        len(fav), -1
    )
    match = (style.astype(np.float32) @ cat.style.T.astype(np.float32)) / np.sqrt(STYLE_DIM)
    logits = np.take_along_axis(match, cand, axis=1) * STYLE_WEIGHT
    logits += (
        np.log(np.take_along_axis(affinity, fav, axis=1) + AFFINITY_FLOOR)
        .astype(np.float32)
        .repeat(ITEMS_PER_CATEGORY, axis=1)
    )
    logits += (QUALITY_WEIGHT * cat.quality).astype(np.float32)[cand]
    # Gumbel top-k: adding -log(E), E ~ Exp(1), samples without replacement.
    logits -= np.log(rng.standard_exponential(logits.shape, dtype=np.float32) + 1e-30)
    top = np.argpartition(-logits, MAX_PER_USER, axis=1)[:, :MAX_PER_USER]
    order = np.argsort(-np.take_along_axis(logits, top, axis=1), axis=1)
    top = np.take_along_axis(np.take_along_axis(cand, top, axis=1), order, axis=1)
    take = np.arange(MAX_PER_USER)[None, :] < counts[:, None]
    users = np.broadcast_to(np.arange(len(counts))[:, None] + offset, top.shape)
    ranks = np.broadcast_to(np.arange(MAX_PER_USER)[None, :], top.shape)
    return users[take].astype(np.int32), top[take].astype(np.int32), ranks[take]


def _feedback_weight(rng: np.random.Generator, rank: np.ndarray) -> np.ndarray:
    """Stronger feedback (like/comment/share) for a user's best-matching items."""
    affinity = np.exp(-rank / 8.0)
    u = rng.random(len(rank))
    weight = np.ones(len(rank), dtype=np.int32)
    weight += (u < 0.15 + 0.45 * affinity).astype(np.int32)
    weight += (u < 0.05 + 0.20 * affinity).astype(np.int32)
    weight += (u < 0.01 + 0.08 * affinity).astype(np.int32)
    return weight


def category_profile(
    inter: Interactions, cat: Catalogue, n_users: int
) -> tuple[np.ndarray, np.ndarray]:
    """Primary category (most weighted) and Shannon entropy (bits) per user."""
    k = len(CONTENT_CATEGORIES)
    counts = np.zeros((n_users, k))
    np.add.at(counts, (inter.user, cat.category[inter.item]), inter.weight)
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    logs = np.log2(share, out=np.zeros_like(share), where=share > 0)
    entropy = -(share * logs).sum(axis=1)
    return counts.argmax(axis=1), np.clip(entropy, 0.0, None)


def taste_columns(affinity: np.ndarray, style: np.ndarray) -> dict[str, np.ndarray]:
    """`truth_tastes` columns (besides customer_id): what the oracle ranks by."""
    cols = {name: affinity[:, k] for k, name in enumerate(AFFINITY_COLUMNS)}
    return cols | {name: style[:, d] for d, name in enumerate(STYLE_COLUMNS)}


def item_truth_columns(cat: Catalogue) -> dict[str, np.ndarray]:
    """`truth_items` columns besides item_id and category: quality and style."""
    return {"quality": cat.quality} | {n: cat.style[:, d] for d, n in enumerate(STYLE_COLUMNS)}
