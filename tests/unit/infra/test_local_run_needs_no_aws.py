"""The default local run never imports boto3 (AWS adapters load it lazily)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_local_adapters_and_cli_do_not_import_boto3(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from engage import bootstrap\n"
        "from engage.settings import Settings\n"
        "import engage.cli\n"
        f"s = Settings(lake={str(tmp_path / 'lake')!r})\n"
        "bootstrap.object_store(s); bootstrap.sql_engine(s).close(); bootstrap.cache(s).close()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
