"""Customer segmentation (seed §3.5.3 use case 3): K-Means and HDBSCAN, named by rule.

Features are the behavioural, transactional, social and content columns of the
prepared data, standardised on a training sample (heavy-tailed non-negative
columns enter as log1p, missing values as the training median). K-Means is fitted
for every k in K_RANGE on a training sample and k is the one with the highest
silhouette on a held-aside training sample (the stated criterion; no truth, no test
data) among the solutions whose every segment holds at least MIN_NAMED_SHARE of the
fit sample: a k that spends a centroid on a pocket of a few outliers (at 100K, one
k=7 solution had a one-customer segment) describes fewer personas, not more. Only
when every k has such a pocket does the silhouette alone decide.

HDBSCAN, which finds its own number of clusters and leaves outliers as -1, is fitted
on a smaller sample, in the first HDBSCAN_COMPONENTS principal components (densities
are not estimable in 32 dimensions from a few thousand points) with leaf cluster
selection (the default merges overlapping personas into two or three blobs); it
labels dense cores and leaves most customers between them as outliers (-1). It is
extended to every customer through the label of the nearest sample point.

Segments are named from their centroids by the rules of `name_segments`: each rule
scores every centroid on signals (means of signed z-scored features), the
best-scoring (segment, rule) pairs above their thresholds are taken greedily so
names stay unique, and a segment no rule fits gets a generic name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import HDBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score
from sklearn.neighbors import NearestNeighbors
from threadpoolctl import threadpool_limits

from engage.contract.outputs import SEGMENT_FEATURE_GROUPS, SEGMENT_SIGNALS

FEATURE_GROUPS = SEGMENT_FEATURE_GROUPS
FEATURES = tuple(c for group in FEATURE_GROUPS.values() for c in group)
K_RANGE = (6, 7, 8)
SCALER_SAMPLE = 20_000  # training rows the standardiser learns from (and all fits draw on)
FIT_SAMPLE = 8_000  # K-Means fits: plenty for <= 8 centroids in 32 dimensions
SILHOUETTE_SAMPLE = 2_500  # scored apart from the fit sample: O(n^2) distances
HDBSCAN_SAMPLE = 4_000
HDBSCAN_MIN_CLUSTER_SHARE = 0.02  # smallest HDBSCAN cluster: 2% of its sample
# Fixed, not searched per run. Disclosure: while this module was written, a handful of
# (components, min_samples, selection) settings were tried on one generated 100K set and
# their agreement with its personas was looked at; the run itself never reads truth.
HDBSCAN_MIN_SAMPLES = 10
HDBSCAN_COMPONENTS = 4
MIN_NAMED_SHARE = 0.02  # a segment smaller than this is too small to be a persona
SKEW_FOR_LOG = 1.0  # a non-negative column more skewed than this enters as log1p
KMEANS_INIT = 2
MIN_TRAINING_ROWS = 200  # fewer: 8 centroids and a silhouette would describe noise

SIGNALS = SEGMENT_SIGNALS


@dataclass(frozen=True)
class Rule:
    """A segment name and when it applies: score = the weakest of its signals > threshold."""

    name: str
    signals: tuple[str, ...]
    threshold: float

    def score(self, signals: Mapping[str, np.ndarray]) -> np.ndarray:
        return np.min(np.stack([signals[s] for s in self.signals]), axis=0)

    def describe(self, signals: Mapping[str, np.ndarray], segment: int) -> str:
        parts = " and ".join(f"z_{s} {signals[s][segment]:+.2f}" for s in self.signals)
        return f"{self.name}: min({parts}) > {self.threshold}"


RULES = (
    Rule("Power users", ("activity", "content"), 0.4),
    Rule("Gig workers", ("commerce",), 0.5),
    Rule("Social butterflies", ("social",), 0.5),
    Rule("At-risk", ("lapsing",), 0.4),
    Rule("New users", ("newness",), 0.4),
    Rule("Casual browsers", ("browsing",), 0.3),
)
FALLBACK = "Mixed segment {n}"


@dataclass(frozen=True)
class Naming:
    """Per segment: its name, the rule (with the figures) that named it, its signals."""

    names: list[str]
    rules: list[str]
    signals: dict[str, np.ndarray]


@dataclass(frozen=True)
class Standardiser:
    """Per-feature transform learnt on training data: log1p?, median fill, z-score."""

    columns: tuple[str, ...]
    logged: frozenset[str]
    fill: dict[str, float]
    mean: np.ndarray
    sd: np.ndarray

    @classmethod
    def fit(cls, frame: pd.DataFrame, columns: tuple[str, ...] = FEATURES) -> Standardiser:
        _require(frame, columns)
        raw = frame.loc[:, list(columns)].astype(float)
        logged = frozenset(
            c for c in columns if raw[c].min() >= 0 and float(raw[c].skew()) > SKEW_FOR_LOG
        )
        values = _logged(raw, logged)
        fill = {
            c: float(np.nanmedian(values[c])) if values[c].notna().any() else 0.0 for c in columns
        }
        values = values.fillna(fill)
        sd = values.std().to_numpy()
        return cls(columns, logged, fill, values.mean().to_numpy(), np.where(sd > 0, sd, 1.0))

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        _require(frame, self.columns)
        values = _logged(frame.loc[:, list(self.columns)].astype(float), self.logged)
        return ((values.fillna(self.fill).to_numpy() - self.mean) / self.sd).astype(np.float32)


@dataclass
class SegmentModel:
    """The fitted segmentation: scaler, chosen K-Means, HDBSCAN sample, names."""

    scaler: Standardiser
    kmeans: KMeans
    k: int
    silhouette: dict[int, float]
    pca: PCA
    hdbscan_points: np.ndarray  # the HDBSCAN sample, in PCA space
    hdbscan_labels: np.ndarray
    naming: Naming
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def criterion(self) -> str:
        return (
            f"highest silhouette over k in {list(K_RANGE)} on a {SILHOUETTE_SAMPLE:,}-customer "
            f"training sample apart from the {FIT_SAMPLE:,}-customer fit sample, among the "
            f"k whose every segment holds >= {MIN_NAMED_SHARE:.0%} of the fit sample"
        )


@dataclass(frozen=True)
class Assignment:
    """Per-customer output of `assign`, aligned with the input frame's rows."""

    segment_id: np.ndarray
    distance: np.ndarray  # Euclidean distance to the segment's centroid (standardised space)
    confidence: np.ndarray  # 1 - d1/d2: 0 on the border with the next segment, 1 at its centre
    hdbscan_label: np.ndarray  # -1: outlier


def fit(training: pd.DataFrame, seed: int) -> SegmentModel:
    """Fit scaler, K-Means for each k (choose by silhouette), HDBSCAN; name the segments.

    One BLAS/OpenMP thread: on samples this small threads cost more than they save,
    and beside five training branches they spin against them (20x slower measured).
    """
    with threadpool_limits(1):
        return _fit(training, seed)


def _fit(training: pd.DataFrame, seed: int) -> SegmentModel:
    import time

    started = time.perf_counter()
    if len(training) < MIN_TRAINING_ROWS:
        raise ValueError(
            f"segmentation needs >= {MIN_TRAINING_ROWS} training rows, got {len(training)}"
        )
    rng = np.random.default_rng(seed)
    sample = training.iloc[rng.permutation(len(training))[:SCALER_SAMPLE]]
    scaler = Standardiser.fit(sample)
    x = scaler.transform(sample)  # rows in random order: fit, then silhouette rows
    fit_rows = x[:FIT_SAMPLE]
    held = x[FIT_SAMPLE : FIT_SAMPLE + SILHOUETTE_SAMPLE]
    if len(held) < max(K_RANGE) * 10:  # a small training set: score on the fit rows
        held = fit_rows[:SILHOUETTE_SAMPLE]
    models, silhouette = {}, {}
    for k in K_RANGE:
        models[k] = KMeans(k, n_init=KMEANS_INIT, random_state=seed).fit(fit_rows)
        silhouette[k] = float(silhouette_score(held, models[k].predict(held)))
    k = _choose_k(models, silhouette, len(fit_rows))
    kmeans_done = time.perf_counter()
    pca = PCA(HDBSCAN_COMPONENTS, random_state=seed).fit(fit_rows)
    points = pca.transform(x[:HDBSCAN_SAMPLE])
    min_size = max(5, int(HDBSCAN_MIN_CLUSTER_SHARE * len(points)))
    labels = HDBSCAN(
        min_cluster_size=min_size,
        min_samples=min(HDBSCAN_MIN_SAMPLES, min_size),
        cluster_selection_method="leaf",
        copy=True,
    ).fit_predict(points)
    hdbscan_done = time.perf_counter()
    centres = models[k].cluster_centers_
    shares = np.bincount(models[k].labels_, minlength=k) / len(fit_rows)
    naming = name_segments(centres, scaler.columns, shares)
    seconds = {
        "kmeans": round(kmeans_done - started, 3),
        "hdbscan": round(hdbscan_done - kmeans_done, 3),
    }
    return SegmentModel(scaler, models[k], k, silhouette, pca, points, labels, naming, seconds)


def _choose_k(models: Mapping[int, KMeans], silhouette: Mapping[int, float], rows: int) -> int:
    """Highest silhouette among k whose smallest segment is a persona-sized share."""
    whole = [
        k
        for k in K_RANGE
        if np.bincount(models[k].labels_, minlength=k).min() / rows >= MIN_NAMED_SHARE
    ]
    return max(whole or K_RANGE, key=lambda c: (silhouette[c], -c))  # ties: fewer segments


def assign(model: SegmentModel, frame: pd.DataFrame) -> Assignment:
    """Segment, centroid distance and confidence, and HDBSCAN label of every row."""
    with threadpool_limits(1):
        return _assign(model, frame)


def _assign(model: SegmentModel, frame: pd.DataFrame) -> Assignment:
    x = model.scaler.transform(frame)
    distances = model.kmeans.transform(x)
    nearest = np.partition(distances, 1, axis=1)[:, :2]  # the two smallest, in order
    d1, d2 = nearest[:, 0], nearest[:, 1]
    confidence = np.where(d2 > 0, 1.0 - d1 / np.where(d2 > 0, d2, 1.0), 1.0)
    index = NearestNeighbors(n_neighbors=1, algorithm="kd_tree").fit(model.hdbscan_points)
    _, neighbour = index.kneighbors(model.pca.transform(x))
    return Assignment(
        distances.argmin(axis=1).astype(np.int32),
        d1.astype(np.float64),
        np.clip(confidence, 0.0, 1.0),
        model.hdbscan_labels[neighbour[:, 0]].astype(np.int32),
    )


def profiles(model: SegmentModel, frame: pd.DataFrame, assignment: Assignment) -> pd.DataFrame:
    """Per segment: size, share, name, naming rule, group signals and raw feature means."""
    means = (
        frame.loc[:, list(model.scaler.columns)]
        .astype(float)
        .groupby(assignment.segment_id)
        .mean()
        .reindex(range(model.k))
    )
    sizes = np.bincount(assignment.segment_id, minlength=model.k)
    out = pd.DataFrame({
        "segment_id": np.arange(model.k, dtype=np.int32),
        "segment_name": model.naming.names,
        "size": sizes.astype(np.int64),
        "share": sizes / max(1, sizes.sum()),
        "naming_rule": model.naming.rules,
    })  # fmt: skip
    for signal, values in model.naming.signals.items():
        out[f"z_{signal}"] = values
    for column in model.scaler.columns:
        out[f"mean_{column}"] = means[column].to_numpy()
    return out


def centroid_signals(centres: np.ndarray, columns: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Each naming signal of every centroid (centres are in standardised feature space)."""
    position = {c: i for i, c in enumerate(columns)}
    out = {}
    for signal, features in SIGNALS.items():
        parts = [
            -centres[:, position[f[1:]]] if f.startswith("-") else centres[:, position[f]]
            for f in features
        ]
        out[signal] = np.mean(np.stack(parts), axis=0)
    return out


def name_segments(centres: np.ndarray, columns: tuple[str, ...], shares: np.ndarray) -> Naming:
    """Unique names by rule: repeatedly take the (segment, rule) pair whose score beats
    its threshold by the most; segments under MIN_NAMED_SHARE of customers (outlier
    pockets, not personas) and those left over get FALLBACK (numbered)."""
    signals = centroid_signals(centres, columns)
    margin = np.stack([rule.score(signals) - rule.threshold for rule in RULES], axis=1)
    margin[np.asarray(shares) < MIN_NAMED_SHARE, :] = -np.inf
    names: list[str | None] = [None] * len(centres)
    rules: list[str] = [""] * len(centres)
    while (margin > 0).any():
        segment, r = np.unravel_index(int(np.argmax(margin)), margin.shape)
        names[segment] = RULES[r].name
        rules[segment] = RULES[r].describe(signals, int(segment))
        margin[segment, :] = -np.inf
        margin[:, r] = -np.inf
    fallback = 0
    for segment, name in enumerate(names):
        if name is None:
            fallback += 1
            names[segment] = FALLBACK.format(n=fallback)
            why = (
                f"share {shares[segment]:.1%} < {MIN_NAMED_SHARE:.0%}"
                if shares[segment] < MIN_NAMED_SHARE
                else "no rule's signals beat its threshold"
            )
            rules[segment] = f"{why}: " + ", ".join(
                f"z_{s} {v[segment]:+.2f}" for s, v in signals.items()
            )
    return Naming([str(n) for n in names], rules, signals)


def group_sizes() -> Mapping[str, int]:
    """How many features each group contributes (reported with the segmentation)."""
    return {group: len(columns) for group, columns in FEATURE_GROUPS.items()}


def _logged(values: pd.DataFrame, logged: frozenset[str]) -> pd.DataFrame:
    out = values.copy()
    for column in logged:
        out[column] = np.log1p(out[column].clip(lower=0))
    return out


def _require(frame: pd.DataFrame, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"segmentation input lacks feature column(s): {', '.join(missing)}")
