"""The stack's fixed monthly costs: quantities match the Terraform, lines add up."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

from engage.cost.fixed import load_fixed

TF = Path(__file__).resolve().parents[3] / "infra" / "terraform"


def _item(service: str) -> dict:
    data = json.loads(resources.files("engage.cost").joinpath("fixed_us_east_1.json").read_text())
    return next(i for i in data["items"] if i["service"] == service)


def test_interface_endpoint_quantity_is_the_terraform_count() -> None:
    text = (TF / "modules" / "network" / "endpoints.tf").read_text()
    names = re.search(r"interface_endpoints = \[(.*?)\]", text, re.S).group(1)
    endpoints = len(re.findall(r'"[^"]+"', names))
    azs = len(re.findall(r'"us-east-1[a-z]"', (TF / "envs" / "aws" / "variables.tf").read_text()))
    assert _item("VPC interface endpoints")["quantity"] == endpoints * azs


def test_counted_resources_match_the_terraform() -> None:
    modules = "\n".join(p.read_text() for p in (TF / "modules").rglob("*.tf"))
    assert _item("KMS customer-managed keys")["quantity"] == modules.count('resource "aws_kms_key"')
    alarms = modules.count('resource "aws_cloudwatch_metric_alarm"')
    assert _item("CloudWatch alarms")["quantity"] == alarms
    assert _item("NAT gateway")["quantity"] == modules.count('resource "aws_nat_gateway"') == 0
    waf = (TF / "modules" / "api" / "waf.tf").read_text()
    assert _item("WAF rules")["quantity"] == len(re.findall(r"^  rule \{", waf, re.M))


def test_lines_are_quantity_times_price_and_sum() -> None:
    fixed = load_fixed()
    assert fixed.lines and all(line.on_demand_usd == line.spot_usd for line in fixed.lines)
    endpoint = next(line for line in fixed.lines if line.service == "VPC interface endpoints")
    assert endpoint.on_demand_usd == round(22 * 7.30, 2)
    assert abs(fixed.monthly_usd - sum(line.on_demand_usd for line in fixed.lines)) < 1e-9
