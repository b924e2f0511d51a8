"""What data preparation asks of privacy: drop erased customers, keep PII apart.

`admit` runs right after the customers file passed its contract and *writes
nothing*, so data preparation keeps its rule that a bad input leaves the lake as it
was. It removes customers whose token is in the erasure log (suppression: an erased
customer must not come back with the next delivery of source files) and holds the
validated PII until `Admission.publish` writes it to the restricted area.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from engage.errors import StageError
from engage.ports import ObjectStore, SqlEngine
from engage.privacy import restricted
from engage.privacy.erasure_log import ErasureLog
from engage.privacy.subjects import ID_COLUMN
from engage.privacy.tokens import Tokenizer, TokenKeys


@dataclass
class Admission:
    """Incoming customers after suppression, and what else must follow them."""

    customers: pa.Table
    suppressed: int
    pii: pa.Table | None
    erased: frozenset[str]
    tokenizer: Tokenizer | None

    def keep(self, table: pa.Table) -> pa.Table:
        """Drop erased customers from any other incoming table keyed by customer_id."""
        if not self.erased or ID_COLUMN not in table.column_names:
            return table
        assert self.tokenizer is not None  # set whenever erased is non-empty
        ids = pc.unique(table.column(ID_COLUMN)).drop_null().to_pylist()  # each id hashed once
        gone = [i for i in ids if self.tokenizer.token(i) in self.erased]
        if not gone:
            return table
        return table.filter(pc.invert(pc.is_in(table.column(ID_COLUMN), pa.array(gone))))

    def publish(self, store: ObjectStore, sql: SqlEngine, keys: TokenKeys) -> int | None:
        """Write the restricted PII and the masked support view; rows of PII, None without."""
        restricted.register_appended_tables(store, sql)
        if self.pii is None:
            return None
        tokenizer = self.tokenizer or keys.get()
        restricted.publish_pii(store, sql, self.pii, self.customers, tokenizer)
        return self.pii.num_rows


def admit(
    store: ObjectStore, keys: TokenKeys, customers: pa.Table, pii: pa.Table | None
) -> Admission:
    """Suppress erased customers from validated incoming data; writes nothing.

    Raises:
        StageError: the erasure log was written with another token key, so erased
            customers cannot be recognised; admitting data would bring them back.
    """
    log = ErasureLog(store)
    erased = frozenset() if log.is_empty() else log.tokens()
    tokenizer = None
    if erased:
        try:
            tokenizer = keys.require()
        except RuntimeError as err:
            raise StageError(f"customers were erased but the token key is unusable: {err}") from err
        foreign = log.key_ids() - {tokenizer.key_id}
        if foreign:
            raise StageError(
                "the erasure log was written with a different token key (ENGAGE_TOKEN_KEY or "
                "its key file changed); refusing to admit data in which erased customers "
                "could not be recognised"
            )
    admission = Admission(customers, 0, pii, erased, tokenizer)
    admission.customers = admission.keep(customers)
    admission.suppressed = customers.num_rows - admission.customers.num_rows
    if pii is not None:
        admission.pii = admission.keep(pii)
    return admission
