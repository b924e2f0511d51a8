"""`engage docs diagrams`: regenerate (or check) the Mermaid sources in docs/."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

console = Console()
docs_app = typer.Typer(help="Generated documentation.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(docs_app, name="docs")


@docs_app.command("diagrams")
def diagrams_command(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the .mmd files (diagrams.md goes beside it).")
    ] = Path("docs/diagrams"),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if a file is stale.")
    ] = False,
) -> None:
    """Components, state machine (from definition.json) and data flow, as Mermaid."""
    from engage.diagrams import write_all
    from engage.pipeline.asl import load_definition

    definition = load_definition()
    if not check:
        for path in write_all(out, definition):
            console.print(f"wrote {path}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        fresh = write_all(Path(tmp) / out.name, definition)
        stale = [
            p.name
            for p in fresh
            if not (target := (out if p.suffix == ".mmd" else out.parent) / p.name).exists()
            or target.read_bytes() != p.read_bytes()
        ]
    if stale:
        console.print(f"[red]stale:[/] {', '.join(stale)} (run `engage docs diagrams`)")
        raise typer.Exit(1)
    console.print("diagrams are up to date")


@docs_app.command("compliance")
def compliance_command(
    source: Annotated[Path, typer.Option("--source", help="The matrix as data.")] = Path(
        "docs/compliance.yaml"
    ),
    out: Annotated[Path, typer.Option("--out", help="The Markdown page.")] = Path(
        "docs/compliance.md"
    ),
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if stale or a reference is gone.")
    ] = False,
) -> None:
    """Render the control matrix and check that every resource, module and test it names exists."""
    from engage import compliance

    try:
        data = compliance.load(source)
        problems = compliance.check(data, source.resolve().parent.parent)
    except ImportError as err:  # PyYAML and python-hcl2 come with the dev extra
        console.print(f"[red]{err.name} is missing:[/] pip install -e '.[dev]'")
        raise typer.Exit(2) from err
    for problem in problems:
        console.print(f"[red]{problem}[/]")
    text = compliance.render(data)
    if check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            console.print(f"[red]stale:[/] {out} (run `engage docs compliance`)")
            problems.append("stale")
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")
    if problems:
        raise typer.Exit(1)
