"""What else holds customer data outside the lake's tables: named erasure/export steps.

Erasure and export cover the lake's tables themselves; caches, the knowledge base,
the audit trail and whatever comes later are steps in a `Hooks` instead of being
hard-wired into `forget` and `export`. The composition root builds the instance
with each step bound to its adapter (`engage.bootstrap.privacy_hooks`):

    hooks = Hooks()
    hooks.on_erase("knowledge_base", lambda cid: kb.delete_docs(cid))
    hooks.on_export("knowledge_base", lambda cid: kb.docs_about(cid))

An erasure step returns how many items it removed and raises `HookUnavailable` when
its backend is not part of this deployment; an export step returns JSON-able data.
Outcomes are recorded per step in the erasure log (counts and error *class names*
only, since an error message could quote the data it failed on).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engage.ports import Cache

ErasureFn = Callable[[str], int]
ExportFn = Callable[[str], Any]


class HookUnavailable(RuntimeError):
    """The hook's backend is not present here; nothing to erase or export."""


class Hooks:
    """Named erasure and export steps, each taking a customer id."""

    def __init__(self) -> None:
        self.erasure: dict[str, ErasureFn] = {}
        self.export: dict[str, ExportFn] = {}

    def on_erase(self, name: str, fn: ErasureFn) -> None:
        """Add (or replace) a named step that removes one customer's data from a store."""
        self.erasure[name] = fn

    def on_export(self, name: str, fn: ExportFn) -> None:
        """Add (or replace) a named section of `engage export`."""
        self.export[name] = fn

    def unregister(self, name: str) -> None:
        """Remove a step from both lists (tests, or a backend that is switched off)."""
        self.erasure.pop(name, None)
        self.export.pop(name, None)

    def run_erasure(self, customer_id: str) -> dict[str, str]:
        """Run every erasure step; outcome per step: 'removed N', 'unavailable' or 'failed: X'."""
        outcomes = {}
        for name, fn in sorted(self.erasure.items()):
            try:
                outcomes[name] = f"removed {int(fn(customer_id))}"
            except HookUnavailable:
                outcomes[name] = "unavailable"
            except Exception as err:  # one broken backend must not hide the others' outcome
                outcomes[name] = f"failed: {type(err).__name__}"
        return outcomes

    def run_export(self, customer_id: str) -> dict[str, Any]:
        """Every export step's section; an unavailable backend contributes nothing."""
        sections: dict[str, Any] = {}
        for name, fn in sorted(self.export.items()):
            try:
                sections[name] = fn(customer_id)
            except HookUnavailable:
                continue
        return sections


def hook_failed(outcomes: dict[str, str]) -> list[str]:
    return [name for name, outcome in outcomes.items() if outcome.startswith("failed")]


def erase_from_cache(open_cache: Callable[[], Cache] | None, customer_id: str) -> int:
    """Drop the customer's cached predictions through the cache port (`delete_customer`).

    `open_cache` is None when there is no cache to open (never served): nothing to do.
    """
    if open_cache is None:
        return 0
    cache = open_cache()
    try:
        delete = getattr(cache, "delete_customer", None)
        if delete is None:
            raise HookUnavailable("the cache adapter cannot delete one customer")
        return int(delete(customer_id))
    finally:
        close = getattr(cache, "close", None)
        if close is not None:
            close()
