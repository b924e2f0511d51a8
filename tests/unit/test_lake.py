"""The lake layout: one map from catalog tables to lake prefixes (seed §6)."""

from __future__ import annotations

import pytest

from engage import lake

SEED_BUCKETS = {
    "engagement-data",
    "engagement-models",
    "engagement-predictions",
    "engagement-qa",
    "engagement-results",
}


def test_four_schemas() -> None:
    assert lake.SCHEMAS == (
        "engagement_raw",
        "engagement_predictions",
        "engagement_qa",
        "engagement_analytics",
    )


@pytest.mark.parametrize("loc", list(lake.TABLES.values()), ids=list(lake.TABLES))
def test_every_table_lives_in_a_seed_bucket_folder(loc: lake.TableLocation) -> None:
    assert loc.schema in lake.SCHEMAS
    assert loc.prefix.endswith("/") and loc.prefix.split("/")[0] in SEED_BUCKETS
    assert loc.file_format == "PARQUET"
    assert loc.seed_s3_uri == "s3://" + loc.prefix


def test_no_two_tables_share_or_nest_a_prefix() -> None:
    prefixes = [t.prefix for t in lake.TABLES.values()]
    for a in prefixes:
        assert [b for b in prefixes if b.startswith(a)] == [a]


def test_seed_locations() -> None:
    assert lake.table_location("engagement_raw.training_data").prefix == (
        "engagement-data/processed/training/"
    )
    assert lake.table_location("engagement_raw.customers").prefix == lake.RAW_CUSTOMERS
    assert lake.RAW_CUSTOMERS == "engagement-data/raw/customers/"
    assert lake.RAW_CUSTOMERS_FILE == "engagement-data/raw/customers/customers.parquet"
    final = lake.table_location("engagement_analytics.final_results")
    assert final.prefix == "engagement-results/final/"
    assert final.partitioned_by == ("location", "account_type")
    assert lake.table_location("engagement_qa.human_review").prefix == "engagement-qa/review_queue/"


def test_unknown_table_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match=r"engagement_raw\.customers"):
        lake.table_location("engagement_raw.custmers")


def test_staging_and_sql_names() -> None:
    staged = lake.staging_prefix("engagement_qa.human_review", "abc")
    assert staged == "_staging/engagement_qa.human_review/abc/"
    assert staged.startswith(lake.STAGING)
    assert lake.sql_file_name("engagement_qa.human_review") == "engagement_qa/human_review"
    with pytest.raises(ValueError, match=r"schema\.table"):
        lake.sql_file_name("human_review")
