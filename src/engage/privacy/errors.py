"""Errors of the privacy commands; each one's message is safe to print (no PII)."""

from __future__ import annotations

from engage.contract.ids import CUSTOMER_ID_RE, customer_id_problem, is_customer_id

# The contract's rule, so `forget` accepts exactly the ids validation admitted.
CUSTOMER_ID = CUSTOMER_ID_RE


class PrivacyError(ValueError):
    """A privacy request that cannot be carried out; nothing was changed."""


class UnknownCustomerError(PrivacyError):
    """No table of the lake holds this customer."""


class AlreadyErasedError(PrivacyError):
    """The customer was erased before and nothing of them is left."""


class UnmappedTableError(PrivacyError):
    """A catalog table holds customer rows but its lake location is unknown.

    Why an error: erasing everywhere *except* an unknown table would report success
    while the customer's data stays behind. Add the table to `engage.lake`.
    """


def check_customer_id(customer_id: str) -> str:
    """The id if it looks like ``CUST_<digits>``; refuses anything else (no path or SQL tricks)."""
    if not is_customer_id(customer_id):
        raise PrivacyError(customer_id_problem(customer_id))
    return customer_id
