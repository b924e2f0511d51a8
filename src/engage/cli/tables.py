"""Tables that never hide an id or a number, and the `--json` twin of every listing.

Rich shortens a cell that does not fit with `…` by default, which turned queue
ids into `CUST_0…` (useless for `engage qa review`) and cut metric values. Here
every column folds instead of cutting, and no column may shrink below its
longest word (an id, a number, `name=value`), so at 80 columns a table wraps
onto more lines but shows every character; a table whose words cannot fit side
by side at all is shown one record per block (`column: value` lines).
"""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.console import Console
from rich.errors import MarkupError
from rich.table import Table
from rich.text import Text

MAX_WORD = 40  # a longer word (free text) may fold; ids and numbers are shorter


def _text(cell: Any) -> Text:
    if isinstance(cell, Text):
        return cell
    try:
        return Text.from_markup(str(cell))
    except MarkupError:  # not markup after all (a value with brackets): as it is
        return Text(str(cell))


def _plain(cell: Any) -> str:
    return _text(cell).plain


def _words(cell: Any) -> int:
    return max((len(word) for word in _plain(cell).split()), default=0)


def _longest(column: Any) -> int:
    """The width a column needs: its longest word, or its longest cell if it never wraps."""
    measure = (lambda c: len(_plain(c))) if column.no_wrap else _words
    return max([measure(c) for c in column._cells] + [_words(column.header)], default=0)


def whole(table: Table) -> Table:
    """Make `table` fold rather than cut, each column at least its longest word wide."""
    for column in table.columns:
        column.overflow = "fold"
        column.min_width = max(column.min_width or 0, min(_longest(column), MAX_WORD))
    return table


def show(console: Console, table: Table) -> None:
    """Print `table` whole; if its words cannot fit side by side, one record per block."""
    whole(table)
    needed = sum((c.min_width or 0) + 3 for c in table.columns) + 1
    if needed <= console.width:
        console.print(table)
        return
    headers = [Text.from_markup(str(c.header)).plain if isinstance(c.header, str) else
               str(c.header) for c in table.columns]  # fmt: skip
    width = max(len(h) for h in headers)
    for i in range(table.row_count):
        for header, column in zip(headers, table.columns, strict=True):
            cell = column._cells[i]
            value = _text(cell)  # markup rendered (a status colour), not shown as text
            console.print(Text(f"{header:>{width}}: ", style="bold") + value, overflow="fold")
        console.print()


def echo_json(value: Any) -> None:
    """Machine-readable output of a listing (`--json`): stdout, nothing else on it."""
    typer.echo(json.dumps(value, indent=2, default=str))


JsonFlag = typer.Option("--json", help="Print JSON instead of a table.")
