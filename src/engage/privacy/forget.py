"""Right to erasure (seed §2.3.7, GDPR art. 17, CCPA): `engage forget CUST_...`.

Order matters, so that a failure at any point errs on the side of the customer:

1. find every row of the customer (every table keyed by id or token, see `subjects`)
   before changing anything; unknown id -> error, nothing written;
2. append a ``started`` event to the erasure log (from then on data preparation drops
   the customer from incoming files, even if step 3 is interrupted);
3. rewrite each affected table without the customer (`rewrite`), redact run reports,
   run the erasure hooks (prediction cache, audit trail, knowledge base, ...);
4. append a ``completed`` event with what was removed.

Rerunning `forget` after an interruption finishes the job.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from typing import Any

from engage.ports import Catalog, ObjectStore, SqlError
from engage.privacy import restricted
from engage.privacy.erasure_log import ErasureEvent, ErasureLog, new_erasure_id
from engage.privacy.errors import UnknownCustomerError, check_customer_id
from engage.privacy.hooks import Hooks
from engage.privacy.rewrite import count_rows, models_mentioning, redact_documents, rewrite_without
from engage.privacy.subjects import ID_COLUMN, SubjectTable, discover
from engage.privacy.tokens import Tokenizer, TokenKeys


@dataclass
class ErasureReport:
    """What `forget` did (or, with dry_run, would do). Holds no PII."""

    erasure_id: str | None
    subject_token: str | None
    rows_by_table: dict[str, int]
    documents: list[str] = field(default_factory=list)
    hooks: dict[str, str] = field(default_factory=dict)
    retained_in_models: list[str] = field(default_factory=list)
    already_erased: bool = False
    dry_run: bool = False

    @property
    def total_rows(self) -> int:
        return sum(self.rows_by_table.values())

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "total_rows": self.total_rows}


def who(by: str | None = None) -> str:
    """Who made the request: `--by`, else the OS user."""
    if by and by.strip():
        return by.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


def forget_customer(
    store: ObjectStore,
    catalog: Catalog,
    hooks: Hooks,
    keys: TokenKeys,
    customer_id: str,
    by: str | None = None,
    *,
    dry_run: bool = False,
) -> ErasureReport:
    """Erase one customer everywhere; see the module doc for the order of steps.

    Raises:
        PrivacyError: a malformed id; UnknownCustomerError when no table holds it.
        UnmappedTableError: a catalog table with customer rows has no known location.
    """
    check_customer_id(customer_id)
    tables = discover(store, catalog)
    tokenizer = keys.existing()
    plan = _plan(store, tables, customer_id, tokenizer)
    documents = redact_documents(store, customer_id, apply=False)
    log = ErasureLog(store)
    if not plan and not documents:
        erased_before = tokenizer is not None and tokenizer.token(customer_id) in log.tokens()
        if not erased_before:
            raise UnknownCustomerError(f"no table of the lake holds customer {customer_id}")
        return _rerun_hooks(hooks, log, tokenizer, customer_id, by, dry_run)
    rows = {t.name: sum(files.values()) for t, files in plan.items()}
    if dry_run:
        return ErasureReport(None, None, rows, documents, dry_run=True)
    tokenizer = tokenizer or keys.get()
    event = _event(new_erasure_id(), "started", tokenizer, customer_id, by, rows)
    log.append(event)
    restricted.restrict_local(store)
    removed = {}
    for table, files in plan.items():
        key = _key(table, customer_id, tokenizer)
        removed[table.name] = rewrite_without(store, table, key, set(files))
    restricted.restrict_local(store)
    redact_documents(store, customer_id)
    report = ErasureReport(
        event.erasure_id,
        event.subject_token,
        removed,
        documents,
        hooks.run_erasure(customer_id),
        models_mentioning(store, customer_id),
    )
    _complete(catalog, store, log, event, report)
    return report


def _key(table: SubjectTable, customer_id: str, tokenizer: Tokenizer | None) -> str:
    if table.key_column == ID_COLUMN:
        return customer_id
    assert tokenizer is not None  # token-keyed tables exist only once a key does
    return tokenizer.token(customer_id)


def _plan(
    store: ObjectStore, tables: list[SubjectTable], customer_id: str, tokenizer: Tokenizer | None
) -> dict[SubjectTable, dict[str, int]]:
    """Affected files (and rows in each) of every table that holds the customer."""
    plan = {}
    for table in tables:
        if table.key_column != ID_COLUMN and tokenizer is None:
            continue
        files = count_rows(store, table, _key(table, customer_id, tokenizer))
        if files:
            plan[table] = files
    return plan


def _event(
    erasure_id: str,
    kind: str,
    tokenizer: Tokenizer,
    customer_id: str,
    by: str | None,
    rows: dict[str, int],
    **extra: Any,
) -> ErasureEvent:
    return ErasureEvent(
        erasure_id, kind, tokenizer.token(customer_id), tokenizer.key_id, who(by), rows, **extra
    )


def _complete(
    catalog: Catalog,
    store: ObjectStore,
    log: ErasureLog,
    started: ErasureEvent,
    report: ErasureReport,
) -> None:
    notes = [f"retained in model {m} until it is retrained" for m in report.retained_in_models]
    notes += [f"redacted document {d}" for d in report.documents]
    done = ErasureEvent(
        started.erasure_id,
        "completed",
        started.subject_token,
        started.key_id,
        started.erased_by,
        report.rows_by_table,
        hooks=report.hooks,
        notes=tuple(notes),
    )
    log.append(done)
    restricted.restrict_local(store)
    _register(catalog, store)


def _rerun_hooks(
    hooks: Hooks,
    log: ErasureLog,
    tokenizer: Tokenizer,
    customer_id: str,
    by: str | None,
    dry_run: bool,
) -> ErasureReport:
    """Nothing left in the lake: finish what an interrupted erasure may have left outside it."""
    token = tokenizer.token(customer_id)
    if dry_run:
        return ErasureReport(None, token, {}, already_erased=True, dry_run=True)
    outcomes = hooks.run_erasure(customer_id)
    report = ErasureReport(None, token, {}, hooks=outcomes, already_erased=True)
    if any(o != "removed 0" and o != "unavailable" for o in outcomes.values()):
        event = _event(
            new_erasure_id(), "completed", tokenizer, customer_id, by, {}, hooks=outcomes
        )
        log.append(event)
        report.erasure_id = event.erasure_id
    return report


def _register(catalog: Catalog, store: ObjectStore) -> None:
    """Expose the log in the catalog; a locked catalog only delays that to the next run."""
    try:
        engine = catalog.writer()
    except SqlError:
        return
    try:
        restricted.register_appended_tables(store, engine)
    finally:
        if hasattr(engine, "close"):
            engine.close()
