"""The lake layout, in one place (seed §6): where every dataset and catalog table lives.

Keys are relative to the lake root (a local directory or ``s3://bucket/prefix``) and
start with the seed's bucket names, so ``s3://`` + key is the seed's own S3 URL.
Stages, the DuckDB engine and (later) the Athena adapter all read this module instead
of spelling paths, so moving a dataset is a one-line change here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

# sql/ is package data: one statement per file, named after the table it makes (Athena
# dialect); the wheel and the image carry it.
SQL_DIR = Path(__file__).resolve().parent / "sql"

RAW = "engagement-data/raw/"
PROCESSED_TRAINING = "engagement-data/processed/training/"
PROCESSED_TEST = "engagement-data/processed/test/"
PROCESSED_INFERENCE = "engagement-data/processed/inference/"
# The inference input cut into hash(customer_id) % N shards by data preparation, with the
# JSON manifest the ScoreShards Map reads (ItemReader) and writes results beside (ResultWriter)
INFERENCE_SHARDS = "engagement-data/processed/inference_shards/"
MODELS = "engagement-models/"
PREDICTIONS = "engagement-predictions/"
QA_REVIEW_QUEUE = "engagement-qa/review_queue/"
QA_BACKLOG = "engagement-qa/backlog/"  # queue items of earlier runs not yet decided
RESULTS_FINAL = "engagement-results/final/"
FAIRNESS_METRICS = "engagement-results/fairness_metrics/"  # per model and run, every group
PREMIUM_UPLIFT = "engagement-results/premium_uplift/"  # causal effect of premium, per customer
PREMIUM_TARGETS = "engagement-results/premium_targets/"  # free customers ranked by that effect
SEGMENTS = "engagement-results/segments/"  # every customer's segment (segmentation stage)
SEGMENT_PROFILES = "engagement-results/segment_profiles/"  # one row per segment
FEDERATED = "engagement-results/federated/"  # `engage federated`: one row per arm
RUNS = "engagement-runs/"
REPORTS = "engagement-reports/"  # per-run stage reports (validation, training, ...)
AUDIT = "engagement-audit/"  # append-only prediction audit trail, date=YYYY-MM-DD/ partitions
STAGING = "_staging/"  # work in progress; published into place atomically
# Directly identifying data and privacy records: a bucket of its own, so that one access
# policy (IAM on AWS, file permissions locally) guards it and nothing that iterates TABLES
# (analytics, Q&A, exports of the catalog) ever reaches it.
RESTRICTED = "engagement-restricted/"

RAW_CUSTOMERS = RAW + "customers/"
RAW_CUSTOMERS_FILE = RAW_CUSTOMERS + "customers.parquet"
RAW_INTERACTIONS = RAW + "interactions/"
RAW_CONTENT_ITEMS = RAW + "content_items/"
PREDICTIONS_TABLE = PREDICTIONS + "predictions/"
MODEL_SCORES = PREDICTIONS + "scores/"
FEATURE_IMPORTANCE = (
    PREDICTIONS + "feature_importance/"
)  # one table per model, joined by the ensemble step
ANOMALY_REVIEW = "engagement-qa/anomaly_review/"
MODEL_METRICS = MODELS + "metrics/"
REVIEW_DECISIONS = "engagement-qa/decisions/"  # append-only human QA decisions
SUPPORT_VIEW = "engagement-results/support/"  # masked, tokenised customer contact view
NETWORK = "engagement-results/network/"  # social network analysis (engage.analytics.network)
NETWORK_METRICS = NETWORK + "metrics/"
COMMUNITIES = NETWORK + "communities/"
INFLUENCERS = NETWORK + "influencers/"
# engage notify train's schedule: outside any run's generation (its own command writes it).
NOTIFY_SCHEDULE = "engagement-results/notify_schedule/"
NOTIFY_REPORTS = REPORTS + "notify/"  # one report JSON per `engage notify train`
FORECAST = "engagement-results/forecast/"  # 7-day engagement forecast (issue 18 item 1)
FORECAST_CUSTOMERS = FORECAST + "customers/"
FORECAST_TOTAL = FORECAST + "total/"
RESTRICTED_PII = RESTRICTED + "customer_pii/"
RESTRICTED_PII_FILE = RESTRICTED_PII + "customer_pii.parquet"
ERASURE_LOG = RESTRICTED + "erasure_log/"  # append-only; subject tokens, never ids
SENTIMENT = "engagement-results/sentiment/"  # per-customer sentiment and support alerts
CUSTOMER_SENTIMENT = SENTIMENT + "customers/"
SUPPORT_ALERTS = SENTIMENT + "support_alerts/"
RESTRICTED_MESSAGES = RESTRICTED + "customer_messages/"  # the texts: never leave it
RESTRICTED_MESSAGES_FILE = RESTRICTED_MESSAGES + "customer_messages.parquet"

KNOWLEDGE_BASE = "engagement-kb/"  # the Q&A agent's chunks and vectors, per run

# What a run produces and replaces as one generation (see adapters.store.generations):
# published together at the end of a successful run, or not at all. Everything else
# (registry versions, run history, reports, audit, QA decisions, restricted data)
# is shared by every generation.
GENERATIONAL_PREFIXES = (
    RAW,
    "engagement-data/processed/",
    PREDICTIONS,
    QA_REVIEW_QUEUE,
    QA_BACKLOG,
    ANOMALY_REVIEW,
    RESULTS_FINAL,
    FAIRNESS_METRICS,
    PREMIUM_UPLIFT,
    PREMIUM_TARGETS,
    SEGMENTS,
    SEGMENT_PROFILES,
    MODEL_METRICS,
    SUPPORT_VIEW,
    KNOWLEDGE_BASE,
    NETWORK,
    SENTIMENT,
    FORECAST,
)
# Next best action (issue 18 item 2): the bandit's choice per customer, after the policy check.
NEXT_BEST_ACTION = "engagement-results/next_best_action/"
GENERATIONAL_PREFIXES += (NEXT_BEST_ACTION,)
SERVED_POINTER = "latest.json"  # engagement-models/<model>/latest.json: what is served


def is_generational(key: str) -> bool:
    """True for keys a run publishes as part of its generation (served pointers too)."""
    if key.startswith(GENERATIONAL_PREFIXES):
        return True
    parts = key.split("/")
    return len(parts) == 3 and key.startswith(MODELS) and parts[2] == SERVED_POINTER


RAW_SCHEMA = "engagement_raw"
PREDICTIONS_SCHEMA = "engagement_predictions"
QA_SCHEMA = "engagement_qa"
ANALYTICS_SCHEMA = "engagement_analytics"
SCHEMAS = (RAW_SCHEMA, PREDICTIONS_SCHEMA, QA_SCHEMA, ANALYTICS_SCHEMA)
RESTRICTED_SCHEMA = "engagement_restricted"


class TableName(StrEnum):
    """Every catalog table and view by its qualified name: modules use these, never literals.

    A StrEnum, so a member *is* its name (`f"FROM {TableName.PREDICTIONS}"`, dict keys).
    """

    CUSTOMERS = "engagement_raw.customers"
    TRAINING_DATA = "engagement_raw.training_data"
    TEST_DATA = "engagement_raw.test_data"
    INFERENCE_INPUT = "engagement_raw.inference_input"
    INTERACTIONS = "engagement_raw.interactions"
    CONTENT_ITEMS = "engagement_raw.content_items"
    PREDICTIONS = "engagement_predictions.predictions"
    MODEL_METRICS = "engagement_predictions.model_metrics"
    FEATURE_IMPORTANCE = "engagement_predictions.feature_importance"
    HUMAN_REVIEW = "engagement_qa.human_review"
    REVIEW_BACKLOG = "engagement_qa.review_backlog"
    ANOMALY_REVIEW = "engagement_qa.anomaly_review"
    REVIEW_DECISIONS = "engagement_qa.review_decisions"
    FINAL_RESULTS = "engagement_analytics.final_results"
    FAIRNESS_METRICS = "engagement_analytics.fairness_metrics"
    PREMIUM_UPLIFT = "engagement_analytics.premium_uplift"
    PREMIUM_TARGETS = "engagement_analytics.premium_targets"
    SUPPORT_VIEW = "engagement_analytics.customer_support_view"
    HIGH_VALUE_CUSTOMERS = "engagement_analytics.high_value_customers"
    AT_RISK_CUSTOMERS = "engagement_analytics.at_risk_customers"
    MODEL_PERFORMANCE = "engagement_analytics.model_performance"
    NETWORK_METRICS = "engagement_analytics.network_metrics"
    COMMUNITIES = "engagement_analytics.communities"
    INFLUENCERS = "engagement_analytics.influencers"
    SEGMENTS = "engagement_analytics.segments"
    SEGMENT_PROFILES = "engagement_analytics.segment_profiles"
    NOTIFY_SCHEDULE = "engagement_analytics.notify_schedule"
    NEXT_BEST_ACTION = "engagement_analytics.next_best_action"
    FORECAST = "engagement_analytics.forecast"
    FORECAST_TOTAL = "engagement_analytics.forecast_total"
    FEDERATED_RESULTS = "engagement_analytics.federated_results"
    CUSTOMER_PII = "engagement_restricted.customer_pii"
    ERASURE_LOG = "engagement_restricted.erasure_log"
    CUSTOMER_SENTIMENT = "engagement_analytics.customer_sentiment"
    SUPPORT_ALERTS = "engagement_analytics.support_alerts"
    CUSTOMER_MESSAGES = "engagement_restricted.customer_messages"


@dataclass(frozen=True)
class TableLocation:
    """Where a catalog table's files live and how they are laid out.

    Partition columns are Hive-style (``col=value/`` directories) and, as Athena
    requires for CTAS, are the last columns of the table.
    """

    qualified_name: str
    prefix: str
    file_format: str = "PARQUET"
    partitioned_by: tuple[str, ...] = ()

    @property
    def schema(self) -> str:
        return self.qualified_name.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.qualified_name.split(".", 1)[1]

    @property
    def seed_s3_uri(self) -> str:
        """The seed's S3 URL for this table (its buckets are the keys' first segment)."""
        return "s3://" + self.prefix


def _loc(qualified_name: str, prefix: str, *partitioned_by: str) -> TableLocation:
    return TableLocation(str(qualified_name), prefix, partitioned_by=partitioned_by)


TABLES: dict[str, TableLocation] = {
    t.qualified_name: t
    for t in (
        _loc(TableName.CUSTOMERS, RAW_CUSTOMERS),
        _loc(TableName.TRAINING_DATA, PROCESSED_TRAINING),
        _loc(TableName.TEST_DATA, PROCESSED_TEST),
        _loc(TableName.INFERENCE_INPUT, PROCESSED_INFERENCE),
        _loc(TableName.INTERACTIONS, RAW_INTERACTIONS),
        _loc(TableName.CONTENT_ITEMS, RAW_CONTENT_ITEMS),
        _loc(TableName.PREDICTIONS, PREDICTIONS_TABLE),
        _loc(TableName.MODEL_METRICS, MODEL_METRICS),
        _loc(TableName.FEATURE_IMPORTANCE, FEATURE_IMPORTANCE),
        _loc(TableName.HUMAN_REVIEW, QA_REVIEW_QUEUE),
        _loc(TableName.REVIEW_BACKLOG, QA_BACKLOG),
        _loc(TableName.ANOMALY_REVIEW, ANOMALY_REVIEW),
        _loc(TableName.FINAL_RESULTS, RESULTS_FINAL, "location", "account_type"),
        _loc(TableName.FAIRNESS_METRICS, FAIRNESS_METRICS),
        _loc(TableName.PREMIUM_UPLIFT, PREMIUM_UPLIFT),
        _loc(TableName.PREMIUM_TARGETS, PREMIUM_TARGETS),
        _loc(TableName.REVIEW_DECISIONS, REVIEW_DECISIONS),
        _loc(TableName.SUPPORT_VIEW, SUPPORT_VIEW),
        _loc(TableName.NETWORK_METRICS, NETWORK_METRICS),
        _loc(TableName.COMMUNITIES, COMMUNITIES),
        _loc(TableName.INFLUENCERS, INFLUENCERS),
        _loc(TableName.SEGMENTS, SEGMENTS),
        _loc(TableName.SEGMENT_PROFILES, SEGMENT_PROFILES),
        _loc(TableName.NOTIFY_SCHEDULE, NOTIFY_SCHEDULE),
        _loc(TableName.CUSTOMER_SENTIMENT, CUSTOMER_SENTIMENT),
        _loc(TableName.SUPPORT_ALERTS, SUPPORT_ALERTS),
        _loc(TableName.FORECAST, FORECAST_CUSTOMERS),
        _loc(TableName.FORECAST_TOTAL, FORECAST_TOTAL),
        _loc(TableName.NEXT_BEST_ACTION, NEXT_BEST_ACTION),
        _loc(TableName.FEDERATED_RESULTS, FEDERATED),
    )
}

# Not in TABLES on purpose: see RESTRICTED. Registered by engage.privacy, never by SQL files.
RESTRICTED_TABLES: dict[str, TableLocation] = {
    t.qualified_name: t
    for t in (
        _loc(TableName.CUSTOMER_PII, RESTRICTED_PII),
        _loc(TableName.ERASURE_LOG, ERASURE_LOG),
        _loc(TableName.CUSTOMER_MESSAGES, RESTRICTED_MESSAGES),
    )
}

VIEWS = (
    TableName.HIGH_VALUE_CUSTOMERS,
    TableName.AT_RISK_CUSTOMERS,
    TableName.MODEL_PERFORMANCE,
)


def table_location(qualified_name: str) -> TableLocation:
    """Look a table up, naming the known ones when it is missing (typos fail loudly)."""
    try:
        return TABLES[qualified_name.lower()]
    except KeyError:
        known = ", ".join(sorted(TABLES))
        raise KeyError(f"no lake location for table {qualified_name!r}; known: {known}") from None


def model_scores(model: str) -> TableLocation:
    """Where one model's batch scores live before the ensemble step joins them."""
    return TableLocation(f"{PREDICTIONS_SCHEMA}.{model}_scores", f"{MODEL_SCORES}{model}/")


def staging_prefix(qualified_name: str, token: str) -> str:
    """A private work area for one materialisation of a table, published when complete."""
    return f"{STAGING}{qualified_name.lower()}/{token}/"


@contextmanager
def staged(store: Any, area: str, final_prefix: str) -> Iterator[str]:
    """A fresh staging prefix to fill; published whole to `final_prefix` if the block
    succeeds, and removed either way, so readers never see a half-written dataset.

    `store` is an ObjectStore (typed loosely: the layout module depends on no port).
    """
    staging = staging_prefix(area, uuid.uuid4().hex)
    try:
        yield staging
        store.publish(staging, final_prefix)
    finally:
        store.delete_prefix(staging)


def sql_file_name(qualified_name: str) -> str:
    """``schema.table`` -> ``schema/table``: the file under ``sql/`` that makes the table."""
    schema, _, table = qualified_name.lower().partition(".")
    if not schema or not table:
        raise ValueError(f"expected 'schema.table', got {qualified_name!r}")
    return f"{schema}/{table}"


def audit_key(date: str, name: str) -> str:
    """Where one appended batch of audit records goes (``date`` is YYYY-MM-DD)."""
    return f"{AUDIT}date={date}/{name}"


def report_key(run_id: str, name: str) -> str:
    """Where a run's report `name` (e.g. ``data_validation.json``) is kept."""
    return f"{REPORTS}{run_id}/{name}"
