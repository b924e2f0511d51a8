"""The contract of what the pipeline writes: output tables beside the input tables.

The input tables (tables.py) say what may come in; these say what comes out and what
each column means, so the data dictionary documents both. Columns copied from an
input table are named, not repeated: `final_results` carries the customer's columns.
"""

from __future__ import annotations

from engage.contract.schema import Column, DType, Role, Table
from engage.contract.tables import CUSTOMERS, NBA_ACTIONS, TIMES_OF_DAY

_ID = Column("customer_id", DType.STRING, Role.IDENTIFIER, "Customer key.")
_RUN = Column("run_id", DType.STRING, Role.METADATA, "Pipeline run that wrote the row.")
_SHAP = (
    "Top features of this customer's prediction with their signed TreeSHAP impact "
    "(list of {feature, impact}; units: the model's margin). Features are the contract's "
    "model inputs plus the derived interaction features of engage.models.features."
)


# Derived model features: the product of two contract columns. They are model inputs
# (engage.models.features.FeatureSpec) and so appear in the SHAP explanations.
INTERACTIONS: dict[str, tuple[str, str]] = {
    "logins_x_session_duration": ("avg_daily_logins", "avg_session_duration_min"),
    "match_rate_x_profile_views": ("match_success_rate", "profile_views_received_week"),
}


def _out(name: str, dtype: DType, description: str, **kw: object) -> Column:
    return Column(name, dtype, Role.DERIVED, description, **kw)  # type: ignore[arg-type]


def _version(model: str) -> Column:
    return Column(
        f"{model}_model_version", DType.STRING, Role.METADATA,
        f"Registry version of the {model} model that scored the row.", nullable=True,
    )  # fmt: skip


# The rule-based next best action, kept as the bandit's baseline (issue 18 item 2).
_RULE_ACTIONS = ("human_review", "retention_offer", "re_engagement_campaign", "retention_nudge",
                 "personalised_content")  # fmt: skip
_NBA_RULE = _out("next_best_action_rule", DType.STRING, "The first rule that applies: human "
                 "review, retention offer, re-engagement campaign, retention nudge, "
                 "personalised content (the baseline of next_best_action).",
                 categories=_RULE_ACTIONS)  # fmt: skip

PREDICTIONS = Table(
    "predictions",
    "engagement_predictions.predictions: one row per scored customer, every model's output "
    "joined by the ensemble step (engage/sql/engagement_predictions/predictions.sql).",
    (
        _ID,
        _out("predicted_engagement_score", DType.FLOAT, "Engagement model output.",
             minimum=0, maximum=1, nullable=True),
        _out("engagement_category", DType.STRING, "Band of the predicted engagement score.",
             categories=("low", "medium", "high"), nullable=True),
        _out("engagement_top_features", DType.EXPLANATION, _SHAP, nullable=True),
        _out("churn_probability", DType.FLOAT, "P(churn within 30 days).",
             minimum=0, maximum=1, nullable=True),
        _out("churn_prediction", DType.BOOL, "Churn probability >= the recall-driven "
             "threshold chosen at training (engage.models.churn.choose_threshold).",
             nullable=True),
        _out("intervention_flag", DType.BOOL, "Churn probability > 0.7 (seed §3.5.2).",
             nullable=True),
        _out("churn_top_features", DType.EXPLANATION, _SHAP, nullable=True),
        _out("ltv_p10", DType.FLOAT, "10th percentile of lifetime value.", unit="USD",
             nullable=True),
        _out("ltv_p50", DType.FLOAT, "Median lifetime value.", unit="USD", nullable=True),
        _out("ltv_p90", DType.FLOAT, "90th percentile of lifetime value.", unit="USD",
             nullable=True),
        _out("recommended_items", DType.LIST_STRING, "Top content items (NCF).", nullable=True),
        _out("recommended_categories", DType.LIST_STRING, "Categories of those items.",
             nullable=True),
        _out("anomaly_score", DType.FLOAT, "IsolationForest anomaly score (higher: odder).",
             nullable=True),
        _out("anomaly_flag", DType.BOOL, "Anomaly score above the review threshold.",
             nullable=True),
        _out("value_at_risk_usd", DType.FLOAT, "churn_probability x ltv_p50.", unit="USD",
             nullable=True),
        _out("next_best_action", DType.STRING, "Human review for an anomaly, else the "
             "contextual bandit's policy-checked action (engagement_analytics.next_best_action), "
             "else (no bandit output) next_best_action_rule.",
             categories=("human_review", *NBA_ACTIONS, "no_action", *_RULE_ACTIONS[1:])),
        Column("model_version", DType.STRING, Role.METADATA, "Engagement model version.",
               nullable=True),
        *(_version(m) for m in ("engagement", "churn", "ltv", "recommendation", "anomaly")),
        Column("prediction_timestamp", DType.TIMESTAMP, Role.METADATA, "When it was scored."),
        _RUN,
        _NBA_RULE,
    ),
    key=("customer_id",),
)  # fmt: skip

FINAL_RESULTS = Table(
    "final_results",
    "engagement_analytics.final_results: the customer's columns of `customers` (targets "
    "renamed actual_engagement_score, actual_churn_30_day, actual_lifetime_value_usd) joined "
    "with every column of `predictions` and the run's test metrics of the engagement model; "
    "partitioned by location and account_type (engage/sql/engagement_analytics/).",
    (
        _ID,
        _out("model_r2_score", DType.FLOAT, "Test R² of the engagement model of this run "
             "(from model_metrics, never typed in).", nullable=True),
        _out("model_rmse", DType.FLOAT, "Test RMSE of the engagement model of this run.",
             nullable=True),
        _out("segment_name", DType.STRING, "The customer's segment of this run "
             "(engagement_analytics.segments).", nullable=True),
        CUSTOMERS.column("location"),
        CUSTOMERS.column("account_type"),
    ),
    key=("customer_id",),
)  # fmt: skip

FAIRNESS_METRICS = Table(
    "fairness_metrics",
    "engagement_analytics.fairness_metrics: per model, run, decision and protected group, "
    "the group's rates (engage.fairness.metrics) and the attribute's summary ratios that "
    "the release gate judges (engage.fairness.gate).",
    (
        Column("model_name", DType.STRING, Role.METADATA, "Model judged."),
        Column("model_version", DType.STRING, Role.METADATA, "Its registry version."),
        _RUN,
        _out("decision", DType.STRING, "What the model's output is used for (e.g. "
             "high_engagement, retention_intervention)."),
        Column("attribute", DType.STRING, Role.METADATA, "Protected attribute (e.g. gender)."),
        Column("group_value", DType.STRING, Role.METADATA, "One group of that attribute."),
        _out("rows", DType.INT, "Customers of the group in the test split."),
        _out("selection_rate", DType.FLOAT, "Share of the group the decision selects.",
             minimum=0, maximum=1),
        _out("true_positive_rate", DType.FLOAT, "Selected among the group's positives.",
             minimum=0, maximum=1, nullable=True),
        _out("false_positive_rate", DType.FLOAT, "Selected among the group's negatives.",
             minimum=0, maximum=1, nullable=True),
        _out("mean_score", DType.FLOAT, "Mean model output in the group (calibration).",
             nullable=True),
        _out("observed_rate", DType.FLOAT, "Share of the group that is positive in truth.",
             minimum=0, maximum=1),
        _out("di_ratio", DType.FLOAT, "Disparate impact of the attribute: lowest / highest "
             "selection rate over groups with enough rows (80% rule: >= 0.8).", nullable=True),
        _out("dp_difference", DType.FLOAT, "Demographic parity difference of the attribute.",
             nullable=True),
        _out("eo_difference", DType.FLOAT, "Equalized odds difference of the attribute.",
             nullable=True),
        _out("labels_di_ratio", DType.FLOAT, "The same ratio of the observed outcomes: the "
             "disparity already in the data.", nullable=True),
        _out("passes_80_percent_rule", DType.BOOL, "di_ratio >= 0.8.", nullable=True),
    ),
)  # fmt: skip

HUMAN_REVIEW = Table(
    "human_review",
    "engagement_qa.human_review: the QA queue of a run, at most 400 predictions "
    "(engage/sql/engagement_qa/human_review.sql says how they are chosen).",
    (
        _ID,
        *(CUSTOMERS.column(c) for c in ("age", "gender", "location", "account_type",
                                        "avg_daily_logins")),
        _out("actual_engagement", DType.FLOAT, "The customer's engagement_score.",
             minimum=0, maximum=1),
        _out("predicted_engagement_score", DType.FLOAT, "The model's score.",
             minimum=0, maximum=1),
        _out("prediction_error", DType.FLOAT, "Absolute difference of actual and predicted.",
             minimum=0, maximum=1),
        Column("model_version", DType.STRING, Role.METADATA, "Engagement model version."),
        _out("qa_reason", DType.STRING, "Why it is queued.",
             categories=("high_pred", "low_pred", "large_error", "baseline")),
        _out("reviewer_notes", DType.STRING, "The reviewer's note.", nullable=True),
        _out("review_status", DType.STRING, "pending until a decision is recorded."),
        _RUN,
    ),
    key=("customer_id", "run_id"),
)  # fmt: skip

REVIEW_DECISIONS = Table(
    "review_decisions",
    "engagement_qa.review_decisions: append-only human decisions on queued predictions "
    "(engage.qa.decisions); the latest per (customer, run) is in force.",
    (
        Column("decision_id", DType.STRING, Role.IDENTIFIER, "Random id of the decision."),
        _ID,
        _RUN,
        _out("status", DType.STRING, "The decision.",
             categories=("approved", "rejected", "overridden")),
        _out("note", DType.STRING, "Why (no PII)."),
        _out("override_value", DType.FLOAT, "Corrected engagement score (overridden only).",
             minimum=0, maximum=1, nullable=True),
        _out("predicted_engagement_score", DType.FLOAT, "The prediction judged.",
             nullable=True),
        Column("model_version", DType.STRING, Role.METADATA, "Its model version.",
               nullable=True),
        Column("reviewer", DType.STRING, Role.METADATA, "Who decided."),
        Column("decided_at", DType.TIMESTAMP, Role.METADATA, "When."),
    ),
)  # fmt: skip

DERIVED_FEATURES = Table(
    "derived_features",
    "Model features computed from contract columns; they are not stored in a table but "
    "appear by name in the *_top_features explanations. Categorical columns also enter "
    "models one-hot, as `<column>=<category>`.",
    tuple(
        Column(name, DType.FLOAT, Role.DERIVED, f"{a} x {b}.", nullable=True)
        for name, (a, b) in INTERACTIONS.items()
    ),
)

_EFFECT = "premium minus free, in engagement-score points (engage.analytics.uplift)"

# The causal model's estimate and its 95% interval, and the age band it is reported by:
# the same columns in premium_uplift and premium_targets.
_EFFECT_COLUMNS = tuple(
    _out(name, DType.FLOAT, text, minimum=-1, maximum=1, unit="score")
    for name, text in (
        ("effect", f"Estimated effect of premium, {_EFFECT}."),
        ("lower", "Lower end of the effect's 95% interval."),
        ("upper", "Upper end of the effect's 95% interval."),
    )
)
_AGE_BAND = _out(
    "age_band",
    DType.STRING,
    "Age band of the customer.",
    categories=("18-24", "25-34", "35-44", "45-54", "55+"),
)

PREMIUM_UPLIFT = Table(
    "premium_uplift",
    "engagement_analytics.premium_uplift: per customer, the estimated causal effect of "
    "premium on the engagement score (cross-fitted DR-learner, engage.analytics.uplift) "
    "with its bootstrap interval and the overlap check.",
    (
        _ID,
        *_EFFECT_COLUMNS,
        _out("propensity", DType.FLOAT, "Estimated P(premium | pre-treatment covariates).",
             minimum=0, maximum=1),
        _out("in_overlap", DType.BOOL, "Propensity inside [0.05, 0.95]: outside it the "
             "effect is an extrapolation."),
        CUSTOMERS.column("account_type"),
        _AGE_BAND,
        _RUN,
    ),
    key=("customer_id",),
)  # fmt: skip

PREMIUM_TARGETS = Table(
    "premium_targets",
    "engagement_analytics.premium_targets: who gains most from premium - free customers "
    "in overlap, ranked by the estimated effect of premium (highest first).",
    (
        _out("rank", DType.INT, "1 = the largest estimated gain.", minimum=1),
        _ID,
        *_EFFECT_COLUMNS,
        _AGE_BAND,
        _RUN,
    ),
    key=("customer_id",),
)  # fmt: skip

_COMMUNITY = _out(
    "community_id",
    DType.INT,
    "Detected (Louvain) community of this run; ids are per run, not stable across runs.",
)
NETWORK_METRICS = Table(
    "network_metrics",
    "engagement_analytics.network_metrics: one row per customer of the social graph "
    "(social_edges), computed by engage.analytics.network in the NetworkAnalysis stage.",
    (
        _ID,
        _out("degree", DType.INT, "Connections in social_edges.", minimum=0),
        _out("eigenvector", DType.FLOAT, "Eigenvector centrality, scaled to max 1.",
             minimum=0, maximum=1),
        _out("betweenness", DType.FLOAT, "Betweenness centrality estimated from sampled "
             "source pivots (normalised by the (n-1)(n-2)/2 pairs).", minimum=0),
        _COMMUNITY,
        _out("influence_score", DType.FLOAT, "Degree x (1 + share of edges leaving the "
             "customer's community).", minimum=0),
        _out("community_rank", DType.INT, "Rank by influence_score within the community "
             "(1 = most influential); a community's top members are its rows ranked <= 5.",
             minimum=1),
        _out("is_influencer", DType.BOOL, "In the top 1% by influence_score."),
        _out("embedding", DType.LIST_FLOAT, "Node embedding (DeepWalk as matrix "
             "factorisation, 16 dimensions)."),
        _RUN,
    ),
    key=("customer_id",),
)  # fmt: skip

COMMUNITIES = Table(
    "communities",
    "engagement_analytics.communities: one row per detected community of the social graph "
    "(its top members: network_metrics rows with community_rank <= 5).",
    (
        _COMMUNITY,
        _out("size", DType.INT, "Members.", minimum=1),
        _out("internal_edges", DType.INT, "Edges with both ends in the community.", minimum=0),
        _out("density", DType.FLOAT, "internal_edges / (size choose 2).", minimum=0, maximum=1),
        _RUN,
    ),
    key=("community_id",),
)  # fmt: skip

INFLUENCERS = Table(
    "influencers",
    "engagement_analytics.influencers: the top 1% of customers by influence_score.",
    (
        _out("rank", DType.INT, "1 = most influential.", minimum=1),
        _ID,
        _out("influence_score", DType.FLOAT, "As in network_metrics.", minimum=0),
        _out("degree", DType.INT, "Connections.", minimum=0),
        _COMMUNITY,
        _RUN,
    ),
    key=("customer_id",),
)  # fmt: skip


# Segmentation (engage.analytics.segments): the customer columns it clusters on, by
# group. Every one is a CUSTOMERS model input; segment_profiles has a mean_<column> each.
SEGMENT_FEATURE_GROUPS: dict[str, tuple[str, ...]] = {
    "behavioural": (
        "avg_daily_logins",
        "avg_session_duration_min",
        "avg_scroll_depth_pct",
        "notification_click_rate",
        "session_consistency_score",
        "response_time_avg_hours",
        "days_since_last_login",
        "swipe_like_ratio",
        "match_success_rate",
        "num_events_joined_month",
    ),
    "transactional": (
        "gig_listings_active",
        "gig_applications_sent_month",
        "transaction_revenue_month",
        "time_since_first_transaction_days",
        "premium_feature_usage_rate",
        "avg_ads_engagement_rate",
        "trust_score",
    ),
    "social": (
        "total_connections",
        "network_centrality",
        "num_new_connections_month",
        "social_influence_score",
        "friend_group_participation_score",
        "referral_count",
        "profile_views_received_week",
        "num_messages_sent_per_day",
        "avg_sentiment_score",
    ),
    "content": (
        "content_posts_per_week",
        "avg_reactions_per_post",
        "avg_comments_per_post",
        "content_virality_score",
        "content_diversity_score",
        "influencer_follow_score",
    ),
}
# Naming signals: a centroid's mean over these z-scored features ("-": negated).
SEGMENT_SIGNALS: dict[str, tuple[str, ...]] = {
    "activity": ("avg_daily_logins", "avg_session_duration_min", "session_consistency_score"),
    "commerce": ("gig_listings_active", "gig_applications_sent_month", "transaction_revenue_month"),
    "social": (
        "total_connections",
        "friend_group_participation_score",
        "num_messages_sent_per_day",
        "profile_views_received_week",
    ),
    "content": ("content_posts_per_week", "content_virality_score", "avg_reactions_per_post"),
    "lapsing": (
        "days_since_last_login",
        "response_time_avg_hours",
        "-notification_click_rate",
        "-session_consistency_score",
    ),
    "newness": ("num_new_connections_month", "-time_since_first_transaction_days"),
    "browsing": ("avg_scroll_depth_pct", "avg_ads_engagement_rate"),
}
_SEGMENT = Column(
    "segment_id",
    DType.INT,
    Role.DERIVED,
    "K-Means segment (0..k-1) of the run.",
    minimum=0,
    maximum=7,
)
_SEGMENT_NAME = _out(
    "segment_name",
    DType.STRING,
    "Name given by the naming rule of "
    "engage.analytics.segments (e.g. Power users; 'Mixed segment N': no rule).",
)

SEGMENTS = Table(
    "segments",
    "engagement_analytics.segments: every customer's segment of the run "
    "(engage.stages.segmentation): K-Means on standardised behavioural, transactional, "
    "social and content features, k in 6-8 chosen by silhouette on training data, and the "
    "HDBSCAN density label.",
    (
        _ID,
        _SEGMENT,
        _SEGMENT_NAME,
        _out(
            "kmeans_distance",
            DType.FLOAT,
            "Distance to the segment centroid in standardised feature space.",
            minimum=0,
        ),
        _out(
            "kmeans_confidence",
            DType.FLOAT,
            "1 - d1/d2 (nearest over second-nearest "
            "centroid distance): 0 on a border, 1 at the centre.",
            minimum=0,
            maximum=1,
        ),
        _out(
            "hdbscan_label",
            DType.INT,
            "HDBSCAN cluster (-1: outlier, between dense cores); "
            "the label of the nearest point of its fit sample.",
        ),
        _RUN,
    ),
    key=("customer_id",),
)

SEGMENT_PROFILES = Table(
    "segment_profiles",
    "engagement_analytics.segment_profiles: one row per segment of the run: size, share, "
    "name and the rule (with its figures) that named it, the centroid's naming signals "
    "(z_*) and the segment's mean of every clustering feature (mean_*).",
    (
        _SEGMENT,
        _SEGMENT_NAME,
        _out("size", DType.INT, "Customers in the segment.", minimum=0),
        _out("share", DType.FLOAT, "Share of all customers.", minimum=0, maximum=1),
        _out(
            "naming_rule",
            DType.STRING,
            "The rule that named the segment, with the centroid's figures; or why none did.",
        ),
        *(
            _out(f"z_{s}", DType.FLOAT, f"Centroid mean of z-scored {', '.join(f)}.")
            for s, f in SEGMENT_SIGNALS.items()
        ),
        *(
            _out(f"mean_{c}", DType.FLOAT, f"Segment mean of {c}.", nullable=True)
            for group in SEGMENT_FEATURE_GROUPS.values()
            for c in group
        ),
        _out("k", DType.INT, "Segments of the run (chosen in 6-8).", minimum=6, maximum=8),
        _out("k_criterion", DType.STRING, "How k was chosen, with each k's silhouette."),
        _RUN,
    ),
    key=("segment_id", "run_id"),
)


FEDERATED_RESULTS = Table(
    "federated_results",
    "engagement_analytics.federated_results: one row per arm of `engage federated` "
    "(engage.analytics.federated.experiment): the churn model trained centrally and by "
    "FedAvg over simulated devices (plain, secure aggregation, differential privacy), "
    "each graded once on the run's test split.",
    (
        _out("arm", DType.STRING, "central, fedavg, fedavg_secure or fedavg_secure_dp_eps<e>."),
        _out("test_auc", DType.FLOAT, "ROC AUC on the test split.", minimum=0, maximum=1),
        _out("auc_gap", DType.FLOAT, "Central AUC minus this arm's (0 for central)."),
        _out("within_target", DType.BOOL, "|auc_gap| <= 0.01 (issue 18).", nullable=True),
        _out("rounds", DType.INT, "FedAvg rounds.", minimum=1, nullable=True),
        _out("secure_aggregation", DType.BOOL, "Updates were pairwise-masked."),
        _out("epsilon", DType.FLOAT, "Differential privacy spent (RDP accountant).",
             minimum=0, nullable=True),
        _out("delta", DType.FLOAT, "The delta epsilon is stated for.", nullable=True),
        _out("noise_multiplier", DType.FLOAT, "Gaussian noise / clip bound.", nullable=True),
        _out("bytes_up_per_device_round", DType.FLOAT, "Mean upload of a device in a round "
             "it joined.", unit="bytes", nullable=True),
        _out("bytes_down_per_device_round", DType.FLOAT, "Mean download of a device in a "
             "round it joined.", unit="bytes", nullable=True),
        _out("bytes_up_per_device_total", DType.FLOAT, "Mean upload of a device over the "
             "training.", unit="bytes", nullable=True),
        _out("devices", DType.INT, "Simulated devices.", minimum=1),
        _out("train_rows", DType.INT, "Training rows.", minimum=1),
        _out("test_rows", DType.INT, "Test rows.", minimum=1),
        _RUN,
    ),
    key=("arm", "run_id"),
)  # fmt: skip


# engage notify train (issue 18 item 3): written by its own command, not `engage run`.
NOTIFY_SCHEDULE = Table(
    "notify_schedule",
    "engagement_analytics.notify_schedule: tomorrow's notification times per customer from "
    "the Q-learning policy of `engage notify train` (engage.analytics.notify): at most 3 a "
    "local day, none 22:00-08:00 local, none for customers who opted out (they have no rows).",
    (
        _ID,
        _out("send_rank", DType.INT, "Order of the notification in the day (1-3).",
             minimum=1, maximum=3),
        _out("send_at_utc", DType.TIMESTAMP, "When to send, in UTC."),
        _out("local_time", DType.STRING, "When to send, on the customer's clock (ISO 8601 "
             "with offset)."),
        _out("local_hour", DType.INT, "Local hour of the send (8-21).", minimum=8, maximum=21),
        _out("local_date", DType.DATE, "The customer's local date of the send."),
        _out("time_zone", DType.STRING, "IANA zone derived from the state of residence."),
        _out("policy", DType.STRING, "Policy that chose the time (e.g. q-learning)."),
        Column("created_at", DType.TIMESTAMP, Role.METADATA, "When the schedule was made."),
    ),
    key=("customer_id", "send_rank"),
)  # fmt: skip


# Sentiment from text (issue 18 item 4), written by the SentimentScoring stage. Neither
# table carries any text: the texts stay in engagement_restricted.customer_messages.
_EMOTION = _out(
    "dominant_emotion",
    DType.STRING,
    "Commonest emotion of the scored texts.",
    categories=("joy", "anger", "sadness", "fear"),
)
CUSTOMER_SENTIMENT = Table(
    "customer_sentiment",
    "engagement_analytics.customer_sentiment: per consenting customer, the VADER sentiment "
    "of their texts aggregated (engage.analytics.sentiment); no text.",
    (
        _ID,
        _out("messages_scored", DType.INT, "Texts scored.", minimum=1),
        _out("mean_text_sentiment", DType.FLOAT, "Mean sentiment (-1..+1).",
             minimum=-1, maximum=1),
        _out("min_sentiment_score", DType.FLOAT, "Most negative text's sentiment.",
             minimum=-1, maximum=1),
        _out("negative_share", DType.FLOAT, "Share of texts below -0.5.", minimum=0, maximum=1),
        _EMOTION,
        _RUN,
    ),
    key=("customer_id",),
)  # fmt: skip
SUPPORT_ALERTS = Table(
    "support_alerts",
    "engagement_analytics.support_alerts: one row per consenting customer's text scoring "
    "below -0.5, for customer support; ids and scores only, never the text.",
    (
        Column("message_id", DType.STRING, Role.IDENTIFIER, "The text's id (restricted table)."),
        _ID,
        _out("channel", DType.STRING, "Where the text was written.",
             categories=("post", "message", "review")),
        Column("sent_at", DType.TIMESTAMP, Role.METADATA, "When the text was written."),
        _out("sentiment_score", DType.FLOAT, "The text's sentiment.", minimum=-1, maximum=-0.5),
        _out("emotion", DType.STRING, "The text's emotion.",
             categories=("joy", "anger", "sadness", "fear")),
        _RUN,
    ),
    key=("message_id",),
)  # fmt: skip


NEXT_BEST_ACTION = Table(
    "next_best_action",
    "engagement_analytics.next_best_action: the contextual bandit's action per customer "
    "(engage.analytics.bandit, LinTS) after the ethics policy check "
    "(engage.analytics.nba_policy), in the customer's usual time of day after their last "
    "logged action.",
    (
        _ID,
        _out("next_best_action", DType.STRING, "The served action: the bandit's Thompson "
             "choice unless the policy blocked it (no_action for a minor).",
             categories=(*NBA_ACTIONS, "no_action")),
        _out("bandit_action", DType.STRING, "The bandit's preferred action before the "
             "policy check.", categories=NBA_ACTIONS),
        _out("expected_reward", DType.FLOAT, "Posterior mean probability of the desired "
             "outcome for the served action (null for no_action).", nullable=True),
        _out("policy_outcome", DType.STRING, "allowed, nudge_blocked_vulnerable (a nudge "
             "replaced by the best non-nudge action) or blocked_minor.",
             categories=("allowed", "nudge_blocked_vulnerable", "blocked_minor")),
        _out("vulnerable", DType.BOOL, "Flagged by the night-time heavy-use rule."),
        _out("time_of_day", DType.STRING, "Serving context: the customer's usual time of "
             "day.", categories=TIMES_OF_DAY),
        _out("last_action", DType.STRING, "Serving context: the customer's last logged "
             "action.", categories=NBA_ACTIONS),
        _RUN,
    ),
    key=("customer_id",),
)  # fmt: skip


# The 7-day engagement forecast (engage.analytics.forecast, EngagementForecast stage).
_FORECAST_DAY = (
    _out("forecast_date", DType.DATE, "Day forecast (UTC), after the history's last day."),
    _out("horizon_day", DType.INT, "Days after the last day of history (1-7).",
         minimum=1, maximum=7),
)  # fmt: skip


def _bands(what: str, top: float | None) -> tuple[Column, ...]:
    return tuple(
        _out(f"{side}_{pct}", DType.FLOAT, f"{'Lower' if side == 'lower' else 'Upper'} end "
             f"of the {pct}% prediction interval of {what} (split-conformal on the "
             "held-out week).", minimum=0, maximum=top)
        for pct in (80, 95) for side in ("lower", "upper")
    )  # fmt: skip


_FORECAST_MODEL = _out("model", DType.STRING, "Forecasting model the held-out week chose.")
FORECAST = Table(
    "forecast",
    "engagement_analytics.forecast: each customer's daily engagement for the 7 days after "
    "the history's last day, with 80% and 95% intervals (one row per customer and day).",
    (
        _ID,
        *_FORECAST_DAY,
        _out("forecast", DType.FLOAT, "Forecast daily engagement (0-1).", minimum=0, maximum=1),
        *_bands("the day's engagement", 1),
        _FORECAST_MODEL,
        _RUN,
    ),
    key=("customer_id", "forecast_date"),
)  # fmt: skip

FORECAST_TOTAL = Table(
    "forecast_total",
    "engagement_analytics.forecast_total: the platform's summed daily engagement for the "
    "7 days after the history's last day, with 80% and 95% intervals.",
    (
        *_FORECAST_DAY,
        _out("total", DType.FLOAT, "Forecast sum of every customer's daily engagement.",
             minimum=0),
        *_bands("the total", None),
        _out("customers", DType.INT, "Customers summed.", minimum=0),
        _FORECAST_MODEL,
        _RUN,
    ),
    key=("forecast_date",),
)  # fmt: skip


OUTPUT_TABLES: tuple[Table, ...] = (
    PREDICTIONS,
    DERIVED_FEATURES,
    FINAL_RESULTS,
    FAIRNESS_METRICS,
    HUMAN_REVIEW,
    REVIEW_DECISIONS,
    PREMIUM_UPLIFT,
    PREMIUM_TARGETS,
    NETWORK_METRICS,
    COMMUNITIES,
    INFLUENCERS,
    SEGMENTS,
    SEGMENT_PROFILES,
    FEDERATED_RESULTS,
    NOTIFY_SCHEDULE,
    CUSTOMER_SENTIMENT,
    SUPPORT_ALERTS,
    NEXT_BEST_ACTION,
    FORECAST,
    FORECAST_TOTAL,
)
