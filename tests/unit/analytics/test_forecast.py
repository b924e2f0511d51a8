"""The 7-day forecast models on synthetic series whose seasonality and noise are known."""

import numpy as np
import pytest

from engage.analytics import forecast as fc
from engage.analytics import forecast_ets, forecast_gbm, forecast_tslm, grade_forecast

DAYS = 90


def simulate(n, seed, days=DAYS + fc.HORIZON, noise=0.02, hinge=30):
    """Level, a trend over the last `hinge` days before the cut-off (DAYS) that carries
    on after it, a weekly sine per customer, Gaussian noise: (noisy, noise-free)."""
    rng = np.random.default_rng(seed)
    t = np.arange(days)
    level = rng.uniform(0.2, 0.7, n)[:, None]
    slope = rng.normal(0, 0.002, n)[:, None]
    weekly = rng.uniform(0.02, 0.06, n)[:, None] * np.sin(2 * np.pi * t / 7)[None, :]
    clean = level + slope * np.maximum(t - (DAYS - hinge), 0)[None, :] + weekly
    return clean + noise * rng.standard_normal((n, days)), clean


def test_seasonal_regression_recovers_a_noise_free_pattern():
    _, clean = simulate(50, 1, hinge=29)  # the design bends on day DAYS-1-28
    pred = forecast_tslm.forecast(clean[:, :DAYS], 0, 28)
    assert np.abs(pred - clean[:, DAYS:]).max() < 1e-6


def test_holt_winters_follows_the_weekly_shape():
    noisy, clean = simulate(300, 2)
    pred, choice = forecast_ets.forecast(noisy[:, :DAYS])
    naive = noisy[:, DAYS - 7 : DAYS]
    truth = clean[:, DAYS:]
    assert np.abs(pred - truth).mean() < np.abs(naive - truth).mean()
    assert choice.max() < len(forecast_ets.GRID)


def test_gradient_boosting_beats_seasonal_naive():
    noisy, _ = simulate(600, 3)
    pred = forecast_gbm.forecast(noisy[:, :DAYS], 0, seed=0)
    scale = fc.naive_scale(noisy[:, :DAYS])
    assert fc.panel_mase(pred, noisy[:, DAYS:], scale) < 1.0


def test_intervals_cover_at_their_level_on_simulated_data():
    noisy, _ = simulate(4_000, 4)
    res = fc.fit_forecast(noisy[:, :DAYS], 0, fc.candidates(learned=False))
    grades = grade_forecast.grade(res, noisy[:, :DAYS], noisy[:, DAYS:])
    assert res.model.startswith("seasonal_trend")  # the true shape wins the validation
    assert grades["mase_panel"] < 1
    assert grades["coverage_80"] == pytest.approx(0.80, abs=0.03)
    assert grades["coverage_95"] == pytest.approx(0.95, abs=0.02)
    assert grades["total_inside_95"] >= 6
    assert (res.lower[0.8] >= res.lower[0.95]).all() and (res.upper[0.8] <= res.upper[0.95]).all()


def test_a_perfect_forecast_grades_perfectly():
    noisy, _ = simulate(100, 5)
    res = fc.fit_forecast(
        noisy[:, :DAYS], 0, {"oracle": lambda y, fw: noisy[:, len(y[0]) :][:, :7]}
    )
    res.point = noisy[:, DAYS:]
    grades = grade_forecast.grade(res, noisy[:, :DAYS], noisy[:, DAYS:])
    assert grades["mase_panel"] == 0 and grades["relative_mae_vs_seasonal_naive"] == 0


@pytest.mark.parametrize("shape", [(0, 90), (10, 20), (10,)])
def test_too_short_or_empty_history_is_refused(shape):
    with pytest.raises(ValueError, match="history"):
        fc.fit_forecast(np.zeros(shape), 0, fc.candidates(learned=False))
