"""One definition of PII: detection, masking, the support view."""

from __future__ import annotations

import pyarrow as pa
import pytest

from engage.privacy.pii import (
    MASKED_EMAIL,
    looks_like_pii,
    mask_email,
    pii_column_names,
    support_view,
)
from engage.privacy.tokens import Tokenizer


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("jane.doe.0000042@example.com", "j***@example.com"),
        ("x@example.org", "x***@example.org"),
        ("not-an-address", "***"),
        (None, None),
    ],
)
def test_mask_email(email: str | None, masked: str | None) -> None:
    assert mask_email(email) == masked
    if masked and "@" in masked:
        assert MASKED_EMAIL.match(masked) and not looks_like_pii(masked)


@pytest.mark.parametrize(
    ("value", "pii"),
    [
        ("Timothy Wu", True),
        ("Mary-Jane O'Neil", True),
        ("write to jane@example.net please", True),
        ("personal_content", False),
        ("CUST_0000042", False),
        ("Other", False),
        ("retention_offer", False),
        ("j***@example.com", False),
    ],
)
def test_looks_like_pii(value: str, pii: bool) -> None:
    assert looks_like_pii(value) is pii


def test_pii_columns_by_role_and_by_name() -> None:
    names = ["customer_id", "full_name", "email", "phone_number", "home_address", "age"]
    assert pii_column_names(names) == ["full_name", "email", "phone_number", "home_address"]
    assert pii_column_names(["email_masked", "location", "account_type"]) == []


def test_support_view_has_tokens_and_masked_emails_only() -> None:
    pii = pa.table(
        {
            "customer_id": ["CUST_1", "CUST_2", "CUST_9"],
            "full_name": ["Ann Lee", "Bo Kim", "No Customer"],
            "email": ["ann.lee.1@example.com", "bo.kim.2@example.net", "n@example.org"],
        }
    )
    customers = pa.table(
        {
            "customer_id": ["CUST_2", "CUST_1", "CUST_3"],
            "account_type": ["free", "premium", "free"],
            "location": ["CA", "NY", "TX"],
            "device_type": ["mobile", "desktop", "tablet"],
            "days_since_last_login": pa.array([3, 0, 9], pa.int32()),
            "age": pa.array([30, 40, 50], pa.int32()),
        }
    )
    tokenizer = Tokenizer(b"k" * 32)
    view = support_view(pii, customers, tokenizer)
    assert view.column_names == [
        "customer_token", "email_masked", "account_type", "location", "device_type",
        "days_since_last_login",
    ]  # fmt: skip
    rows = {r["customer_token"]: r for r in view.to_pylist()}
    assert set(rows) == {tokenizer.token("CUST_1"), tokenizer.token("CUST_2")}
    ann = rows[tokenizer.token("CUST_1")]
    assert ann["email_masked"] == "a***@example.com" and ann["location"] == "NY"
    flat = " ".join(str(v) for r in view.to_pylist() for v in r.values())
    assert "CUST_" not in flat and "Ann" not in flat and "ann.lee" not in flat
