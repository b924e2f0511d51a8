"""Segmentation: k chosen by silhouette in 6-8, names by rule, unique, graded by ARI."""

import numpy as np
import pandas as pd
import pytest

from engage.analytics import segments as seg
from engage.analytics.grade_segments import grade

# Six planted groups, each high on the features of one naming signal (and so one rule).
GROUPS = {
    "Power users": ("activity", "content"),
    "Gig workers": ("commerce",),
    "Social butterflies": ("social",),
    "At-risk": ("lapsing",),
    "New users": ("newness",),
    "Casual browsers": ("browsing",),
}


def _frame(per_group: int = 150, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Customers whose standardised features sit at +/-2.5 on their group's signals."""
    rng = np.random.default_rng(seed)
    rows, truth = [], []
    for name, signals in GROUPS.items():
        centre = dict.fromkeys(seg.FEATURES, 0.0)
        for signal in signals:
            for feature in seg.SIGNALS[signal]:
                centre[feature.lstrip("-")] = -2.5 if feature.startswith("-") else 2.5
        block = rng.normal(0, 0.4, (per_group, len(seg.FEATURES)))
        block += np.array([centre[f] for f in seg.FEATURES])
        rows.append(block)
        truth += [name] * per_group
    # Shift so columns are positive but not skewed: no log transform, z-scores keep shape.
    frame = pd.DataFrame(np.vstack(rows) + 10.0, columns=list(seg.FEATURES))
    frame.insert(0, "customer_id", [f"CUST_{i:05d}" for i in range(len(frame))])
    return frame, np.array(truth, dtype=object)


def test_recovers_planted_groups_and_names_them_by_rule():
    frame, truth = _frame()
    model = seg.fit(frame, seed=1)
    assert model.k in seg.K_RANGE and set(model.silhouette) == set(seg.K_RANGE)
    assert model.silhouette[model.k] == max(model.silhouette.values())
    assigned = seg.assign(model, frame)
    report = grade(truth, assigned.segment_id, model.naming.names, assigned.hdbscan_label)
    assert report["kmeans_ari"] > 0.9
    named = {n: p for n, p in report["segment_majority_persona"].items() if n in GROUPS}
    assert named == {n: n for n in GROUPS}  # every rule found its own group
    assert len(set(model.naming.names)) == model.k  # unique, fallback numbered
    assert assigned.confidence.min() >= 0 and assigned.confidence.max() <= 1
    assert (assigned.distance >= 0).all()


def test_profiles_sum_to_everyone_and_carry_the_rule():
    frame, _ = _frame(per_group=60)
    model = seg.fit(frame, seed=2)
    assigned = seg.assign(model, frame)
    profiles = seg.profiles(model, frame, assigned)
    assert profiles["size"].sum() == len(frame)
    assert profiles["share"].sum() == pytest.approx(1.0)
    assert all(rule for rule in profiles["naming_rule"])
    assert {f"mean_{c}" for c in seg.FEATURES} <= set(profiles.columns)


def test_no_rule_fits_gives_the_generic_name():
    centres = np.zeros((6, len(seg.FEATURES)))
    naming = seg.name_segments(centres, seg.FEATURES, np.full(6, 1 / 6))
    assert naming.names == [seg.FALLBACK.format(n=i) for i in range(1, 7)]
    assert all("no rule" in r for r in naming.rules)


def test_a_tiny_segment_is_not_named_as_a_persona():
    centres = np.zeros((6, len(seg.FEATURES)))
    commerce = [seg.FEATURES.index(f) for f in seg.SIGNALS["commerce"]]
    centres[np.ix_([0, 1], commerce)] = [[3.0], [2.0]]
    naming = seg.name_segments(centres, seg.FEATURES, np.array([0.01, 0.2, 0.2, 0.2, 0.2, 0.19]))
    assert naming.names[1] == "Gig workers" and naming.names[0].startswith("Mixed")
    assert "share" in naming.rules[0]


def test_missing_feature_is_named():
    frame, _ = _frame(per_group=40)
    with pytest.raises(ValueError, match="trust_score"):
        seg.Standardiser.fit(frame.drop(columns=["trust_score"]))


def test_too_few_rows_is_refused():
    frame, _ = _frame(per_group=20)
    with pytest.raises(ValueError, match="training rows"):
        seg.fit(frame, seed=0)


def test_k_with_a_pocket_of_outliers_loses_to_a_whole_one() -> None:
    """A k whose smallest segment is under MIN_NAMED_SHARE is passed over, even with the
    best silhouette; only if every k has such a pocket does silhouette alone decide."""
    from types import SimpleNamespace

    from engage.analytics.segments import K_RANGE, _choose_k

    rows = 1000
    balanced = {k: SimpleNamespace(labels_=np.arange(rows) % k) for k in K_RANGE}
    pocket = np.r_[np.zeros(1, int), np.arange(rows - 1) % (K_RANGE[1] - 1) + 1]
    models = {**balanced, K_RANGE[1]: SimpleNamespace(labels_=pocket)}
    silhouette = {K_RANGE[0]: 0.130, K_RANGE[1]: 0.133, K_RANGE[2]: 0.120}
    assert _choose_k(models, silhouette, rows) == K_RANGE[0]
    assert _choose_k(balanced, silhouette, rows) == K_RANGE[1]
    all_pockets = {k: SimpleNamespace(labels_=np.r_[0, np.ones(rows - 1, int)]) for k in K_RANGE}
    assert _choose_k(all_pockets, silhouette, rows) == K_RANGE[1]
