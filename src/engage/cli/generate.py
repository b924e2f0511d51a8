"""`engage generate`: write the synthetic dataset to a directory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:
    from engage.data.generator import GenerationSummary

# engage.data.writer.FORMATS, spelled here so that `--help` does not load pyarrow;
# the writer rejects any other format with a clear error.
FORMATS = ("parquet", "csv")

console = Console(stderr=True)


def register(app: typer.Typer) -> None:
    app.command("generate")(generate_command)


def generate_command(
    rows: Annotated[
        int | None, typer.Option("--rows", "-n", help="Customers to generate [default 100000].")
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Random seed; same seed, same data [default 42].")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output directory [default ./data].")
    ] = None,
    formats: Annotated[str, typer.Option(help="Comma-separated: parquet, csv.")] = ",".join(
        FORMATS
    ),
) -> None:
    """Generate customers, PII, interactions, activity, social graph and ground truth."""
    from engage.data.generator import GenerationError
    from engage.settings import Settings

    settings = Settings()
    rows = settings.rows if rows is None else rows
    seed = settings.seed if seed is None else seed
    out = settings.data_dir if out is None else out
    if seed < 0:
        _fail(f"--seed must be zero or positive, got {seed}")
    try:
        summary = run_generation(rows, seed, out, [f.strip() for f in formats.split(",") if f])
    except (GenerationError, OSError) as exc:
        _fail(str(exc))
    print_summary(summary)


def run_generation(rows: int, seed: int, out: Path, formats: list[str]) -> GenerationSummary:
    """Generate with a progress bar on stderr; bad arguments are refused before it starts
    (a started bar leaves a blank line above the one-line error)."""
    from engage.data import generate
    from engage.data.generator import check_args

    formats = check_args(rows, out, formats)

    columns = (
        TextColumn("generate"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("generate", total=rows)
        return generate(
            rows, seed, out, formats, on_chunk=lambda done, _: progress.update(task, completed=done)
        )


def print_summary(summary: GenerationSummary) -> None:
    out = Console()
    out.print(
        f"Generated [bold]{summary.rows:,}[/bold] customers in {summary.seconds:.1f} s "
        f"(seed {summary.seed}) -> {summary.out}"
    )
    table = Table()
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, count in summary.tables.items():
        table.add_row(name, f"{count:,}")
    out.print(table)


def _fail(message: str) -> None:
    from engage.cli.errors import fail

    fail(message, 2, "`engage generate --help` for the allowed values")
