"""The data contract: every table, column, type, range and role (see tables.py)."""

from engage.contract.schema import Column, DType, Protection, Role, Table
from engage.contract.tables import (
    ACCOUNT_TYPES,
    ACTIVITY,
    AFFINITY_COLUMNS,
    AFFINITY_FLOOR,
    ALL_TABLES,
    ANOMALY_KINDS,
    CONTENT_CATEGORIES,
    CONTENT_ITEMS,
    CUSTOMER_MESSAGES,
    CUSTOMER_PII,
    CUSTOMERS,
    DEVICE_TYPES,
    EDGES,
    EMOTIONS,
    GENDERS,
    GROUND_TRUTH,
    INFLUENCE_TIERS,
    INTERACTION_TYPES,
    INTERACTIONS,
    MESSAGE_CHANNELS,
    MODEL_INPUTS,
    PERSONAS,
    PREMIUM_FEATURE_COUNT,
    PROHIBITED_ATTRIBUTES,
    QUALITY_WEIGHT,
    STYLE_COLUMNS,
    STYLE_DIM,
    STYLE_WEIGHT,
    TARGETS,
    TASTE_CATEGORIES,
    TIMES_OF_DAY,
    TRUTH_ACTIVITY,
    TRUTH_ITEMS,
    TRUTH_MESSAGES,
    TRUTH_TABLES,
    TRUTH_TASTES,
    US_STATES,
)


def table(name: str) -> Table:
    """Look a contract table up by name, naming the known ones when it is missing."""
    for t in ALL_TABLES:
        if t.name == name:
            return t
    known = ", ".join(t.name for t in ALL_TABLES)
    raise KeyError(f"no contract table {name!r}; known tables: {known}")


__all__ = [
    "ACCOUNT_TYPES",
    "ACTIVITY",
    "AFFINITY_COLUMNS",
    "AFFINITY_FLOOR",
    "ALL_TABLES",
    "ANOMALY_KINDS",
    "CONTENT_CATEGORIES",
    "CONTENT_ITEMS",
    "CUSTOMERS",
    "CUSTOMER_MESSAGES",
    "CUSTOMER_PII",
    "DEVICE_TYPES",
    "EDGES",
    "EMOTIONS",
    "GENDERS",
    "GROUND_TRUTH",
    "INFLUENCE_TIERS",
    "INTERACTIONS",
    "INTERACTION_TYPES",
    "MESSAGE_CHANNELS",
    "MODEL_INPUTS",
    "PERSONAS",
    "PREMIUM_FEATURE_COUNT",
    "PROHIBITED_ATTRIBUTES",
    "QUALITY_WEIGHT",
    "STYLE_COLUMNS",
    "STYLE_DIM",
    "STYLE_WEIGHT",
    "TARGETS",
    "TASTE_CATEGORIES",
    "TIMES_OF_DAY",
    "TRUTH_ACTIVITY",
    "TRUTH_ITEMS",
    "TRUTH_MESSAGES",
    "TRUTH_TABLES",
    "TRUTH_TASTES",
    "US_STATES",
    "Column",
    "DType",
    "Protection",
    "Role",
    "Table",
    "table",
]  # fmt: skip

# Next best action (issue 18 item 2).
from engage.contract.tables import BANDIT_LOG, NBA_ACTIONS, TRUTH_ACTIONS  # noqa: E402

__all__ += ["BANDIT_LOG", "NBA_ACTIONS", "TRUTH_ACTIONS"]
