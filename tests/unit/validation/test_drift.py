"""PSI drift: identical data is stable, sampling noise is not an alarm, a real shift is."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from engage.validation.drift import drift_report, profile, psi
from engage.validation.html import render

COLUMNS = ["avg_daily_logins", "device_type", "avg_job_completion_rating"]


def _frame(n: int, seed: int, logins_scale: float = 1.5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rating = rng.uniform(1, 5, n)
    rating[rng.random(n) < 0.3] = np.nan  # customers without gigs have no rating
    return pd.DataFrame(
        {
            "avg_daily_logins": rng.gamma(2.0, logins_scale, n),
            "device_type": rng.choice(["ios", "android", "web"], n, p=[0.5, 0.4, 0.1]),
            "avg_job_completion_rating": rating,
        }
    )


def test_psi_is_zero_for_equal_shares_and_grows_with_the_shift() -> None:
    assert psi([0.5, 0.5], [0.5, 0.5]) == 0.0
    assert 0 < psi([0.5, 0.5], [0.55, 0.45]) < psi([0.5, 0.5], [0.8, 0.2])


def test_identical_data_has_no_drift() -> None:
    frame = _frame(20_000, 1)
    report = drift_report(profile(frame, COLUMNS), frame, 0.1, 0.25)
    assert report["status"] == "ok"
    assert all(c["psi"] == pytest.approx(0.0, abs=1e-9) for c in report["columns"].values())


def test_a_fresh_sample_of_100k_rows_from_the_same_population_is_not_an_alarm() -> None:
    report = drift_report(profile(_frame(100_000, 1), COLUMNS), _frame(100_000, 2), 0.1, 0.25)
    assert report["status"] == "ok"
    assert max(c["psi"] for c in report["columns"].values()) < 0.01


def test_a_real_shift_fails_and_names_the_column() -> None:
    shifted = _frame(20_000, 2, logins_scale=3.0)
    shifted.loc[:8_000, "device_type"] = "web"
    report = drift_report(profile(_frame(20_000, 1), COLUMNS), shifted, 0.1, 0.25)
    assert report["status"] == "fail"
    assert report["columns"]["avg_daily_logins"]["level"] == "fail"
    assert report["columns"]["device_type"]["level"] == "fail"
    assert report["columns"]["avg_job_completion_rating"]["level"] == "ok"
    assert next(iter(report["columns"])) in ("avg_daily_logins", "device_type")  # worst first


def test_more_missing_values_count_as_drift() -> None:
    base, now = _frame(20_000, 1), _frame(20_000, 2)
    now.loc[:10_000, "avg_job_completion_rating"] = np.nan
    report = drift_report(profile(base, COLUMNS), now, 0.1, 0.25)
    assert report["columns"]["avg_job_completion_rating"]["level"] != "ok"


def test_without_a_reference_there_is_nothing_to_compare() -> None:
    assert drift_report(None, _frame(100, 1), 0.1, 0.25)["status"] == "no_reference"


def test_the_html_report_shows_status_and_every_column() -> None:
    frame = _frame(5_000, 1)
    drift = drift_report(profile(frame, COLUMNS), _frame(5_000, 2, 3.0), 0.1, 0.25)
    report = {"run_id": "run_x", "status": "failed", "counts": {"raw_rows": 5000},
              "checks": {"drift": [{"check": "drift", "column": "avg_daily_logins",
                                    "count": 5000, "detail": "PSI 0.5 > 0.25"}]},
              "reference_run": "run_w", "drift": drift}  # fmt: skip
    page = render(report)
    assert page.startswith("<!doctype html>") and "run_x" in page and "run_w" in page
    assert all(name in page for name in COLUMNS)
    assert "PSI 0.5 &gt; 0.25" in page
