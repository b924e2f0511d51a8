"""Registering a table written outside `engage run` (notify, federated) in the catalog."""

from __future__ import annotations

from engage.settings import Settings


def register_published(settings: Settings, table: str, prefix: str) -> bool:
    """Point the catalog at the files under `prefix`; False if the catalog is busy.

    The files are already published, so a busy catalog (a run holding its lock) loses
    nothing: the next registration of the same table picks them up.
    """
    from engage import bootstrap
    from engage.ports import SqlError

    try:
        engine = bootstrap.catalog(settings).writer()
        try:
            engine.register_parquet(table, prefix)
        finally:
            engine.close()
    except SqlError:
        return False
    return True
