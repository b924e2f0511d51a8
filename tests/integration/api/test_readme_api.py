"""The README's API block runs verbatim against a real `engage serve`.

Every command of the block is run as written, with two substitutions the test
must make and nothing else: the server listens on a random loopback port (the
README's `127.0.0.1:8000` becomes that port) and `KEY=ek_...` is the key that
`engage keys create` really printed. `engage run` is the session's pipeline run
(tests/integration/api/conftest.py), not run again here. Before: the curl examples had
no Content-Type and answered 422 "Input should be a valid dictionary".
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[3] / "README.md"


def commands(text: str) -> list[list[str]]:
    """Every command of the bash blocks in `text`: comments dropped, continuations
    joined, `a ; b` split in two."""
    out: list[list[str]] = []
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            current: list[str] = []
            for word in [*shlex.split(line, comments=True), ";"]:
                if word != ";":
                    current.append(word)
                elif current:
                    out.append(current)
                    current = []
    return out


def api_block() -> list[list[str]]:
    """The commands of the API section's bash block."""
    section = README.read_text().split("\n## API\n", 1)[1]
    return commands(section[: section.index("\n## ")])


def test_readme_api_block_works_verbatim(world, tmp_path, free_port, start_server) -> None:
    bin_dir = Path(sys.executable).parent
    lake_dir = world.copy_lake(tmp_path / "lake")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "ENGAGE_LAKE": str(lake_dir),
        "ENGAGE_DATA_DIR": str(world.source),
        "ENGAGE_API_KEYS_PATH": str(tmp_path / "keys.json"),
    }
    port, server, answers = free_port(), None, []
    block = api_block()
    assert [c[0] for c in block].count("curl") == 3
    try:
        for argv in block:
            argv = [a.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for a in argv]
            if argv[:2] == ["engage", "run"]:
                continue  # the session's run (see the module doc)
            if argv[:2] == ["engage", "serve"]:
                server = start_server(env, port)
                continue
            if argv[0].startswith("KEY="):
                continue  # the key comes from `keys create` below
            done = subprocess.run(
                ["bash", "-c", shlex_join(argv)], env=env, capture_output=True, text=True,
                timeout=120,
            )  # fmt: skip
            assert done.returncode == 0, (argv, done.stderr)
            if argv[:3] == ["engage", "keys", "create"]:
                env["KEY"] = done.stdout.strip().splitlines()[-1]
            if argv[0] == "curl":
                answers.append(json.loads(done.stdout))
    finally:
        if server is not None:
            server.kill()
            server.wait(timeout=10)
    one, live, batch = answers
    assert one["customer_id"] == "CUST_0000042" and one["source"] == "batch"
    assert live["source"] == "live" and "error" not in live
    assert [item["status"] for item in batch["results"]] == [200, 200]


def shlex_join(argv: list[str]) -> str:
    """The command for bash, `$KEY` left to the shell to expand as the README has it."""
    return " ".join(f'"{a}"' if "$KEY" in a else shlex.quote(a) for a in argv)
