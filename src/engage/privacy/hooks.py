"""Registries of what else holds customer data outside the lake's tables.

Erasure and export cover the lake's tables themselves; caches, the knowledge base,
the audit trail and whatever comes later register a hook here instead of being
hard-wired into `forget` and `export`:

    from engage.privacy.hooks import register_erasure_hook, register_export_hook
    register_erasure_hook("knowledge_base", lambda settings, cid: kb.delete_docs(cid))
    register_export_hook("knowledge_base", lambda settings, cid: kb.docs_about(cid))

An erasure hook returns how many items it removed and raises `HookUnavailable` when
its backend is not part of this deployment; an export hook returns JSON-able data.
Outcomes are recorded per hook in the erasure log (counts and error *class names*
only, since an error message could quote the data it failed on).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from engage import bootstrap
from engage.settings import Settings

ErasureFn = Callable[[Settings, str], int]
ExportFn = Callable[[Settings, str], Any]


class HookUnavailable(RuntimeError):
    """The hook's backend is not present here; nothing to erase or export."""


_ERASURE: dict[str, ErasureFn] = {}
_EXPORT: dict[str, ExportFn] = {}


def register_erasure_hook(name: str, fn: ErasureFn) -> None:
    """Add (or replace) a named step that removes one customer's data from a store."""
    _ERASURE[name] = fn


def register_export_hook(name: str, fn: ExportFn) -> None:
    """Add (or replace) a named section of `engage export`."""
    _EXPORT[name] = fn


def unregister(name: str) -> None:
    """Remove a hook from both registries (tests, or a backend that is switched off)."""
    _ERASURE.pop(name, None)
    _EXPORT.pop(name, None)


def erasure_hooks() -> dict[str, ErasureFn]:
    return dict(_ERASURE)


def export_hooks() -> dict[str, ExportFn]:
    return dict(_EXPORT)


def run_erasure_hooks(settings: Settings, customer_id: str) -> dict[str, str]:
    """Run every erasure hook; outcome per hook: 'removed N', 'unavailable' or 'failed: X'."""
    outcomes = {}
    for name, fn in sorted(_ERASURE.items()):
        try:
            outcomes[name] = f"removed {int(fn(settings, customer_id))}"
        except HookUnavailable:
            outcomes[name] = "unavailable"
        except Exception as err:  # one broken backend must not hide the others' outcome
            outcomes[name] = f"failed: {type(err).__name__}"
    return outcomes


def run_export_hooks(settings: Settings, customer_id: str) -> dict[str, Any]:
    """Every export hook's section; an unavailable backend contributes nothing."""
    sections: dict[str, Any] = {}
    for name, fn in sorted(_EXPORT.items()):
        try:
            sections[name] = fn(settings, customer_id)
        except HookUnavailable:
            continue
    return sections


def hook_failed(outcomes: dict[str, str]) -> list[str]:
    return [name for name, outcome in outcomes.items() if outcome.startswith("failed")]


# -- built-in hooks ---------------------------------------------------------------------


def erase_from_prediction_cache(settings: Settings, customer_id: str) -> int:
    """Drop the customer's cached predictions through the cache port (`delete_customer`)."""
    factory = getattr(bootstrap, "cache", None)
    if factory is None:
        raise HookUnavailable("this build has no prediction cache")
    local_file = getattr(settings, "resolved_cache_path", None)
    if settings.cache == "sqlite" and local_file is not None and not local_file().exists():
        return 0  # never served: nothing cached, and opening would create the file
    cache = factory(settings)
    try:
        delete = getattr(cache, "delete_customer", None)
        if delete is None:
            raise HookUnavailable("the cache adapter cannot delete one customer")
        return int(delete(customer_id))
    finally:
        close = getattr(cache, "close", None)
        if close is not None:
            close()


def _optional(module: str, attribute: str) -> Callable[..., Any]:
    """A function of a module that may not exist yet (features built by other teams)."""
    try:
        fn = getattr(importlib.import_module(module), attribute, None)
    except ImportError:
        fn = None
    if fn is None:
        raise HookUnavailable(f"{module}.{attribute} is not available")
    return fn


def erase_from_audit_trail(settings: Settings, customer_id: str) -> int:
    """The audit trail's own erasure, when `engage.audit` provides one."""
    return int(_optional("engage.audit", "erase_customer")(settings, customer_id))


def export_audit_trail(settings: Settings, customer_id: str) -> Any:
    """The audit trail's entries about the customer, when `engage.audit` provides them."""
    return _optional("engage.audit", "customer_entries")(settings, customer_id)


def _erase_from_recommender(settings: Settings, customer_id: str) -> int:
    from engage.privacy.models import erase_from_recommender  # torch loads only if needed

    return erase_from_recommender(settings, customer_id)


register_erasure_hook("prediction_cache", erase_from_prediction_cache)
register_erasure_hook("audit_trail", erase_from_audit_trail)
register_erasure_hook("recommendation_model", _erase_from_recommender)
register_export_hook("audit_trail", export_audit_trail)
