"""Terraform offline: find a filesystem mirror of the AWS provider and use it.

`terraform init` downloads providers from the registry, which a machine without
network cannot reach. Machines of this project's kind carry a filesystem mirror of
hashicorp/aws (a directory holding `registry.terraform.io/hashicorp/aws/<version>/`).
`cli_config` writes the CLI configuration that makes init install from it
(infra/terraform/offline.tfrc.tpl, with the mirror's path filled in), and `env`
gives the environment a terraform subprocess runs with. Used by the tests and by
`make tf-validate`; where no mirror exists, init needs the network as usual.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

PROVIDER = Path("registry.terraform.io") / "hashicorp" / "aws"
#: Where mirrors have been seen; `find_mirror` also searches / a few levels deep.
KNOWN_MIRRORS = (
    "/opt/tf-plugins",
    "/usr/share/terraform/plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
)
TEMPLATE = Path(__file__).resolve().parents[3] / "infra" / "terraform" / "offline.tfrc.tpl"


def mirror_versions(mirror: Path) -> list[str]:
    """Provider versions a mirror holds (directory names under hashicorp/aws)."""
    folder = Path(mirror) / PROVIDER
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []


def find_mirror(candidates: Iterable[str] = KNOWN_MIRRORS, search_root: str = "/") -> Path | None:
    """The directory above registry.terraform.io of a mirror of hashicorp/aws, or None."""
    env = os.environ.get("ENGAGE_TF_MIRROR")
    for raw in ([env] if env else []) + list(candidates):
        path = Path(raw).expanduser()
        if mirror_versions(path):
            return path
    root = Path(search_root)
    for depth in range(1, 4):  # root/*/registry.terraform.io, root/*/*/..., bounded
        for hit in root.glob("/".join(["*"] * depth) + "/" + str(PROVIDER)):
            return hit.parents[2]
    return None


def cli_config(mirror: Path, out: Path, template: Path = TEMPLATE) -> Path:
    """Write the CLI config that installs hashicorp/aws from `mirror` only."""
    text = template.read_text(encoding="utf-8").replace("@MIRROR@", str(Path(mirror).resolve()))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out


def binary() -> str | None:
    return shutil.which("terraform")


def env(config: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a terraform subprocess: the CLI config, no prompts, no colour."""
    return {
        **os.environ,
        "TF_CLI_CONFIG_FILE": str(config),
        "TF_INPUT": "0",
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        **(extra or {}),
    }


def run(
    args: list[str], cwd: Path, config: Path, extra: Mapping[str, str] | None = None,
    timeout_s: float = 900,
) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """terraform <args> in cwd with the offline config; output captured, never raises."""
    command = [binary() or "terraform", *args, "-no-color"]
    return subprocess.run(  # noqa: S603 (terraform with our own arguments)
        command, cwd=cwd, env=env(config, extra), capture_output=True, text=True,
        timeout=timeout_s, check=False,
    )  # fmt: skip
