"""What PII looks like, how it is masked, and the masked view support staff may use.

Why here and not in each caller: the admission code, the support view and the tests
that prove analytics tables are PII-free must agree on one definition of "looks like
PII", or a new column could slip past one of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.compute as pc

from engage import contract
from engage.contract.schema import Role
from engage.privacy.tokens import Tokenizer

# Every column the contract marks as PII (full_name, email).
PII_ROLE_COLUMNS = frozenset(c.name for t in contract.ALL_TABLES for c in t.by_role(Role.PII))
# Names that mean PII whatever the contract says (a future column must not sneak in).
PII_NAME = re.compile(
    r"(^|_)(full_?name|first_?name|last_?name|surname|given_?name|e_?mail|phone|mobile_?number"
    r"|address|street|postcode|zip_?code|ssn|passport|date_of_birth|dob|ip_address)($|_)"
)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_NAME_PART = r"[A-Z][A-Za-z'-]*[a-z]"  # Wu, O'Neil, Mary-Jane, McDonald
PERSON_NAME = re.compile(rf"^{_NAME_PART}(?: {_NAME_PART}){{1,2}}$")
MASKED_EMAIL = re.compile(r"^[^@\s]?\*\*\*@[A-Za-z0-9.-]*$")
MASKED_SUFFIX = "_masked"  # a column that may carry PII only in masked form

# What support staff see beside the masked contact: enough to recognise the account.
SUPPORT_COLUMNS = ("account_type", "location", "device_type", "days_since_last_login")


def pii_column_names(names: Iterable[str]) -> list[str]:
    """Columns that are PII by contract role or by name; `*_masked` ones are checked apart."""
    return [
        n
        for n in names
        if not n.endswith(MASKED_SUFFIX) and (n in PII_ROLE_COLUMNS or PII_NAME.search(n.lower()))
    ]


def looks_like_pii(value: str) -> bool:
    """An e-mail address anywhere in the text, or a 'First Last' name as the whole value."""
    return bool(EMAIL.search(value) or PERSON_NAME.match(value.strip()))


def mask_email(email: str | None) -> str | None:
    """``jane.doe@example.com`` -> ``j***@example.com``: enough to confirm, not to contact."""
    if email is None:
        return None
    local, at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if at else "***"


def support_view(pii: pa.Table, customers: pa.Table, tokenizer: Tokenizer) -> pa.Table:
    """The masked customer view for support: token, masked e-mail, a few account fields.

    Customers without PII, or PII without a customer, are left out. No customer_id and
    no name: support identifies a caller by the masked address and account details.
    """
    joined = pii.select(["customer_id", "email"]).join(
        customers.select(["customer_id", *SUPPORT_COLUMNS]), "customer_id", join_type="inner"
    )
    ids = joined.column("customer_id").to_pylist()
    masked = [mask_email(e) for e in joined.column("email").to_pylist()]
    columns = {
        "customer_token": pa.array(tokenizer.tokens(ids), pa.string()),
        "email_masked": pa.array(masked, pa.string()),
        **{name: joined.column(name) for name in SUPPORT_COLUMNS},
    }
    table = pa.table(columns)
    return table.take(pc.sort_indices(table, [("customer_token", "ascending")]))
