"""A gymnasium environment over the notification simulator, with the hard constraints masked.

One episode is one customer over `days` local days. Notification-worthy events (a
message, a match, new content) arrive at random local hours, `EVENTS_PER_DAY` a
day; for each, the agent picks when to deliver it: now, +1 h ... +9 h (10 actions).
Reward: +1 when the customer engages within the hour after delivery, -0.5 when
they unsubscribe (which ends the episode: nobody is notified after opting out).

Why masking and not a reward penalty: the seed's ethical limits (at most
`DAILY_CAP` notifications per local day, none in the quiet hours 22:00-08:00 local,
opt-out respected) are rules, not preferences. `action_mask()` says which delays are
legal, `step` refuses any other (`IllegalActionError`), and an event with no legal
delay is dropped by the environment itself (counted in `info["dropped"]`), so no
policy, however it was trained, can send at 03:00.

The clock is UTC; local times come from the customer's zone (zoneinfo), so a
delivery's hour and date are what the customer's phone shows, daylight saving
included. Habituation counts the notifications already scheduled for the delivery's
local date when the decision is made.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, ClassVar

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from engage.analytics.notify_sim import Population

ACTIONS = 10  # deliver now, +1 h, ..., +9 h
DAILY_CAP = 3
QUIET_START = 22  # local hour from which nothing is sent ...
QUIET_END = 8  # ... until this local hour
EVENTS_PER_DAY = 5
PEAK_BUCKETS = 8  # observed peak_activity_hour in 3-hour buckets
ENGAGE_REWARD = 1.0
UNSUBSCRIBE_REWARD = -0.5


class IllegalActionError(ValueError):
    """A masked action was attempted: the constraint is enforced, not merely discouraged."""


def quiet(local_hour: int) -> bool:
    """Whether a local hour lies in the quiet hours (22:00-07:59)."""
    return local_hour >= QUIET_START or local_hour < QUIET_END


@dataclass(frozen=True)
class Delivery:
    """One notification the environment delivered (the evaluation's raw record)."""

    customer: int
    sent_utc: datetime
    engaged: bool
    unsubscribed: bool


class NotifyEnv(gym.Env):
    """Deliver each arriving notification now or up to 9 hours later, within the rules.

    Observation: (local hour of the event's arrival, notifications already scheduled
    on that local date (0-3), the customer's observed peak-hour bucket (0-7)).
    """

    metadata: ClassVar[dict[str, Any]] = {"render_modes": []}

    def __init__(self, customers: Population, days: int = 1, start: date | None = None) -> None:
        if days < 1:
            raise ValueError("days must be >= 1")
        self.customers = customers
        self.days = days
        self.start = start or date(2026, 1, 5)
        self.action_space = spaces.Discrete(ACTIONS)
        self.observation_space = spaces.MultiDiscrete([24, DAILY_CAP + 1, PEAK_BUCKETS])
        self.deliveries: list[Delivery] = []
        self.dropped = 0
        self._events: list[datetime] = []
        self._next = 0
        self._counts: Counter[date] = Counter()
        self._customer = 0
        self._over = True
        self._plan = False
        self._mask: np.ndarray | None = None

    # -- gymnasium API ------------------------------------------------------------------

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Start a customer's episode (options={"customer": i}, else one at random).

        options["arrivals"] (local hours) replaces the random events; options["plan"]
        draws no outcomes: how a schedule for a given day is planned under the same mask.
        """
        super().reset(seed=seed)
        options = options or {}
        self._customer = int(options.get("customer", self.np_random.integers(len(self.customers))))
        self._plan = bool(options.get("plan", False))
        self._events = self._arrivals(options.get("arrivals"))
        self._next = 0
        self._counts = Counter()
        self.deliveries = []
        self.dropped = 0
        self._over = False
        self._mask = None
        self._skip_unservable()
        return self._observation(), self._info()

    def step(self, action: int) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Deliver the current event `action` hours from now; masked actions are refused."""
        if self._over:
            raise IllegalActionError("the episode is over: reset() first")
        mask = self.action_mask()
        if not 0 <= int(action) < ACTIONS or not mask[int(action)]:
            legal = [int(a) for a in np.flatnonzero(mask)]
            raise IllegalActionError(f"action {action} is masked here; legal: {legal}")
        when = self._events[self._next] + timedelta(hours=int(action))
        reward, unsubscribed = self._deliver(when)
        self._next += 1
        self._mask = None
        self._over = unsubscribed
        if not self._over:
            self._skip_unservable()
        return self._observation(), reward, self._over, False, self._info()

    # -- the rules ----------------------------------------------------------------------

    def action_mask(self) -> np.ndarray:
        """Legal delays for the current event: not opted out, not quiet, under the cap."""
        if self._mask is not None:
            return self._mask.copy()
        mask = np.zeros(ACTIONS, dtype=bool)
        if not self._over and not self.customers.opted_out[self._customer]:
            arrival = self._events[self._next]
            for delay in range(ACTIONS):
                local = self._local(arrival + timedelta(hours=delay))
                mask[delay] = not quiet(local.hour) and self._counts[local.date()] < DAILY_CAP
        self._mask = mask  # valid until the event, the counts or the episode change
        return mask.copy()

    # -- internals ----------------------------------------------------------------------

    def _deliver(self, when: datetime) -> tuple[float, bool]:
        local = self._local(when)
        today = self._counts[local.date()]
        i = self._customer
        engaged = self.np_random.random() < self.customers.propensity(i, local.hour, today)
        hazard = self.customers.unsubscribe_hazard(i, local.hour, today)
        unsubscribed = bool(self.np_random.random() < hazard)
        if self._plan:  # planning a schedule: no outcomes are drawn, only the times
            engaged = unsubscribed = False
        self._counts[local.date()] += 1
        self.deliveries.append(Delivery(i, when, bool(engaged), unsubscribed))
        reward = ENGAGE_REWARD * engaged + UNSUBSCRIBE_REWARD * unsubscribed
        return float(reward), unsubscribed

    def _skip_unservable(self) -> None:
        """Drop events no delay can serve; the episode ends when none are left."""
        while self._next < len(self._events) and not self.action_mask().any():
            self.dropped += 1
            self._next += 1
            self._mask = None
        if self._next >= len(self._events):
            self._over = True
            self._mask = None

    def _arrivals(self, hours: list[int] | None) -> list[datetime]:
        """Random arrival hours each day, or the given local hours (planning a schedule)."""
        zone = self.customers.zone[self._customer]
        events = []
        for day in range(self.days):
            d = self.start + timedelta(days=day)
            drawn = self.np_random.integers(0, 24, EVENTS_PER_DAY) if hours is None else hours
            for hour in np.sort(np.asarray(drawn)):
                local = datetime(d.year, d.month, d.day, int(hour), tzinfo=zone)
                events.append(local.astimezone(UTC))
        return sorted(events)

    def _local(self, when: datetime) -> datetime:
        return when.astimezone(self.customers.zone[self._customer])

    def _observation(self) -> np.ndarray:
        if self._next >= len(self._events):
            arrival = self._events[-1] if self._events else datetime(2026, 1, 1, tzinfo=UTC)
        else:
            arrival = self._events[self._next]
        local = self._local(arrival)
        count = min(self._counts[local.date()], DAILY_CAP)
        bucket = int(self.customers.peak_hour[self._customer]) * PEAK_BUCKETS // 24
        return np.array([local.hour, count, bucket], dtype=np.int64)

    def _info(self) -> dict[str, Any]:
        return {"action_mask": self.action_mask(), "dropped": self.dropped}
