"""IsolationForest scoring for one row in ~0.1 ms instead of ~10 ms.

scikit-learn scores a sample by calling `apply` on each of the 100 trees in
turn, which costs tens of microseconds per tree in call overhead alone. Here
the trees are packed into padded arrays once, every tree is walked at the same
time with numpy (one step per tree level), and the per-leaf path lengths are
summed in tree order exactly as `IsolationForest._compute_score_samples` does,
so the raw score equals scikit-learn's to the last bit (tested).
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import IsolationForest


def _average_path_length(n: np.ndarray) -> np.ndarray:
    """scikit-learn's `_average_path_length` (unsuccessful BST search length)."""
    n = np.asarray(n, dtype=np.float64)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


class PackedForest:
    """The fitted trees of an IsolationForest as (trees x nodes) arrays."""

    def __init__(self, forest: IsolationForest) -> None:
        trees = [est.tree_ for est in forest.estimators_]
        width = max(t.node_count for t in trees)
        shape = (len(trees), width)
        self.left = np.full(shape, -1, dtype=np.int64)
        self.right = np.full(shape, -1, dtype=np.int64)
        self.feature = np.zeros(shape, dtype=np.int64)
        self.threshold = np.zeros(shape, dtype=np.float64)
        self.leaf_value = np.zeros(shape, dtype=np.float64)
        for i, tree in enumerate(trees):
            n = tree.node_count
            self.left[i, :n], self.right[i, :n] = tree.children_left, tree.children_right
            self.feature[i, :n] = np.maximum(tree.feature, 0)
            self.threshold[i, :n] = tree.threshold
            # What _compute_score_samples adds per tree for a sample ending in each node.
            depth = tree.compute_node_depths()
            self.leaf_value[i, :n] = depth + _average_path_length(tree.n_node_samples) - 1.0
        self.depth = max(int(t.max_depth) for t in trees)
        self.rows = np.arange(len(trees))
        self.features = [np.asarray(f) for f in forest.estimators_features_]
        if any(len(f) != forest.n_features_in_ for f in self.features):
            raise ValueError("feature-subsampled forests are not supported")
        self.denominator = len(trees) * float(
            _average_path_length(np.array([forest._max_samples]))[0]
        )

    def raw_score(self, x: np.ndarray) -> float:
        """The paper's score of one sample (what `-forest.score_samples` returns)."""
        x32 = np.asarray(x, dtype=np.float32).astype(np.float64)  # trees compare float32 input
        node = np.zeros(len(self.rows), dtype=np.int64)
        for _ in range(self.depth):
            left = self.left[self.rows, node]
            go_left = x32[self.feature[self.rows, node]] <= self.threshold[self.rows, node]
            nxt = np.where(go_left, left, self.right[self.rows, node])
            node = np.where(left == -1, node, nxt)
        depths = np.cumsum(self.leaf_value[self.rows, node])[-1:]  # sequential, in tree order
        if self.denominator == 0:
            return 1.0
        return float((2 ** (-np.divide(depths, self.denominator)))[0])  # numpy's pow, as sklearn
