from pathlib import Path

import pyarrow as pa
import pytest

from engage import contract
from engage.contract import CUSTOMERS, MODEL_INPUTS, TARGETS, Protection, Role
from engage.contract.dictionary import render_dictionary

ROOT = Path(__file__).resolve().parents[3]


def test_customers_has_every_seed_column_with_three_targets():
    assert len(CUSTOMERS.columns) == 49
    assert TARGETS == ("engagement_score", "churn_30_day", "lifetime_value_usd")
    assert len(set(CUSTOMERS.names)) == len(CUSTOMERS.names)


@pytest.mark.parametrize("table", contract.ALL_TABLES, ids=lambda t: t.name)
def test_every_column_is_described_typed_and_bounded_sensibly(table):
    for col in table.columns:
        assert col.description, col.name
        if col.minimum is not None and col.maximum is not None:
            assert col.minimum < col.maximum, col.name
        assert isinstance(col.arrow_type, pa.DataType)
        assert col.athena_type in {"STRING", "INT", "DOUBLE", "BOOLEAN", "DATE", "TIMESTAMP"}


def test_pii_lives_only_in_the_pii_table():
    for table in contract.ALL_TABLES:
        pii = [c.name for c in table.columns if c.role is Role.PII]
        if table is contract.CUSTOMER_PII:
            assert pii == ["full_name", "email"]
        elif table is contract.CUSTOMER_MESSAGES:  # free text: restricted like PII (issue 18)
            assert pii == ["message_text"]
        else:
            assert pii == [], table.name


def test_model_inputs_exclude_identifiers_targets_and_pii():
    assert "customer_id" not in MODEL_INPUTS
    assert not set(TARGETS) & set(MODEL_INPUTS)
    assert len(MODEL_INPUTS) == 45


def test_conditional_attributes_are_age_gender_location():
    conditional = [c.name for c in CUSTOMERS.columns if c.protection is Protection.CONDITIONAL]
    assert conditional == ["age", "gender", "location"]
    assert not set(contract.PROHIBITED_ATTRIBUTES) & set(CUSTOMERS.names)


def test_seed_categories():
    assert len(contract.US_STATES) == len(set(contract.US_STATES)) == 50
    assert len(contract.CONTENT_CATEGORIES) == 12


def test_unknown_table_and_column_errors_name_them():
    with pytest.raises(KeyError, match="nope"):
        contract.table("nope")
    with pytest.raises(KeyError, match=r"customers.*nope"):
        CUSTOMERS.column("nope")


def test_committed_data_dictionary_is_generated_from_the_contract():
    committed = (ROOT / "docs" / "data_dictionary.md").read_text()
    hint = "regenerate: engage contract dictionary -o docs/data_dictionary.md"
    assert committed == render_dictionary(), hint
