"""Generate one chunk (a community of customers) as Arrow tables of the contract.

Order matters and mirrors causality: who people are -> their network and tastes ->
their behaviour -> anomalies -> recency, engagement, history -> churn, LTV.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from engage import contract
from engage.data import (
    activity,
    anomalies,
    bandit,
    behaviour,
    content,
    future,
    graph,
    pii,
    population,
)
from engage.data import messages as text_messages
from engage.data import targets as tgt
from engage.data.arrow import activity_table, customer_ids, item_ids, to_table
from engage.data.random import stream


@dataclass(frozen=True)
class ChunkSpec:
    seed: int
    index: int
    first_number: int  # numeric suffix of the chunk's first customer
    size: int
    id_width: int
    as_of: dt.date
    catalogue: content.Catalogue


def generate_chunk(spec: ChunkSpec) -> dict[str, pa.Table]:
    """All per-customer tables for one chunk, keyed by contract table name."""
    rs = lambda name: stream(spec.seed, spec.index, name)  # noqa: E731
    pop = population.draw_population(rs("population"), spec.size)
    g = graph.build_graph(rs("graph"), pop.latent["sociality"], spec.index)
    inter, primary, diversity, tastes = _content(rs("content"), spec, pop)
    cols = behaviour.activity_columns(rs("activity"), pop)
    cols |= behaviour.social_columns(rs("social"), pop, g.degree, cols["match_success_rate"])
    cols |= behaviour.commerce_columns(rs("commerce"), pop)
    potential_use = cols.pop("_potential_premium_usage")
    cols |= {
        "total_connections": g.degree,
        "network_centrality": g.centrality,
        "content_category_primary": primary,
        "content_diversity_score": diversity,
    }
    kind = anomalies.inject_anomalies(rs("anomalies"), cols)
    truth = _targets_and_history(rs, spec, pop, cols, potential_use)
    ids = customer_ids(spec.first_number, spec.size, spec.id_width)
    tables = _customer_tables(rs, spec, pop, cols, ids)
    tables |= bandit.simulate(rs("bandit"), tables["customers"], spec.as_of)
    tables["ground_truth"] = to_table(
        contract.GROUND_TRUTH,
        {"customer_id": ids, "is_anomaly": kind != "", **truth["ground_truth"], **g.truth()}
        | {"anomaly_kind": np.where(kind == "", None, kind)},
        {"persona": (pop.persona, contract.PERSONAS)},
    )
    tables["truth_tastes"] = to_table(contract.TRUTH_TASTES, {"customer_id": ids, **tastes})
    tables["activity"] = truth["activity"](ids)
    tables["truth_activity"] = truth["future"](ids)
    tables["interactions"] = _interaction_table(inter, ids, spec)
    tables["social_edges"] = to_table(
        contract.EDGES,
        {
            "src_customer_id": ids.take(pa.array(g.src)),
            "dst_customer_id": ids.take(pa.array(g.dst)),
        },
    )
    texts = text_messages.draw_messages(
        rs("messages"), ids, truth["ground_truth"]["churn_probability"], spec.as_of
    )
    tables["customer_messages"], tables["truth_messages"] = texts.messages, texts.truth
    return tables


def _content(
    rng: np.random.Generator, spec: ChunkSpec, pop: population.Population
) -> tuple[content.Interactions, np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    affinity, style = content.draw_tastes(rng, spec.size)
    rate = np.exp(2.6 + 0.3 * pop.latent["activity"] + 0.3 * pop.latent["creativity"])
    counts = rng.poisson(rate).clip(5, content.MAX_PER_USER)
    inter = content.draw_interactions(
        rng, spec.catalogue, affinity, style, counts, activity.HISTORY_DAYS
    )
    primary, diversity = content.category_profile(inter, spec.catalogue, spec.size)
    return inter, primary, diversity, content.taste_columns(affinity, style)


def _targets_and_history(rs, spec, pop, cols, potential_use) -> dict:  # type: ignore[no-untyped-def]
    observed, expected, effect = tgt.engagement(
        rs("engagement"), cols, pop.age, pop.premium, potential_use
    )
    cols["days_since_last_login"] = activity.recency(
        rs("recency"), expected, cols["avg_daily_logins"]
    )
    trend = activity.draw_trend(rs("trend"), cols["days_since_last_login"])
    start = spec.as_of - dt.timedelta(days=activity.HISTORY_DAYS - 1)
    hist = activity.build_history(
        rs("history"),
        expected,
        trend,
        cols["avg_daily_logins"],
        cols["avg_session_duration_min"],
        cols["days_since_last_login"],
        start.weekday(),
    )
    cols["last_7_day_engagement_trend"] = hist.last7_slope
    cols["churn_risk_score"] = activity.legacy_churn_risk(
        rs("legacy"), cols["days_since_last_login"], hist.last7_slope, cols["avg_daily_logins"]
    )
    churned, churn_p = tgt.churn(rs("churn"), expected, cols, trend, pop.premium)
    ltv, ltv_median = tgt.lifetime_value(rs("ltv"), expected, cols, pop.premium)
    cols |= {"engagement_score": observed, "churn_30_day": churned, "lifetime_value_usd": ltv}
    return {
        "ground_truth": {
            "expected_engagement": expected,
            "churn_probability": churn_p,
            "premium_effect": effect,
            "ltv_median": ltv_median,
        },
        "activity": lambda ids: activity_table(ids, hist, start),
        "future": _future(rs("future"), spec, expected, hist, cols),
    }


def _future(rng, spec, expected, hist, cols):  # type: ignore[no-untyped-def]
    """The truth_activity table maker: the history carried on for 7 days."""
    first = spec.as_of + dt.timedelta(days=1)
    fut = future.continue_history(
        rng, expected, hist, cols["avg_daily_logins"], cols["days_since_last_login"],
        first.weekday(),
    )  # fmt: skip
    return lambda ids: to_table(contract.TRUTH_ACTIVITY, future.future_table(ids, fut, first))


def _customer_tables(rs, spec, pop, cols, ids) -> dict[str, pa.Table]:  # type: ignore[no-untyped-def]
    codes = {
        "gender": (pop.gender, contract.GENDERS),
        "location": (pop.location, contract.US_STATES),
        "account_type": (pop.premium.astype(np.int8), contract.ACCOUNT_TYPES),
        "device_type": (cols.pop("device_type"), contract.DEVICE_TYPES),
        "time_of_day_active": (cols.pop("time_of_day_active"), contract.TIMES_OF_DAY),
        "content_category_primary": (
            cols.pop("content_category_primary"),
            contract.CONTENT_CATEGORIES,
        ),
        "social_influence_tier": (cols.pop("social_influence_tier"), contract.INFLUENCE_TIERS),
    }
    data = {"customer_id": ids, "age": pop.age, **cols}
    customers = to_table(contract.CUSTOMERS, data, codes)
    male = pop.gender == contract.GENDERS.index("M")
    names = pii.pii_columns(rs("pii"), ids, male)
    return {
        "customers": customers,
        "customer_pii": to_table(contract.CUSTOMER_PII, {"customer_id": ids, **names}),
    }


def _interaction_table(inter: content.Interactions, ids: pa.Array, spec: ChunkSpec) -> pa.Table:
    cat = spec.catalogue
    start = dt.datetime.combine(spec.as_of, dt.time(), tzinfo=dt.UTC) - dt.timedelta(
        days=activity.HISTORY_DAYS - 1
    )
    seconds = inter.day.astype(np.int64) * 86_400 + inter.seconds
    ts = np.datetime64(start.replace(tzinfo=None), "us") + seconds.astype("timedelta64[s]")
    data = {
        "customer_id": ids.take(pa.array(inter.user)),
        "item_id": item_ids(cat.size).take(pa.array(inter.item)),
        "weight": inter.weight,
        "event_ts": pa.array(ts, pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC")),
    }
    codes = {
        "category": (cat.category[inter.item], contract.CONTENT_CATEGORIES),
        "event_type": (inter.weight - 1, contract.INTERACTION_TYPES),
    }
    return to_table(contract.INTERACTIONS, data, codes)
