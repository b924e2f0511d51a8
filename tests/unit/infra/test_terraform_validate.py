"""`terraform init -backend=false && terraform validate` with the real AWS provider, offline.

The provider comes from a filesystem mirror (engage.deploy.terraform.find_mirror);
without terraform or a mirror these tests skip and say so. envs/aws-kb needs a
provider >= 6.27 (S3 Vectors): it is validated only when the mirror holds one.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engage.deploy import terraform as tf

ROOT = Path(__file__).resolve().parents[3] / "infra" / "terraform"
MIRROR = tf.find_mirror()
pytestmark = [
    pytest.mark.skipif(tf.binary() is None, reason="terraform binary not installed"),
    pytest.mark.skipif(
        MIRROR is None, reason="no filesystem mirror of hashicorp/aws on this machine"
    ),
]


def _major_minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def _validate(env: str, tmp_path: Path) -> None:
    work = tmp_path / "terraform"
    shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".terraform*", "*.tfstate*"))
    config = tf.cli_config(MIRROR, tmp_path / "offline.tfrc")
    cwd = work / "envs" / env
    init = tf.run(["init", "-backend=false", "-input=false"], cwd, config, timeout_s=300)
    assert init.returncode == 0, init.stdout + init.stderr
    done = tf.run(["validate"], cwd, config, timeout_s=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "The configuration is valid" in done.stdout


@pytest.mark.parametrize("env", ["aws", "emulator"])
def test_env_validates_with_the_real_provider(env: str, tmp_path: Path) -> None:
    _validate(env, tmp_path)


def test_knowledge_base_env_validates_where_the_provider_is_new_enough(tmp_path: Path) -> None:
    versions = tf.mirror_versions(MIRROR)
    if not any(_major_minor(v) >= (6, 27) for v in versions):
        pytest.skip(f"envs/aws-kb needs hashicorp/aws >= 6.27 (S3 Vectors); mirror has {versions}")
    _validate("aws-kb", tmp_path)


def test_offline_config_names_the_mirror(tmp_path: Path) -> None:
    text = tf.cli_config(MIRROR, tmp_path / "x.tfrc").read_text()
    assert f'path    = "{MIRROR.resolve()}"' in text and "@MIRROR@" not in text
