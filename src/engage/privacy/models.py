"""Erasure from saved models that hold per-customer state: the recommender.

The tree models and the anomaly forest keep no per-customer values (splits and
aggregates only), but the recommender stores each customer's id, the items they
consumed and their embedding. This hook removes all three from every saved version
(each version rewritten whole, atomically), so neither the served model nor an older
one can still recommend from, or reveal, an erased customer's history.
"""

from __future__ import annotations

from engage.models.registry import ModelRegistry
from engage.ports import ObjectStore
from engage.serving import load_version

MODEL = "recommendation"


def erase_from_recommender(store: ObjectStore, customer_id: str) -> int:
    """Versions of the recommender the customer was removed from."""
    registry = ModelRegistry(store, MODEL)
    changed = 0
    for version in registry.versions():
        model = load_version(store, MODEL, version)
        if model.forget_users([customer_id]):
            registry.rewrite(version, model.to_bytes())
            changed += 1
    return changed
