"""Every row of the control matrix points at something that exists; the page is current."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from engage import compliance

ROOT = Path(__file__).resolve().parents[3]
SOURCE = ROOT / "docs" / "compliance.yaml"
FAMILIES = {
    "Encryption at rest",
    "Encryption in transit",
    "Access control",
    "Logging and monitoring",
    "Vulnerability management",
    "PII protection",
    "Incident response and recovery",
    "Data retention",
    "SOC 2 trust services criteria",
    "HIPAA safeguards",
    "GDPR and CCPA rights",
}


@pytest.fixture(scope="module")
def matrix() -> dict:
    return compliance.load(SOURCE)


def test_every_reference_exists(matrix: dict) -> None:
    assert compliance.check(matrix, ROOT) == []


def test_the_page_is_rendered_from_the_data(matrix: dict) -> None:
    page = (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")
    assert page == compliance.render(matrix), "docs/compliance.md is stale: run `make docs`"


def test_every_named_family_is_covered_and_gaps_are_stated(matrix: dict) -> None:
    assert {f["name"] for f in matrix["families"]} == FAMILIES
    for row in compliance.rows(matrix):
        if row["status"] != "implemented":
            assert row.get("gap"), f"{row['id']} is {row['status']} without saying what is missing"


@pytest.mark.parametrize(
    ("kind", "ref", "message"),
    [
        ("tests", "tests/integration/api/test_auth.py::test_role_matrix_renamed", "defines no"),
        ("tf", "module.data.aws_s3_bucket_versioning.renamed", "no Terraform"),
        ("code", "src/engage/privacy/gone.py", "no file"),
        ("see", "NOPE-1", "no such row"),
    ],
)
def test_a_renamed_target_breaks_the_check(matrix: dict, kind: str, ref: str, message: str) -> None:
    broken = copy.deepcopy(matrix)
    broken["families"][0]["controls"][0].setdefault(kind, []).append(ref)
    problems = compliance.check(broken, ROOT)
    assert len(problems) == 1 and message in problems[0] and ref.split("::")[-1] in problems[0]


def test_a_claim_without_evidence_is_refused(matrix: dict) -> None:
    broken = copy.deepcopy(matrix)
    row = broken["families"][0]["controls"][0]
    for kind in ("tf", "code", "tests", "see"):
        row.pop(kind, None)
    assert any("names no evidence" in p for p in compliance.check(broken, ROOT))
