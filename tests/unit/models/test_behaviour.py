"""Behavioural tests (CheckList style): what the models must do, whatever their R².

Aggregate metrics can look fine while a model has learned something backwards.
These tests perturb one input, hold everything else fixed, and check the direction
of the change (directional expectations) or that nothing changes (invariances).
Models are fitted on 5,000 generated customers and probed on 1,500 others.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engage.data.chunk import ChunkSpec, generate_chunk
from engage.data.content import build_catalogue
from engage.data.generator import AS_OF
from engage.data.random import stream
from engage.models.churn import ChurnModel
from engage.models.engagement import EngagementModel


def customers(rows: int, seed: int) -> pd.DataFrame:
    spec = ChunkSpec(seed, 0, 1, rows, 7, AS_OF, build_catalogue(stream(seed, 0, "catalogue")))
    return generate_chunk(spec)["customers"].to_pandas()


@pytest.fixture(scope="module")
def train() -> pd.DataFrame:
    return customers(5_000, 21)


@pytest.fixture(scope="module")
def probe() -> pd.DataFrame:
    return customers(1_500, 22)


@pytest.fixture(scope="module")
def engagement(train: pd.DataFrame) -> EngagementModel:
    return EngagementModel().fit(train, train["engagement_score"].to_numpy())


@pytest.fixture(scope="module")
def churn(train: pd.DataFrame) -> ChurnModel:
    return ChurnModel(n_jobs=1).fit(train, train["churn_30_day"].to_numpy())


def test_more_logins_never_lowers_engagement_on_average(
    engagement: EngagementModel, probe: pd.DataFrame
) -> None:
    before = engagement.predict(probe)
    more = probe.assign(avg_daily_logins=np.minimum(probe["avg_daily_logins"] * 1.5, 50.0))
    change = engagement.predict(more) - before
    assert change.mean() > 0
    assert (change > 0).mean() > 0.5, "raising logins should raise most customers' score"
    assert (change < 0).mean() < 0.05


def test_customer_id_does_not_change_engagement(
    engagement: EngagementModel, probe: pd.DataFrame
) -> None:
    renamed = probe.assign(customer_id="ANON_" + probe["customer_id"].str[::-1])
    np.testing.assert_array_equal(engagement.predict(renamed), engagement.predict(probe))


def test_row_and_column_order_do_not_change_engagement(
    engagement: EngagementModel, probe: pd.DataFrame
) -> None:
    expected = engagement.predict(probe)
    shuffled = probe.sample(frac=1.0, random_state=1)
    shuffled = shuffled[list(reversed(shuffled.columns))]
    np.testing.assert_array_equal(engagement.predict(shuffled), expected[shuffled.index])


def test_longer_absence_raises_churn_probability(churn: ChurnModel, probe: pd.DataFrame) -> None:
    before = churn.predict_proba(probe)
    absent = probe.assign(
        days_since_last_login=np.minimum(probe["days_since_last_login"] + 14, 365)
    )
    after = churn.predict_proba(absent)
    assert after.mean() > before.mean()
    assert (after > before).mean() > 0.5


def test_customer_id_does_not_change_churn(churn: ChurnModel, probe: pd.DataFrame) -> None:
    renamed = probe.assign(customer_id="X" + probe["customer_id"])
    np.testing.assert_array_equal(churn.predict_proba(renamed), churn.predict_proba(probe))
