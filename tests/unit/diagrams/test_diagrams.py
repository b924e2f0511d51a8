"""The diagrams in docs/ are what the code generates today, and every box names real code."""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engage.cli import app
from engage.diagrams import FLOWS, PORTS, state_machine, write_all
from engage.diagrams.graph import KB_PREFIX
from engage.pipeline.asl import iter_states, load_definition

ROOT = Path(__file__).resolve().parents[3]
DOCS = ROOT / "docs"


def test_docs_are_byte_for_byte_what_the_code_generates(tmp_path: Path) -> None:
    fresh = write_all(tmp_path / "diagrams", load_definition())
    for path in fresh:
        committed = DOCS / path.relative_to(tmp_path)
        assert committed.exists(), f"{committed} missing: run `make docs`"
        assert committed.read_bytes() == path.read_bytes(), f"{committed} is stale: `make docs`"


def test_every_state_and_transition_of_the_definition_is_drawn() -> None:
    definition = load_definition()
    text = state_machine(definition)
    for _, name, state in iter_states(definition):
        drawn = f'state "{name} (' in text or f"state {name} {{" in text
        assert drawn, name
        if "Next" in state:
            assert f"{name} --> {state['Next']}\n" in text
        for catch in state.get("Catch", []):
            assert f"{name} --> {catch['Next']} : Catch" in text
    # A renamed state changes the diagram: it is generated, not drawn.
    renamed = json.loads(json.dumps(definition).replace('"InferenceTask"', '"ScoreAll"'))
    assert "ScoreAll" in state_machine(renamed) and "InferenceTask" not in state_machine(renamed)


def _defines(ref: str) -> bool:
    """Whether `module:name` is a top-level class, function or assignment in its source."""
    module, name = ref.split(":")
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin, module
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        defs = ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef
        if isinstance(node, defs) and node.name == name:
            return True
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
    return False


@pytest.mark.parametrize("port", PORTS, ids=[p.key for p in PORTS])
def test_every_port_and_adapter_names_code_that_exists(port) -> None:
    for ref in (port.ref, port.local.ref, port.aws.ref):
        assert _defines(ref), f"{port.key}: {ref} does not exist"


def test_data_flow_uses_the_lake_layout() -> None:
    from engage import lake
    from engage.agent.kb import KB_PREFIX as REAL_KB_PREFIX

    assert KB_PREFIX == REAL_KB_PREFIX
    layout = {v for k, v in vars(lake).items() if k.isupper() and isinstance(v, str)}
    for src, _, dst in FLOWS:
        for key in (src, dst):
            assert key.startswith("<") or key in layout | {KB_PREFIX}, key


def test_cli_check_passes_here_and_catches_a_stale_file(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["docs", "diagrams", "--check", "--out", str(DOCS / "diagrams")])
    assert ok.exit_code == 0, ok.output
    out = tmp_path / "diagrams"
    assert runner.invoke(app, ["docs", "diagrams", "--out", str(out)]).exit_code == 0
    (out / "state_machine.mmd").write_text("stateDiagram-v2\n")
    stale = runner.invoke(app, ["docs", "diagrams", "--check", "--out", str(out)])
    assert stale.exit_code == 1 and "state_machine.mmd" in stale.output


def test_architecture_page_embeds_the_generated_component_diagram() -> None:
    from engage.diagrams import mermaid

    page = (DOCS / "architecture.md").read_text(encoding="utf-8")
    embedded = page.split("<!-- components:begin -->\n", 1)[1].split("<!-- components:end -->")[0]
    body = "\n".join(x for x in mermaid.components().splitlines() if not x.startswith("%%"))
    assert embedded == f"```mermaid\n{body}\n```\n", "docs/architecture.md is stale: re-embed"
