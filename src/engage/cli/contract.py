"""`engage contract`: show the data contract and regenerate documents from it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

contract_app = typer.Typer(help="The data contract: every column, type, range and role.")


def register(app: typer.Typer) -> None:
    app.add_typer(contract_app, name="contract")


@contract_app.command("dictionary")
def dictionary(
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Print (or write) the data dictionary generated from the contract."""
    from engage.contract.dictionary import render_dictionary

    text = render_dictionary()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text)
        typer.echo(f"wrote {out}")
