"""One customer-id rule (the contract's CUST_<1-12 digits>) at every door that is not
the API: the CLI's explain/forget/export, the web page's id check, the agent tools.

Before, the web accepted `[A-Za-z0-9_-]{1,64}` and `engage explain USER_1` went
looking in the catalog instead of saying what an id looks like.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from engage.agent.tools import ToolError, Tools
from engage.cli import app
from engage.contract.ids import CUSTOMER_ID_RE, check_customer_id, is_customer_id
from engage.contract.tables import CUSTOMER_ID, CUSTOMER_ID_PATTERN

BAD = ["USER_1", "cust_1", "CUST_", "CUST_1234567890123", "CUST_1\n", " CUST_1"]


def test_the_rule_is_the_contracts_column_pattern() -> None:
    assert CUSTOMER_ID.pattern == CUSTOMER_ID_PATTERN == CUSTOMER_ID_RE.pattern
    assert is_customer_id("CUST_0000042") and is_customer_id("CUST_1")
    assert not any(is_customer_id(bad) for bad in BAD)


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("command", ["explain", "forget", "export"])
def test_the_cli_refuses_foreign_ids_naming_the_form(tmp_path, monkeypatch, command, bad) -> None:
    monkeypatch.setenv("ENGAGE_LAKE", str(tmp_path / "lake"))
    monkeypatch.delenv("ENGAGE_DEBUG", raising=False)
    result = CliRunner().invoke(app, [command, bad])
    assert result.exit_code != 0 and result.stdout == ""
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: not a customer id") and "CUST_0000042" in first, first
    assert "hint: " in result.stderr


@pytest.mark.parametrize("bad", BAD)
def test_the_web_page_refuses_them_with_a_400(bad) -> None:
    from engage.web.pages.customer import _customer_id
    from engage.web.render import WebError

    with pytest.raises(WebError) as caught:
        _customer_id(bad)
    assert caught.value.status == 400 and "CUST_0000042" in caught.value.message
    assert _customer_id("CUST_0000042") == "CUST_0000042"


@pytest.mark.parametrize("bad", BAD)
@pytest.mark.parametrize("tool", ["explain_customer", "explain_churn", "counterfactual"])
def test_the_agent_tools_refuse_them_before_any_query(tmp_path, tool, bad) -> None:
    from engage.settings import Settings

    tools = Tools(Settings(lake=str(tmp_path / "lake")))
    with pytest.raises(ToolError, match="not a customer id"):
        getattr(tools, tool)(bad)


def test_check_customer_id_names_the_expected_form() -> None:
    with pytest.raises(ValueError, match=r"expected CUST_ followed by 1-12 digits"):
        check_customer_id("USER_1")
