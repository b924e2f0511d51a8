"""The one customer-id rule, as every door applies it (validation, CLI, API, web, agent).

The pattern itself is the contract's `CUSTOMER_ID_PATTERN`; this module only
adds the compiled forms and the one message a refusal shows, so the pipeline,
`engage forget`, the API and the web page can never disagree on what an id is.
"""

from __future__ import annotations

import re

from engage.contract.tables import CUSTOMER_ID_PATTERN

CUSTOMER_ID_RE = re.compile(CUSTOMER_ID_PATTERN)
# Anchored form for pydantic/FastAPI `pattern=` (they search, not full-match).
ANCHORED_CUSTOMER_ID_PATTERN = f"^{CUSTOMER_ID_PATTERN}$"
CUSTOMER_ID_FORM = (
    f"CUST_ followed by 1-12 digits, e.g. CUST_0000042 (pattern {CUSTOMER_ID_PATTERN})"
)


class CustomerIdError(ValueError):
    """A value that is not a customer id under the contract's rule."""


def is_customer_id(value: object) -> bool:
    """True when `value` is a string that fully matches the contract's pattern."""
    return isinstance(value, str) and CUSTOMER_ID_RE.fullmatch(value) is not None


def customer_id_problem(value: object) -> str:
    """The refusal message for a bad id (the value is shown shortened, with repr)."""
    shown = repr(value if not isinstance(value, str) or len(value) <= 40 else value[:40] + "...")
    return f"not a customer id: {shown}; expected {CUSTOMER_ID_FORM}"


def check_customer_id(value: object) -> str:
    """`value` if it is a customer id, else CustomerIdError naming the expected form."""
    if not is_customer_id(value):
        raise CustomerIdError(customer_id_problem(value))
    return str(value)
