"""The generated tables agree with each other: graph, content, history, PII."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from engage.data.activity import HISTORY_DAYS, last_week_slope


def test_ids_follow_the_seed_format(small_tables):
    ids = small_tables["customers"].column("customer_id").to_pylist()
    assert ids[0] == "CUST_0000001" and ids[-1] == f"CUST_{len(ids):07d}"


def test_total_connections_is_the_degree_in_the_edge_list(small_tables):
    edges = small_tables["social_edges"]
    ends = pa.concat_arrays([edges.column(0).combine_chunks(), edges.column(1).combine_chunks()])
    counts = pc.value_counts(ends)
    degree = dict(zip(counts.field(0).to_pylist(), counts.field(1).to_pylist(), strict=True))
    customers = small_tables["customers"]
    ids = customers.column("customer_id").to_pylist()
    total = customers.column("total_connections").to_pylist()
    assert all(degree.get(i, 0) == t for i, t in zip(ids, total, strict=True))
    assert pc.all(pc.less(edges.column(0), edges.column(1))).as_py()


def test_primary_category_is_the_most_weighted_in_interactions(small_tables):
    inter = small_tables["interactions"].to_pandas()
    weights = inter.groupby(["customer_id", "category"]).weight.sum().unstack(fill_value=0)
    customers = small_tables["customers"].to_pandas().set_index("customer_id")
    primary = customers.loc[weights.index, "content_category_primary"]
    top = weights.max(axis=1)
    chosen = weights.to_numpy()[np.arange(len(weights)), weights.columns.get_indexer(primary)]
    assert (chosen == top.to_numpy()).all()


def test_history_has_90_days_and_agrees_with_recency_and_trend(small_tables):
    act = small_tables["activity"].to_pandas()
    assert act.groupby("customer_id").size().eq(HISTORY_DAYS).all()
    customers = small_tables["customers"].to_pandas().set_index("customer_id")
    sample = customers.index[:500]
    sub = act[act.customer_id.isin(sample)].sort_values(["customer_id", "activity_date"])
    eng = sub.daily_engagement.to_numpy().reshape(len(sample), HISTORY_DAYS)
    logins = sub.logins.to_numpy().reshape(len(sample), HISTORY_DAYS)
    trend = customers.loc[sample, "last_7_day_engagement_trend"].to_numpy()
    assert np.allclose(last_week_slope(eng), trend, atol=2e-4)
    last_login = HISTORY_DAYS - 1 - np.where(logins > 0, np.arange(HISTORY_DAYS), -1).max(axis=1)
    days_since = customers.loc[sample, "days_since_last_login"].to_numpy()
    within = days_since < HISTORY_DAYS
    assert (last_login[within] == days_since[within]).all()


def test_weekly_seasonality_is_visible(small_tables):
    act = small_tables["activity"].to_pandas()
    by_weekday = act.groupby(act.activity_date.map(lambda d: d.weekday())).daily_engagement.mean()
    assert by_weekday.max() - by_weekday.min() > 0.03


def test_pii_appears_only_in_the_pii_table(small_tables):
    pii = small_tables["customer_pii"]
    assert pii.column_names == ["customer_id", "full_name", "email"]
    pattern = r"^[a-z.\-']+\.\d+@example\."
    assert pc.all(pc.match_substring_regex(pii.column("email"), pattern)).as_py()
    for name, table in small_tables.items():
        if name == "customer_pii":
            continue
        assert not {"full_name", "email"} & set(table.column_names)
        for column in table.columns:
            if pa.types.is_string(column.type):
                assert not pc.any(pc.match_substring(column, "@")).as_py(), name


def test_csv_and_parquet_hold_the_same_rows(small_dataset, small_tables):
    for name in ("customers", "customer_pii", "ground_truth"):
        csv = pacsv.read_csv(small_dataset / f"{name}.csv")
        assert csv.num_rows == small_tables[name].num_rows
        assert csv.column_names == small_tables[name].column_names
