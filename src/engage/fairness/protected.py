"""Prohibited attributes can never become model features (seed §2.4.3).

The contract marks every column's protection; the seed also lists attributes that
the data does not carry today (race, religion, ...). Configuration that names any
of them as a feature is refused before a model is fitted, with the attribute named.
"""

from __future__ import annotations

from collections.abc import Sequence

from engage.contract import CUSTOMERS, MODEL_INPUTS, PROHIBITED_ATTRIBUTES
from engage.contract.schema import Protection


class ProhibitedFeatureError(ValueError):
    """A configured feature is a prohibited attribute, or not a model input at all."""


def prohibited() -> set[str]:
    """Every attribute name that may never be a feature."""
    names = set(PROHIBITED_ATTRIBUTES)
    names |= {c.name for c in CUSTOMERS.columns if c.protection is Protection.PROHIBITED}
    return names


def conditional() -> list[str]:
    """Permitted but monitored attributes (age, gender, location)."""
    return [c.name for c in CUSTOMERS.columns if c.protection is Protection.CONDITIONAL]


def check_features(configured: Sequence[str] | None) -> tuple[str, ...]:
    """The model inputs to use: `configured` after checks, or every contract input.

    Raises ProhibitedFeatureError naming prohibited attributes, then names that are
    not model inputs (targets, identifiers, metadata, unknown columns).
    """
    if not configured:
        return MODEL_INPUTS
    banned = sorted(set(configured) & prohibited())
    if banned:
        raise ProhibitedFeatureError(
            f"prohibited attribute(s) configured as model features: {', '.join(banned)} "
            "(seed §2.4.3: never a model input; remove them from ENGAGE_MODEL_FEATURES)"
        )
    unknown = [name for name in configured if name not in MODEL_INPUTS]
    if unknown:
        raise ProhibitedFeatureError(
            f"not model inputs of the contract: {', '.join(unknown)} "
            "(targets, identifiers and metadata cannot be features)"
        )
    return tuple(dict.fromkeys(configured))
