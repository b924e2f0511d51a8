"""Erasures that happen while a pipeline run is writing its generation.

Why: a run reads the incoming files (and drops customers already erased) at its
start, then writes its tables into a private generation for minutes. `engage
forget` during that time erases the customer from the *published* tables, but
the run's generation was built from data that still held them: publishing it as
is would bring the customer back. So just before publishing, the run erases from
its own generation every customer whose erasure started since it began, with the
same rewrite `forget` uses, and runs the erasure hooks (cache, ...) once the new
generation is live.
"""

from __future__ import annotations

from engage import lake
from engage.ports import ObjectStore, SqlEngine
from engage.privacy.erasure_log import ErasureLog
from engage.privacy.hooks import Hooks
from engage.privacy.rewrite import count_rows, rewrite_without
from engage.privacy.subjects import ID_COLUMN, subject_tables
from engage.privacy.tokens import key_available, load_tokenizer
from engage.settings import Settings


def erased_tokens(store: ObjectStore) -> frozenset[str]:
    """Subject tokens of every erasure started so far (the run records them at its start)."""
    log = ErasureLog(store)
    return frozenset() if log.is_empty() else log.tokens()


def erase_within_run(
    settings: Settings, store: ObjectStore, sql: SqlEngine, before: frozenset[str]
) -> list[str]:
    """Remove from the run's generation customers erased since `before`; their ids."""
    new = erased_tokens(store) - before
    if not new or not key_available(settings) or not store.exists(lake.RAW_CUSTOMERS_FILE):
        return []
    tokenizer = load_tokenizer(settings, create=False)
    ids = store.read_parquet(lake.RAW_CUSTOMERS_FILE).column(ID_COLUMN).to_pylist()
    gone = [i for i in ids if tokenizer.token(i) in new]
    tables = subject_tables(store, sql)
    for customer_id in gone:
        for table in tables:
            value = customer_id if table.key_column == ID_COLUMN else tokenizer.token(customer_id)
            files = count_rows(store, table, value)
            if files:
                rewrite_without(store, table, value, set(files))
    return gone


def finish_hooks(hooks: Hooks, customer_ids: list[str]) -> None:
    """After publication: the hooks (prediction cache, ...) for the ids erased in flight."""
    for customer_id in customer_ids:
        hooks.run_erasure(customer_id)
