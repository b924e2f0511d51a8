"""Writing the restricted area and the masked support view, and registering them.

PII goes to ``engagement-restricted/`` only. Locally, that folder is made readable by
its owner alone (0700/0600): file permissions are the local stand-in for the bucket
policy that guards it on AWS, so another OS user cannot read PII through the catalog.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa

from engage import lake
from engage.lake import TableName
from engage.ports import ObjectStore, SqlEngine
from engage.privacy.erasure_log import TABLE as ERASURE_TABLE
from engage.privacy.pii import support_view
from engage.privacy.tokens import Tokenizer

PII_TABLE = TableName.CUSTOMER_PII
SUPPORT_TABLE = TableName.SUPPORT_VIEW
DECISIONS_TABLE = TableName.REVIEW_DECISIONS
SUPPORT_FILE = lake.SUPPORT_VIEW + "part-0.parquet"


def restrict_local(store: ObjectStore, prefix: str = lake.RESTRICTED) -> None:
    """Owner-only permissions on a local restricted folder; a no-op for remote stores."""
    root = Path(store.uri(prefix))
    if not root.is_dir():
        return
    root.chmod(0o700)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            (Path(folder) / name).chmod(0o700)
        for name in files:
            (Path(folder) / name).chmod(0o600)


def publish_pii(
    store: ObjectStore, sql: SqlEngine, pii: pa.Table, customers: pa.Table, tokenizer: Tokenizer
) -> None:
    """Replace the restricted PII table and the masked support view; register both."""
    store.write_parquet(lake.RESTRICTED_PII_FILE, pii)
    restrict_local(store)
    sql.register_parquet(PII_TABLE, lake.RESTRICTED_PII)
    store.write_parquet(SUPPORT_FILE, support_view(pii, customers, tokenizer))
    sql.register_parquet(SUPPORT_TABLE, lake.SUPPORT_VIEW)


def register_appended_tables(store: ObjectStore, sql: SqlEngine) -> list[str]:
    """(Re)register the append-only tables that exist in the lake (a rebuilt catalog too)."""
    registered = []
    for name, prefix in (
        (ERASURE_TABLE, lake.ERASURE_LOG),
        (DECISIONS_TABLE, lake.REVIEW_DECISIONS),
    ):
        if any(k.endswith(".parquet") for k in store.list(prefix)):
            sql.register_parquet(name, prefix)
            registered.append(name)
    return registered
