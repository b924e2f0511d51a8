"""The monitored groups: gender, age band and US Census region (seed §2.4.3).

Location is a US state; fifty groups are too many and too small to judge, and the
seed asks for "state/region" granularity, so fairness is measured by the four
Census regions.
"""

from __future__ import annotations

import pandas as pd

from engage.models.subgroups import age_band

CENSUS_REGIONS: dict[str, tuple[str, ...]] = {
    "Northeast": ("CT", "ME", "MA", "NH", "RI", "VT", "NJ", "NY", "PA"),
    "Midwest": ("IL", "IN", "MI", "OH", "WI", "IA", "KS", "MN", "MO", "NE", "ND", "SD"),
    "South": (
        "DE", "FL", "GA", "MD", "NC", "SC", "VA", "DC", "WV", "AL", "KY", "MS", "TN",
        "AR", "LA", "OK", "TX",
    ),
    "West": (
        "AZ", "CO", "ID", "MT", "NV", "NM", "UT", "WY", "AK", "CA", "HI", "OR", "WA",
    ),
}  # fmt: skip
STATE_REGION = {state: region for region, states in CENSUS_REGIONS.items() for state in states}
ATTRIBUTES = ("gender", "age_band", "region")


def region(frame: pd.DataFrame) -> pd.Series:
    """Census region of each customer's state ("unknown" outside the map)."""
    return frame["location"].astype(str).map(STATE_REGION).fillna("unknown")


def protected_groups(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """Group label per row for every monitored attribute, as strings."""
    return {
        "gender": frame["gender"].astype(str),
        "age_band": age_band(frame).astype(str),
        "region": region(frame),
    }
