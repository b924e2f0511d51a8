"""The notification-response simulator behind `engage notify` (issue 18 item 3, use case 7).

What it is for: a learned notification-timing policy needs something to be graded
against that no policy sees. This module holds that truth. Every customer gets an
hourly engagement propensity, a habituation rate and an unsubscribe hazard, derived
*deterministically* from the features the generator already wrote, so the same
customers table always gives the same simulated people:

- the propensity peaks around `peak_activity_hour` (local time); the peak is narrower
  the higher `session_consistency_score` (regular people are predictable), and its
  height follows `notification_click_rate`;
- habituation: each notification already received today multiplies the propensity
  by `HABITUATION` (the third push of a day is read less than the first);
- the unsubscribe hazard grows with the notifications already received today and
  is higher when the push lands far from the customer's active hours.

The customer's local time zone comes from the state of residence (`location`)
through `STATE_TIME_ZONES`, the zone where most of that state's people live (a
simplification for the few states that straddle two zones), and local times are
computed with `zoneinfo`, so daylight-saving changes are honoured.

Opt-out: the data contract has no consent or opt-out column yet (docs/compliance.md,
GDPR-7). When the customers frame carries one of `OPT_OUT_COLUMNS` it is used as
is; otherwise the simulator derives a stand-in preference from a hash of the
customer id (`SIMULATED_OPT_OUT_SHARE` of customers), so the opt-out path is
exercised and counted end to end. Nothing the policy learns from reads the curve.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

HOURS = 24
HABITUATION = 0.6  # propensity multiplier per notification already received today
FLOOR = 0.12  # share of the peak propensity left at the least active hour
SIMULATED_OPT_OUT_SHARE = 0.08
# A real opt-out flag wins over the simulated one (True = opted out); a consent flag
# (True = consented) is read the other way round.
OPT_OUT_COLUMNS = ("notifications_opt_out", "push_opt_out", "marketing_opt_out")
CONSENT_COLUMNS = ("notifications_consent", "push_consent", "marketing_consent")
REQUIRED = (
    "customer_id",
    "location",
    "peak_activity_hour",
    "session_consistency_score",
    "notification_click_rate",
)

STATE_TIME_ZONES: dict[str, str] = {
    "AL": "America/Chicago", "AK": "America/Anchorage", "AZ": "America/Phoenix",
    "AR": "America/Chicago", "CA": "America/Los_Angeles", "CO": "America/Denver",
    "CT": "America/New_York", "DE": "America/New_York", "FL": "America/New_York",
    "GA": "America/New_York", "HI": "Pacific/Honolulu", "ID": "America/Boise",
    "IL": "America/Chicago", "IN": "America/Indiana/Indianapolis", "IA": "America/Chicago",
    "KS": "America/Chicago", "KY": "America/New_York", "LA": "America/Chicago",
    "ME": "America/New_York", "MD": "America/New_York", "MA": "America/New_York",
    "MI": "America/Detroit", "MN": "America/Chicago", "MS": "America/Chicago",
    "MO": "America/Chicago", "MT": "America/Denver", "NE": "America/Chicago",
    "NV": "America/Los_Angeles", "NH": "America/New_York", "NJ": "America/New_York",
    "NM": "America/Denver", "NY": "America/New_York", "NC": "America/New_York",
    "ND": "America/Chicago", "OH": "America/New_York", "OK": "America/Chicago",
    "OR": "America/Los_Angeles", "PA": "America/New_York", "RI": "America/New_York",
    "SC": "America/New_York", "SD": "America/Chicago", "TN": "America/Chicago",
    "TX": "America/Chicago", "UT": "America/Denver", "VT": "America/New_York",
    "VA": "America/New_York", "WA": "America/Los_Angeles", "WV": "America/New_York",
    "WI": "America/Chicago", "WY": "America/Denver",
}  # fmt: skip


class SimulatorInputError(ValueError):
    """The customers frame cannot drive the simulator (names the column and row)."""


def time_zone(state: str) -> ZoneInfo:
    """The IANA zone of a US state code; an unknown code is an error naming it."""
    try:
        return ZoneInfo(STATE_TIME_ZONES[state])
    except KeyError:
        raise SimulatorInputError(f"location {state!r} is not a known US state code") from None


@dataclass(frozen=True)
class Population:
    """The simulated customers, one array entry per customer (the hidden truth).

    `curve[i, h]` is customer i's propensity to engage within an hour of a
    notification received at local hour h, before habituation.
    """

    customer_id: np.ndarray
    state: np.ndarray
    zone: tuple[ZoneInfo, ...]
    peak_hour: np.ndarray  # observed feature: the policy may see its bucket
    curve: np.ndarray  # (n, 24) truth: never shown to a policy
    unsubscribe: np.ndarray  # (n,) base unsubscribe hazard per notification
    opted_out: np.ndarray  # (n,) bool

    def __len__(self) -> int:
        return len(self.customer_id)

    def propensity(self, i: int, local_hour: int, received_today: int) -> float:
        """P(engage within the hour) of a notification at `local_hour`."""
        return float(self.curve[i, local_hour] * HABITUATION**received_today)

    def unsubscribe_hazard(self, i: int, local_hour: int, received_today: int) -> float:
        """P(unsubscribe) on a notification: more today and off-peak both raise it."""
        off_peak = 1.0 - self.curve[i, local_hour] / max(float(self.curve[i].max()), 1e-12)
        return float(min(1.0, self.unsubscribe[i] * (1 + received_today) * (1 + 2 * off_peak)))

    def subset(self, rows: np.ndarray) -> Population:
        """The customers at `rows` (a train/evaluation split keeps its truth)."""
        return Population(
            self.customer_id[rows],
            self.state[rows],
            tuple(self.zone[i] for i in rows),
            self.peak_hour[rows],
            self.curve[rows],
            self.unsubscribe[rows],
            self.opted_out[rows],
        )


def population(customers: pd.DataFrame) -> Population:
    """Derive every customer's simulated response from their generated features."""
    _check(customers)
    peak = customers["peak_activity_hour"].to_numpy(dtype=np.int64)
    consistency = customers["session_consistency_score"].to_numpy(dtype=float)
    click = customers["notification_click_rate"].to_numpy(dtype=float)
    width = 1.5 + 3.5 * (1.0 - consistency)  # hours, one standard deviation
    hours = np.arange(HOURS)
    distance = np.abs(hours[None, :] - peak[:, None])
    distance = np.minimum(distance, HOURS - distance)
    shape = FLOOR + (1 - FLOOR) * np.exp(-0.5 * (distance / width[:, None]) ** 2)
    height = np.clip(0.1 + 1.5 * click, 0.05, 0.9)
    states = customers["location"].astype(str).to_numpy()
    zones = {s: time_zone(s) for s in np.unique(states)}
    return Population(
        customer_id=customers["customer_id"].astype(str).to_numpy(),
        state=states,
        zone=tuple(zones[s] for s in states),
        peak_hour=peak,
        curve=height[:, None] * shape,
        unsubscribe=0.002 + 0.006 * (1.0 - np.clip(click, 0, 1)),
        opted_out=opt_out(customers),
    )


def opt_out(customers: pd.DataFrame) -> np.ndarray:
    """Who must never be notified: a real flag if the frame has one, else the stand-in."""
    for name in OPT_OUT_COLUMNS:
        if name in customers.columns:
            return customers[name].fillna(True).astype(bool).to_numpy()
    for name in CONSENT_COLUMNS:
        if name in customers.columns:
            return ~customers[name].fillna(False).astype(bool).to_numpy()
    return np.array([_simulated_opt_out(c) for c in customers["customer_id"].astype(str)])


def _simulated_opt_out(customer_id: str) -> bool:
    digest = hashlib.sha256(f"notify-opt-out:{customer_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < SIMULATED_OPT_OUT_SHARE


def _check(customers: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED if c not in customers.columns]
    if missing:
        raise SimulatorInputError(f"customers lack column(s) {', '.join(missing)}")
    for name in REQUIRED[2:]:
        bad = customers[name].isna().to_numpy()
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise SimulatorInputError(f"column {name!r} is null at row {row}")
    hours = customers["peak_activity_hour"]
    bad = ((hours < 0) | (hours > 23)).to_numpy()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise SimulatorInputError(f"column 'peak_activity_hour' is outside 0-23 at row {row}")
