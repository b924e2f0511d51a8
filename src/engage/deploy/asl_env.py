"""The pipeline definition rendered for one AWS environment, or as a Terraform template.

There is one definition (`engage/pipeline/definition.json`). A deployment needs its
`${...}` placeholders filled with the environment's account, region, name prefix, ECS
cluster, subnets and security groups. Two ways, both from the same file:

* `render_for_env`: real values (flags or an env file) -> the JSON a deployer uploads.
* `terraform_template`: a `templatefile()` template whose variables Terraform fills from
  its own resources, so `terraform apply` deploys this definition and no hand-written copy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engage.pipeline.asl import load_definition, placeholders, render

LIST_VALUES = ("Subnets", "SecurityGroups")
# Where the ScoreShards Map's ResultWriter writes in the lake bucket when ENGAGE_LAKE is
# s3://<bucket>/lake, as Terraform deploys it (modules/compute/step_functions.tf)
SHARD_RESULTS_PREFIX = "lake/engagement-data/processed/inference_shards/results"
_SENTINEL = "__engage_tf_list_{}__"


class EnvError(ValueError):
    """An environment that lacks a placeholder's value or gives it the wrong type."""


def load_env(path: Path) -> dict[str, Any]:
    """Read an environment file: JSON, or YAML for .yaml/.yml (PyYAML needed then)."""
    text = Path(path).read_text(encoding="utf-8")
    if Path(path).suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    if not isinstance(data, dict):
        raise EnvError(f"{path}: an environment file holds one JSON/YAML object")
    return data


def check_values(values: Mapping[str, Any], definition: Any) -> dict[str, Any]:
    """Every placeholder present, lists where the definition needs lists, strings elsewhere."""
    missing = sorted(placeholders(definition) - values.keys())
    if missing:
        raise EnvError(f"missing environment values: {', '.join(missing)}")
    out: dict[str, Any] = {}
    for name in placeholders(definition):
        value = values[name]
        if name in LIST_VALUES:
            value = [value] if isinstance(value, str) else value
            if not value or not all(isinstance(v, str) and v for v in value):
                raise EnvError(f"{name} must be a non-empty list of ids")
        elif not isinstance(value, str):
            raise EnvError(f"{name} must be a string, got {type(value).__name__}")
        out[name] = value
    return out


def render_for_env(values: Mapping[str, Any], definition: Any | None = None) -> dict[str, Any]:
    """The definition with the environment's real values (checked first)."""
    definition = load_definition() if definition is None else definition
    return render(definition, check_values(values, definition))


def terraform_template(definition: Any | None = None) -> str:
    """The definition as a Terraform `templatefile()` template.

    String placeholders stay `${Name}` (the same syntax in both); list placeholders
    become `${jsonencode(Name)}` in place of the quoted string, so Terraform writes
    a JSON list there.
    """
    definition = load_definition() if definition is None else definition
    names = placeholders(definition)
    values: dict[str, Any] = {n: f"${{{n}}}" for n in names if n not in LIST_VALUES}
    values.update({n: _SENTINEL.format(n) for n in names if n in LIST_VALUES})
    text = json.dumps(render(definition, values), indent=2) + "\n"
    if "%{" in text:
        raise EnvError("the definition contains '%{', which templatefile() would interpret")
    for name in LIST_VALUES:
        text = text.replace(f'"{_SENTINEL.format(name)}"', f"${{jsonencode({name})}}")
    return text
