"""Grade a run against the generator's ground truth (never read by training).

The engagement target is latent signal plus noise, so even a perfect model cannot
reach R² = 1. The ceiling is the R² of the noise-free expected engagement on the
same test customers: a model is judged by how close it gets to that, not to 1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from engage.models.metrics import regression_metrics

TEST_RULE = 8  # customer-id suffix mod 10 >= 8 is test (sql/engagement_raw/test_data.sql)


def engagement_ceiling(data_dir: Path) -> float | None:
    """R² of the ground-truth expected engagement on the test split; None without truth."""
    truth_path, customers_path = data_dir / "ground_truth.parquet", data_dir / "customers.parquet"
    if not truth_path.is_file() or not customers_path.is_file():
        return None
    truth = pq.read_table(truth_path, columns=["customer_id", "expected_engagement"])
    actual = pq.read_table(customers_path, columns=["customer_id", "engagement_score"])
    joined = actual.join(truth, "customer_id")
    suffix = pc.cast(pc.utf8_slice_codeunits(joined["customer_id"], 5), "int64")
    test = joined.filter(pc.greater_equal(pc.remainder(suffix, 10), TEST_RULE))
    if test.num_rows == 0:
        return None
    y = test["engagement_score"].to_numpy()
    return regression_metrics(y, np.clip(test["expected_engagement"].to_numpy(), 0, 1))["r2"]
