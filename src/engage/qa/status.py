"""Review statuses, in a module of their own so that `engage qa --help` stays cheap.

The CLI needs the enum to declare its options; importing `qa.decisions` for it would
load pyarrow, the audit log and privacy erasure just to print help.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """What a reviewer decided about a queued prediction."""

    APPROVED = "approved"  # the prediction is fine
    REJECTED = "rejected"  # the prediction is wrong; no better value known
    OVERRIDDEN = "overridden"  # the prediction is wrong; the reviewer's value replaces it


PENDING = "pending"  # the queue's own status before any decision
STATUSES = (PENDING, *Status)
