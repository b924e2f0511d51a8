"""The Terraform tree parses, is formatted, and holds what the seed asks of each module."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from engage.deploy.asl_env import terraform_template

pytest.importorskip("hcl2", reason="python-hcl2 is in the dev extra")

from infra_hcl import ROOT, blocks, load, tf_files

MODULES = ("data", "compute", "ml", "ai", "api", "network", "security", "stack")


def test_layout_has_every_module_and_env() -> None:
    for module in MODULES:
        assert list((ROOT / "modules" / module).glob("*.tf")), module
    for env in ("aws", "emulator", "aws-kb"):
        assert (ROOT / "envs" / env / "main.tf").is_file()


@pytest.mark.parametrize("path", tf_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_tf_file_parses(path: Path) -> None:
    assert isinstance(load(path), dict)


def test_terraform_fmt_check() -> None:
    binary = shutil.which("terraform")
    if binary is None:
        pytest.skip("terraform binary not installed")
    done = subprocess.run(
        [binary, "fmt", "-check", "-recursive", "-diff", str(ROOT)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_state_machine_template_is_generated_from_the_definition() -> None:
    """Terraform deploys `engage asl --terraform-template` output, not a second copy."""
    committed = (ROOT / "modules" / "compute" / "state_machine.asl.json.tpl").read_text()
    assert committed == terraform_template(), (
        "regenerate: engage asl --terraform-template "
        "--out infra/terraform/modules/compute/state_machine.asl.json.tpl"
    )
    sfn = load(ROOT / "modules" / "compute" / "step_functions.tf")
    ((_, machine),) = blocks(sfn, "resource", "aws_sfn_state_machine")
    assert "state_machine.asl.json.tpl" in machine["definition"]


def test_template_renders_like_engage_asl() -> None:
    """What templatefile() makes of the template equals `engage asl` for the same values."""
    from engage.deploy.asl_env import render_for_env

    values = {
        "AccountId": "111122223333",
        "Region": "eu-west-1",
        "Prefix": "p-",
        "EcsCluster": "c",
        "Subnets": ["s-1", "s-2"],
        "SecurityGroups": ["g-1"],
        "ShardResultsBucket": "p-engagement-processed",
        "ShardResultsPrefix": "lake/engagement-data/processed/inference_shards/results",
    }
    text = terraform_template()
    for name, value in values.items():  # templatefile() semantics for these two forms
        text = text.replace(f"${{jsonencode({name})}}", json.dumps(value))
        text = text.replace(f"${{{name}}}", str(value))
    assert json.loads(text) == render_for_env(values)


def _resources(module: str, type_name: str) -> list[tuple[str, dict]]:
    found = []
    for path in (ROOT / "modules" / module).glob("*.tf"):
        found += list(blocks(load(path), "resource", type_name))
    return found


def test_buckets_are_encrypted_private_versioned_and_expire_old_versions() -> None:
    s3 = load(ROOT / "modules" / "data" / "s3.tf")
    names = s3["locals"][0]
    buckets = names["lake_buckets"]
    assert {"raw", "processed", "features", "models", "results"} <= set(buckets)
    for type_name in (
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_lifecycle_configuration",
    ):
        ((_, body),) = blocks(s3, "resource", type_name)
        assert body["for_each"] == "${aws_s3_bucket.this}", type_name
    ((_, lifecycle),) = blocks(s3, "resource", "aws_s3_bucket_lifecycle_configuration")
    assert "noncurrent_version_days" in json.dumps(lifecycle)
    data_vars = load(ROOT / "modules" / "data" / "variables.tf")["variable"]
    default = next(
        v["noncurrent_version_days"]["default"] for v in data_vars if "noncurrent_version_days" in v
    )
    assert default == 90


def test_seed_sizes_and_security_settings() -> None:
    ((_, task),) = _resources("ml", "aws_ecs_task_definition")
    assert (task["cpu"], task["memory"]) == ("16384", "65536")
    ((_, repo),) = _resources("ml", "aws_ecr_repository")
    assert repo["image_scanning_configuration"][0]["scan_on_push"] is True
    ((_, providers),) = _resources("ml", "aws_ecs_cluster_capacity_providers")
    assert "FARGATE_SPOT" in providers["capacity_providers"]
    ((_, table),) = _resources("api", "aws_dynamodb_table")
    assert table["ttl"][0]["enabled"] and table["point_in_time_recovery"][0]["enabled"]
    assert table["server_side_encryption"][0]["enabled"] and table["global_secondary_index"]
    ((_, workgroup),) = _resources("data", "aws_athena_workgroup")
    result = workgroup["configuration"][0]["result_configuration"][0]
    assert result["encryption_configuration"][0]["encryption_option"] == "SSE_KMS"
    kb_env = load(ROOT / "envs" / "aws-kb" / "main.tf")
    ((_, kb),) = blocks(kb_env, "resource", "aws_bedrockagent_knowledge_base")
    assert kb["storage_configuration"][0]["type"] == "S3_VECTORS"
    assert "embedding_model_arn" in json.dumps(kb)
    ((_, source),) = blocks(kb_env, "resource", "aws_bedrockagent_data_source")
    prefixes = source["data_source_configuration"][0]["s3_configuration"][0]["inclusion_prefixes"]
    assert prefixes == ["documents/"]  # the provider allows one prefix
    kb_vars = (ROOT / "envs" / "aws-kb" / "variables.tf").read_text()
    assert "amazon.titan-embed-text-v2:0" in kb_vars
    methods = _resources("api", "aws_api_gateway_method")
    assert methods and methods[0][1]["api_key_required"] is True
    assert _resources("api", "aws_api_gateway_usage_plan")
    assert _resources("compute", "aws_cloudwatch_event_rule")
