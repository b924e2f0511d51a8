"""`engage keys`: create, list and revoke API keys (stored as salted hashes only)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from engage.api.keys import ROLES, KeyStore, KeyStoreError
from engage.cli.errors import fail
from engage.cli.tables import JsonFlag, echo_json, show

console = Console()
keys_app = typer.Typer(
    help="API keys for `engage serve`: create, list, revoke.", no_args_is_help=True
)


def register(app: typer.Typer) -> None:
    app.add_typer(keys_app, name="keys")


def _store() -> KeyStore:
    from engage.settings import Settings

    return KeyStore(Settings().resolved_keys_path())


@keys_app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="Who or what the key is for.")],
    role: Annotated[str, typer.Option("--role", help="reader or admin.")] = "reader",
) -> None:
    """Create a key and print it once: only its salted hash is kept."""
    if role not in ROLES:
        fail(f"--role must be one of {', '.join(ROLES)}, got {role!r}", 2)
    try:
        record, key = _store().create(name, role)
    except KeyStoreError as err:
        fail(err, 1)
    console.print(f"Created {record.role} key [bold]{record.key_id}[/] ({record.name}).")
    console.print("Store it now; it cannot be shown again:")
    typer.echo(key)


@keys_app.command("list")
def list_keys(as_json: Annotated[bool, JsonFlag] = False) -> None:
    """Every key's id, name, role and status (never the key or its hash)."""
    listed = _store().list()
    if as_json:
        echo_json([
            {"key_id": k.key_id, "name": k.name, "role": k.role, "created_at": k.created_at,
             "revoked_at": k.revoked_at}
            for k in listed
        ])  # fmt: skip
        return
    table = Table("Key id", "Name", "Role", "Created", "Revoked")
    for k in listed:
        table.add_row(k.key_id, k.name, k.role, k.created_at, k.revoked_at or "-")
    show(console, table)


@keys_app.command("revoke")
def revoke(
    key: Annotated[str, typer.Argument(help="The key id or the key's name.")],
) -> None:
    """Revoke a key; a running server refuses it from its next request."""
    try:
        record = _store().revoke(key)
    except KeyStoreError as err:
        fail(err, 1)
    console.print(f"Revoked key {record.key_id} ({record.name}) at {record.revoked_at}.")
