"""Statistical properties the seed asks of the synthetic data (001 §3.4)."""

import numpy as np
import pyarrow.compute as pc
import pytest
from scipy import stats

from engage import contract
from engage.contract.validate import validate_table


def col(tables, table, name):
    return tables[table].column(name).to_numpy(zero_copy_only=False)


@pytest.mark.parametrize("table", contract.ALL_TABLES, ids=lambda t: t.name)
def test_every_table_conforms_to_the_contract(small_tables, table):
    data = small_tables[table.name]
    assert data.schema.names == table.names
    assert validate_table(data, table) == []


def test_free_premium_split_is_70_30(small_tables):
    premium = (col(small_tables, "customers", "account_type") == "premium").mean()
    assert premium == pytest.approx(0.30, abs=0.005)


def test_age_follows_normal_32_10_truncated_to_18_65(small_tables):
    age = col(small_tables, "customers", "age")
    assert age.min() >= 18 and age.max() <= 65
    dist = stats.truncnorm((18 - 32) / 10, (65 - 32) / 10, loc=32, scale=10)
    assert age.mean() == pytest.approx(dist.mean(), abs=0.3)
    assert age.std() == pytest.approx(dist.std(), abs=0.3)


def test_premium_raises_engagement_more_for_25_34_than_55_plus(small_tables):
    eng = col(small_tables, "customers", "engagement_score")
    premium = col(small_tables, "customers", "account_type") == "premium"
    assert eng[premium].mean() > eng[~premium].mean() + 0.05
    effect = col(small_tables, "ground_truth", "premium_effect")
    age = col(small_tables, "customers", "age")
    young, old = effect[(age >= 25) & (age <= 34)], effect[age >= 55]
    assert effect.min() >= 0
    assert young.mean() > 2 * old.mean()


def test_matches_raise_logins(small_tables):
    logins = col(small_tables, "customers", "avg_daily_logins")
    match = col(small_tables, "customers", "match_success_rate")
    assert stats.spearmanr(match, logins).statistic > 0.1


def test_connections_have_a_power_law_tail(small_tables):
    degree = col(small_tables, "customers", "total_connections").astype(float)
    tail = np.sort(degree[degree > 0])[-500:]
    hill = 1 + len(tail) / np.log(tail / tail[0]).sum()  # tail exponent estimate
    assert 2.0 < hill < 4.5
    assert degree.max() > 20 * np.median(degree)


def test_sentiment_and_categories_match_the_seed(small_tables):
    sentiment = col(small_tables, "customers", "avg_sentiment_score")
    assert sentiment.min() >= -0.8 and sentiment.max() <= 0.9
    cats = set(col(small_tables, "customers", "content_category_primary"))
    assert cats == set(contract.CONTENT_CATEGORIES)
    states = set(col(small_tables, "customers", "location"))
    assert len(states) == 50


def test_anomaly_rate_is_half_a_percent_and_anomalies_look_abnormal(small_tables):
    flag = col(small_tables, "ground_truth", "is_anomaly")
    assert flag.mean() == pytest.approx(0.005, abs=0.0005)
    kind = col(small_tables, "ground_truth", "anomaly_kind")
    assert set(kind[flag]) == set(contract.ANOMALY_KINDS)
    assert all(k is None for k in kind[~flag])
    trust = col(small_tables, "customers", "trust_score")
    # Lower on average, but within the organic range (no single column separates them).
    assert trust[flag].mean() < trust[~flag].mean()
    assert trust[flag].min() >= trust[~flag].min()


def test_targets_are_learnable_but_noisy(small_tables):
    observed = col(small_tables, "customers", "engagement_score")
    expected = col(small_tables, "ground_truth", "expected_engagement")
    ceiling = 1 - ((observed - expected) ** 2).sum() / ((observed - observed.mean()) ** 2).sum()
    assert 0.85 < ceiling < 0.99
    churn = col(small_tables, "customers", "churn_30_day")
    prob = col(small_tables, "ground_truth", "churn_probability")
    assert churn.mean() == pytest.approx(prob.mean(), abs=0.01)
    assert 0.1 < churn.mean() < 0.35
    ltv = col(small_tables, "customers", "lifetime_value_usd")
    median = col(small_tables, "ground_truth", "ltv_median")
    assert (ltv < median).mean() == pytest.approx(0.5, abs=0.02)


def test_some_gig_columns_are_null_for_customers_without_gigs(small_tables):
    rating = small_tables["customers"].column("avg_job_completion_rating")
    listings = col(small_tables, "customers", "gig_listings_active")
    assert 0 < rating.null_count < len(rating)
    assert (listings[pc.is_null(rating).to_numpy(zero_copy_only=False)] == 0).all()


def test_the_graph_has_planted_communities_and_influencers(small_tables):
    community = col(small_tables, "ground_truth", "community")
    influence = col(small_tables, "ground_truth", "true_influence")
    ids = col(small_tables, "ground_truth", "customer_id")
    position = {c: i for i, c in enumerate(ids)}
    edges = small_tables["social_edges"]
    src = np.array([position[c] for c in edges.column("src_customer_id").to_pylist()])
    dst = np.array([position[c] for c in edges.column("dst_customer_id").to_pylist()])
    sizes = np.bincount(community - community.min())
    sizes = sizes[sizes > 0]
    assert len(sizes) >= 5 and sizes.max() > 3 * sizes.min()  # varied sizes
    assert 0.65 < (community[src] == community[dst]).mean() < 0.9  # mostly within the block
    degree = col(small_tables, "customers", "total_connections")
    top = influence >= np.quantile(influence, 0.99)
    assert degree[top].mean() > 5 * degree.mean()  # influencers are well connected
    cross = np.bincount(src[community[src] != community[dst]], minlength=len(ids))
    cross += np.bincount(dst[community[src] != community[dst]], minlength=len(ids))
    share = cross / np.maximum(degree, 1)
    assert share[top].mean() > 1.1 * share[~top & (degree > 0)].mean()  # and reach out


def test_planted_personas_have_their_shares_and_drive_behaviour(small_tables):
    from engage.data.population import NOISE_SHARE, PERSONAS

    persona = col(small_tables, "ground_truth", "persona")
    assert set(persona) == set(contract.PERSONAS)
    for name, (share, _) in PERSONAS.items():
        assert (persona == name).mean() == pytest.approx(share, abs=0.03), name
    assert (persona == "noise").mean() == pytest.approx(NOISE_SHARE, abs=0.02)

    def mean(column, who):
        values = col(small_tables, "customers", column).astype(float)
        return np.nanmean(values[persona == who])

    revenue, logins = "transaction_revenue_month", "avg_daily_logins"
    assert mean(revenue, "gig_worker") > 3 * mean(revenue, "casual_browser")
    assert mean("total_connections", "social_butterfly") > mean("total_connections", "new_user")
    assert mean(logins, "power_user") > mean(logins, "casual_browser") > mean(logins, "at_risk")
    tenure = "time_since_first_transaction_days"
    assert mean(tenure, "new_user") < 0.3 * mean(tenure, "gig_worker")
    assert mean("days_since_last_login", "at_risk") > mean("days_since_last_login", "power_user")
