"""Next best action as a contextual bandit: Linear Thompson sampling in numpy (use case 1).

Why LinTS and not mabwiser/vowpalwabbit: neither is in the offline package lists, and a
disjoint LinTS (one Bayesian linear model per action) is forty lines of numpy that
vectorise over 100K customers. Each action's reward model is ridge regression
y ~ x . theta_a with a N(0, I / prior) prior; Thompson sampling draws
theta_a ~ N(mu_a, noise^2 A_a^-1) per decision and plays the argmax, so the uncertain
actions keep being tried while the posterior is wide.

The context (`context_matrix`): a bias, SIGNALS (observable customer columns,
log-scaled and standardised on the run's customers), the time of day and the last
action (one-hot). Features are never the simulator's truth.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from engage.contract import NBA_ACTIONS, TIMES_OF_DAY

# name -> how it is read from the customer columns (log1p of a count/rate, or a flag).
SIGNALS = (
    "posting", "messaging", "gigs", "networking", "daily_minutes", "recency", "night_owl",
)  # fmt: skip
K = len(NBA_ACTIONS)


def raw_signals(frame: pd.DataFrame) -> np.ndarray:
    """(n, len(SIGNALS)) signals before standardisation; missing values count as 0."""

    def num(name: str) -> np.ndarray:
        return np.nan_to_num(pd.to_numeric(frame[name], errors="coerce").to_numpy(float))

    minutes = num("avg_daily_logins") * num("avg_session_duration_min")
    night = frame["time_of_day_active"].astype(str).to_numpy() == "night"
    return np.column_stack(
        [
            np.log1p(num("content_posts_per_week")),
            np.log1p(num("num_messages_sent_per_day")),
            np.log1p(num("gig_applications_sent_month")),
            np.log1p(num("num_new_connections_month")),
            np.log1p(minutes),
            np.log1p(num("days_since_last_login")),
            night.astype(float),
        ]
    )


def standardise(values: np.ndarray) -> np.ndarray:
    """Column z-scores; a constant column maps to zeros."""
    sd = values.std(axis=0)
    return (values - values.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def context_matrix(signals: np.ndarray, time_of_day: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Bias, signals, one-hot time of day and one-hot last action: (n, 1 + s + 4 + 6)."""
    n = len(signals)
    tod = np.zeros((n, len(TIMES_OF_DAY)))
    tod[np.arange(n), time_of_day] = 1.0
    after = np.zeros((n, K))
    after[np.arange(n), last] = 1.0
    return np.column_stack([np.ones(n), signals, tod, after])


def codes(values: pd.Series | np.ndarray, labels: tuple[str, ...], what: str) -> np.ndarray:
    """Category labels -> indices; an unknown label fails naming the column and value."""
    values = np.asarray(values, dtype=object)
    index = pd.Index(labels).get_indexer(values)
    if (index < 0).any():
        raise ValueError(f"{what}: {values[index < 0][0]!r} is not one of {', '.join(labels)}")
    return index.astype(np.int64)


@dataclass
class LinTS:
    """Disjoint Linear Thompson sampling over K actions (sklearn-style: fit returns self)."""

    dim: int
    prior: float = 1.0  # ridge precision of the N(0, I / prior) prior
    noise: float = 0.5  # reward noise scale: the posterior's width multiplier
    precision_: np.ndarray = field(init=False, repr=False)
    target_: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.precision_ = np.repeat(np.eye(self.dim)[None] * self.prior, K, axis=0)
        self.target_ = np.zeros((K, self.dim))

    def fit(self, x: np.ndarray, actions: np.ndarray, rewards: np.ndarray) -> LinTS:
        """Add observations (rows of x, the action played, its reward) to the posterior."""
        for a in range(K):
            rows = actions == a
            xa = x[rows]
            self.precision_[a] += xa.T @ xa
            self.target_[a] += xa.T @ rewards[rows].astype(float)
        return self

    def means(self, x: np.ndarray) -> np.ndarray:
        """Posterior mean reward per row and action: (n, K)."""
        mu = np.linalg.solve(self.precision_, self.target_[..., None])[..., 0]
        return x @ mu.T

    def sample(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One Thompson draw per row and action: (n, K) sampled rewards."""
        out = self.means(x)
        for a in range(K):
            chol = np.linalg.cholesky(np.linalg.inv(self.precision_[a]))
            z = rng.standard_normal((len(x), self.dim))
            out[:, a] += self.noise * np.einsum("nd,nd->n", x, z @ chol.T)
        return out

    def choose(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The Thompson choice per row (indices into NBA_ACTIONS)."""
        return np.argmax(self.sample(x, rng), axis=1)


def rule_action(frame: pd.DataFrame) -> np.ndarray:
    """The current rule over the six actions (seed 001 §3.5.3 use case 1's examples):
    many messages but few posts -> post_content; engaged but no transactions ->
    search_gig; away two weeks or more -> update_profile; otherwise browse_feed."""

    def num(name: str) -> np.ndarray:
        return np.nan_to_num(pd.to_numeric(frame[name], errors="coerce").to_numpy(float))

    idx = NBA_ACTIONS.index
    out = np.full(len(frame), idx("browse_feed"))
    out[num("days_since_last_login") >= 14] = idx("update_profile")
    engaged = (num("engagement_score") >= 0.5) & (num("transaction_revenue_month") < 50)
    out[engaged] = idx("search_gig")
    chatty = (num("num_messages_sent_per_day") >= 10) & (num("content_posts_per_week") < 1)
    out[chatty] = idx("post_content")
    return out
