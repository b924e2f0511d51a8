"""Every table and column of the product (seed 001 §3.1, §3.3, §3.4).

Column order in CUSTOMERS follows the seed's table so that the raw CSV matches the
seed's `CREATE EXTERNAL TABLE` layout for its first 33 columns.
"""

from __future__ import annotations

from engage.contract.schema import Column, DType, Protection, Role, Table

US_STATES = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV",
    "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN",
    "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
)  # fmt: skip
CONTENT_CATEGORIES = (
    "tech", "food", "travel", "fitness", "fashion", "gaming",
    "music", "art", "sports", "business", "education", "lifestyle",
)  # fmt: skip
GENDERS = ("M", "F", "Other")
ACCOUNT_TYPES = ("free", "premium")
DEVICE_TYPES = ("mobile", "desktop", "tablet")
TIMES_OF_DAY = ("morning", "afternoon", "evening", "night")
INFLUENCE_TIERS = ("micro", "mid", "macro", "mega")
INTERACTION_TYPES = ("view", "like", "comment", "share")
ANOMALY_KINDS = ("bot", "fake_seller", "account_takeover", "data_glitch")
PREMIUM_FEATURE_COUNT = 10
# The generator's planted personas (ground truth only; "noise" = no persona).
PERSONAS = (
    "power_user", "casual_browser", "gig_worker", "social_butterfly", "at_risk", "new_user",
    "noise",
)  # fmt: skip

# Seed §2.4.3: attributes that may never become model inputs. None of them is
# generated; the list exists so that configuration naming one is refused.
PROHIBITED_ATTRIBUTES = (
    "race", "ethnicity", "religion", "creed", "national_origin", "citizenship",
    "sexual_orientation", "marital_status", "genetic_information", "disability_status",
    "military_status", "veteran_status", "political_affiliation",
)  # fmt: skip

F, INT, S, B = DType.FLOAT, DType.INT, DType.STRING, DType.BOOL
FEAT, DER = Role.FEATURE, Role.DERIVED


def _share(name: str, description: str, role: Role = FEAT, **kw: object) -> Column:
    """A float feature bounded to 0..1 (rates, scores, ratios)."""
    return Column(name, F, role, description, unit="ratio", minimum=0.0, maximum=1.0, **kw)


def _cat(name: str, categories: tuple[str, ...], description: str, **kw: object) -> Column:
    return Column(name, S, kw.pop("role", FEAT), description, categories=categories, **kw)


def _num(
    name: str, dtype: DType, lo: float, hi: float, unit: str, description: str, **kw: object
) -> Column:
    return Column(name, dtype, kw.pop("role", FEAT), description, unit, lo, hi, **kw)


# The one customer-id rule: validation refuses other ids at the door, `engage forget`
# and the API accept exactly these. 1-12 digits: the split takes the suffix modulo 10
# in SQL as a BIGINT, so a longer or non-numeric suffix would fail (or wrap) there.
CUSTOMER_ID_PATTERN = r"CUST_[0-9]{1,12}"

CUSTOMER_ID = Column(
    "customer_id",
    S,
    Role.IDENTIFIER,
    "Unique customer identifier CUST_<number>; "
    "the numeric suffix modulo 10 assigns the 80/20 train/test split.",
    pattern=CUSTOMER_ID_PATTERN,
)

CUSTOMER_COLUMNS: tuple[Column, ...] = (
    CUSTOMER_ID,
    _num(
        "age",
        INT,
        18,
        65,
        "years",
        "Customer age in years.",
        protection=Protection.CONDITIONAL,
        synonyms=("age group", "age band", "old", "young"),
    ),
    _cat("gender", GENDERS, "Self-reported gender.", protection=Protection.CONDITIONAL),
    _cat(
        "location",
        US_STATES,
        "US state code of residence.",
        protection=Protection.CONDITIONAL,
        synonyms=("state", "region", "where"),
    ),
    _cat(
        "account_type",
        ACCOUNT_TYPES,
        "Subscription tier.",
        synonyms=("premium", "free", "subscription", "tier"),
    ),
    _num(
        "avg_daily_logins",
        F,
        0,
        50,
        "logins/day",
        "Average logins per day.",
        synonyms=("logins", "login frequency"),
    ),
    _num(
        "avg_session_duration_min",
        F,
        0,
        240,
        "minutes",
        "Average session length.",
        synonyms=("session length", "session duration", "time in app"),
    ),
    _num(
        "num_messages_sent_per_day",
        F,
        0,
        2000,
        "messages/day",
        "Messaging activity.",
        synonyms=("messages", "messaging"),
    ),
    _num(
        "num_events_joined_month",
        INT,
        0,
        60,
        "events/month",
        "Events attended per month.",
        synonyms=("events",),
    ),
    _num(
        "num_new_connections_month",
        INT,
        0,
        1000,
        "connections/month",
        "New connections made per month.",
        synonyms=("new connections", "adding connections"),
    ),
    _share("influencer_follow_score", "Share of followed accounts that are influencers."),
    _num(
        "days_since_last_login",
        INT,
        0,
        365,
        "days",
        "Days since the last login (recency).",
        synonyms=("inactive", "recency", "haven't logged in"),
    ),
    _share(
        "churn_risk_score",
        "Heuristic churn risk from the legacy rules engine (0-1).",
        synonyms=("churn risk",),
    ),
    _num("avg_reactions_per_post", F, 0, 100000, "reactions", "Likes/reactions per post."),
    _num("avg_comments_per_post", F, 0, 20000, "comments", "Comments per post."),
    _num(
        "content_posts_per_week",
        INT,
        0,
        500,
        "posts/week",
        "Content creation rate.",
        synonyms=("posting frequency", "content posts", "posts per week"),
    ),
    _num(
        "avg_scroll_depth_pct", F, 0, 100, "percent", "Average scroll depth (content consumption)."
    ),
    _share(
        "notification_click_rate",
        "Notification click-through rate.",
        synonyms=("notification", "ctr", "click rate"),
    ),
    _cat("device_type", DEVICE_TYPES, "Primary device.", synonyms=("device", "mobile", "desktop")),
    _cat(
        "time_of_day_active",
        TIMES_OF_DAY,
        "Part of day with most activity.",
        synonyms=("time of day",),
    ),
    _share(
        "friend_group_participation_score",
        "Participation in friend groups (0-1).",
        synonyms=("friend group",),
    ),
    _share(
        "premium_feature_usage_rate",
        "Share of sessions using premium features.",
        synonyms=("premium features",),
    ),
    _share("avg_ads_engagement_rate", "Ad click-through rate."),
    _share(
        "social_influence_score",
        "Social influence (0-1).",
        synonyms=("social influence", "influence"),
    ),
    _share(
        "match_success_rate", "Swipes that became matches.", synonyms=("match success", "matches")
    ),
    _num("profile_views_received_week", INT, 0, 1_000_000, "views/week", "Profile visibility."),
    _num(
        "gig_applications_sent_month",
        INT,
        0,
        500,
        "applications/month",
        "Freelance buyer activity.",
        synonyms=("gig applications", "buyers"),
    ),
    _num(
        "gig_listings_active",
        INT,
        0,
        100,
        "listings",
        "Freelance seller activity.",
        synonyms=("gig sellers", "listings", "sellers"),
    ),
    _num(
        "transaction_revenue_month",
        F,
        0,
        100_000,
        "USD/month",
        "Revenue earned from gigs.",
        synonyms=("revenue", "transaction revenue", "income"),
    ),
    _share(
        "content_virality_score",
        "Shares per reach of the customer's content.",
        synonyms=("virality",),
    ),
    _share("swipe_like_ratio", "Likes over total swipes."),
    _num(
        "avg_job_completion_rating",
        F,
        1,
        5,
        "stars",
        "Average rating of completed gigs; null when the customer has completed none.",
        nullable=True,
        synonyms=("job completion rating", "rating"),
    ),
    _num(
        "total_connections",
        INT,
        0,
        100_000,
        "connections",
        "Degree in the social graph.",
        role=DER,
        synonyms=("connections", "network size"),
    ),
    _num(
        "engagement_score",
        F,
        0,
        1,
        "score",
        "TARGET: daily active usage (0-1).",
        role=Role.TARGET,
        synonyms=("engagement", "engaged"),
    ),
    Column(
        "churn_30_day",
        B,
        Role.TARGET,
        "TARGET: churned within 30 days.",
        synonyms=("churn", "churned"),
    ),
    _num(
        "lifetime_value_usd",
        F,
        0,
        10_000,
        "USD",
        "TARGET: customer lifetime value.",
        role=Role.TARGET,
        synonyms=("ltv", "lifetime value"),
    ),
    _num(
        "avg_sentiment_score",
        F,
        -1,
        1,
        "score",
        "NLP sentiment of messages/posts.",
        synonyms=("sentiment",),
    ),
    _cat(
        "content_category_primary",
        CONTENT_CATEGORIES,
        "Category the customer interacts with most.",
        role=DER,
        synonyms=("content category", "interest"),
    ),
    _num(
        "network_centrality",
        F,
        0,
        1,
        "score",
        "Eigenvector centrality in the social "
        "graph, scaled so the most central customer of a community scores 1.",
        role=DER,
    ),
    _num(
        "time_since_first_transaction_days",
        INT,
        0,
        3650,
        "days",
        "Days since the first gig transaction; null when there has been none.",
        nullable=True,
    ),
    _num("response_time_avg_hours", F, 0, 168, "hours", "Average message/gig response time."),
    _num("peak_activity_hour", INT, 0, 23, "hour", "Hour of day with most activity."),
    _num(
        "content_diversity_score",
        F,
        0,
        3.585,
        "bits",
        "Shannon entropy of the categories the customer interacted with.",
        role=DER,
        synonyms=("diversity",),
    ),
    _num("referral_count", INT, 0, 1000, "users", "Users referred.", synonyms=("referrals",)),
    _share("session_consistency_score", "Regularity of login patterns (0-1)."),
    _num(
        "premium_features_used_count",
        INT,
        0,
        PREMIUM_FEATURE_COUNT,
        "features",
        "Distinct premium features used.",
    ),
    _num(
        "last_7_day_engagement_trend",
        F,
        -1,
        1,
        "score/day",
        "Slope of daily engagement over the last 7 days of activity history.",
        role=DER,
        synonyms=("trend",),
    ),
    _cat(
        "social_influence_tier",
        INFLUENCE_TIERS,
        "Influencer tier from followers.",
        synonyms=("influencer tier", "tier"),
    ),
    _share("trust_score", "Trust/reputation (0-1)."),
)

CUSTOMERS = Table(
    "customers",
    "Behaviour, profile and targets per customer (no PII).",
    CUSTOMER_COLUMNS,
    key=("customer_id",),
)

CUSTOMER_PII = Table(
    "customer_pii",
    "Directly identifying data, kept apart from behaviour (restricted).",
    (
        CUSTOMER_ID,
        Column("full_name", S, Role.PII, "Customer's full name."),
        Column("email", S, Role.PII, "Customer's e-mail address."),
    ),
    key=("customer_id",),
)

CONTENT_ITEMS = Table(
    "content_items",
    "Catalogue of content items that customers interact with.",
    (
        Column("item_id", S, Role.IDENTIFIER, "Content item identifier ITEM_<number>."),
        _cat("category", CONTENT_CATEGORIES, "Content category.", role=FEAT),
    ),
    key=("item_id",),
)

INTERACTIONS = Table(
    "interactions",
    "Implicit feedback: which customer interacted with which content item.",
    (
        CUSTOMER_ID,
        Column("item_id", S, Role.IDENTIFIER, "Content item identifier."),
        _cat("category", CONTENT_CATEGORIES, "Category of the item."),
        _cat("event_type", INTERACTION_TYPES, "Strongest interaction with the item."),
        _num("weight", INT, 1, 4, "level", "Implicit feedback strength: view=1 .. share=4."),
        Column("event_ts", DType.TIMESTAMP, Role.FEATURE, "When the interaction happened."),
    ),
    key=("customer_id", "item_id"),
)

ACTIVITY = Table(
    "activity",
    "Daily activity history per customer (weekly seasonality and trend).",
    (
        CUSTOMER_ID,
        Column("activity_date", DType.DATE, Role.IDENTIFIER, "Calendar day (UTC)."),
        _num("logins", INT, 0, 1000, "logins", "Logins that day."),
        _num("session_minutes", F, 0, 1440, "minutes", "Minutes in app that day."),
        _share("daily_engagement", "Engagement that day (0-1)."),
    ),
    key=("customer_id", "activity_date"),
)

EDGES = Table(
    "social_edges",
    "Undirected social graph; src < dst, one row per connection.",
    (
        Column("src_customer_id", S, Role.IDENTIFIER, "One end of the connection."),
        Column("dst_customer_id", S, Role.IDENTIFIER, "Other end of the connection."),
    ),
    key=("src_customer_id", "dst_customer_id"),
)

GROUND_TRUTH = Table(
    "ground_truth",
    "What the generator knows: for grading models only, never for training.",
    (
        CUSTOMER_ID,
        _share("expected_engagement", "Noise-free expected engagement score.", role=Role.METADATA),
        _share("churn_probability", "True 30-day churn probability.", role=Role.METADATA),
        Column("is_anomaly", B, Role.METADATA, "Injected bot/fake account."),
        _num(
            "premium_effect",
            F,
            -1,
            1,
            "score",
            "True individual effect of premium on "
            "expected engagement (premium minus free, all else equal).",
            role=Role.METADATA,
        ),
        _num(
            "ltv_median",
            F,
            0,
            10_000,
            "USD",
            "True median of the customer's LTV distribution.",
            role=Role.METADATA,
        ),
        Column(
            "community",
            INT,
            Role.METADATA,
            "Planted social community (engage.data.graph); ids unique across chunks.",
        ),
        _num(
            "true_influence",
            F,
            0,
            1_000_000,
            "score",
            "Expected degree x (1 + share of edges leaving the community); the top 1% "
            "by it are the true influencers.",
            role=Role.METADATA,
        ),
        _cat(
            "persona",
            PERSONAS,
            "Planted persona that drove the customer's traits (noise: none); "
            "segmentation is graded against it.",
            role=Role.METADATA,
        ),
        _cat(
            "anomaly_kind",
            ANOMALY_KINDS,
            "Kind of injected anomaly; null for organic customers.",
            role=Role.METADATA,
            nullable=True,
        ),
    ),
    key=("customer_id",),
)

# The recommender's truth. A customer's true utility for an item (what the generator
# samples interactions from, before its Gumbel noise) is
#   STYLE_WEIGHT * (taste_style . item_style) / sqrt(STYLE_DIM)
#   + log(affinity of the item's category + AFFINITY_FLOOR) + QUALITY_WEIGHT * quality
# for items in the customer's TASTE_CATEGORIES highest-affinity categories, and -inf
# (never drawn) elsewhere: so the oracle ranking is computable from the two tables below.
STYLE_DIM = 8
STYLE_WEIGHT, QUALITY_WEIGHT, AFFINITY_FLOOR, TASTE_CATEGORIES = 0.9, 2.0, 1e-4, 4
STYLE_COLUMNS = tuple(f"style_{d}" for d in range(STYLE_DIM))
AFFINITY_COLUMNS = tuple(f"affinity_{c}" for c in CONTENT_CATEGORIES)


def _style(description: str) -> tuple[Column, ...]:
    return tuple(
        _num(name, F, -10, 10, "score", f"{description} {name}.", role=Role.METADATA)
        for name in STYLE_COLUMNS
    )


TRUTH_TASTES = Table(
    "truth_tastes",
    "True content tastes per customer: for grading the recommender only, never for training.",
    (
        CUSTOMER_ID,
        *(
            _share(name, f"True affinity for {name[9:]} (a row sums to 1).", role=Role.METADATA)
            for name in AFFINITY_COLUMNS
        ),
        *_style("True style-vector component"),
    ),
    key=("customer_id",),
)

TRUTH_ITEMS = Table(
    "truth_items",
    "True item qualities and styles: for grading the recommender only, never for training.",
    (
        Column("item_id", S, Role.IDENTIFIER, "Content item identifier ITEM_<number>."),
        _cat("category", CONTENT_CATEGORIES, "Content category.", role=Role.METADATA),
        _share("quality", "Latent appeal of the item, drives its popularity.", role=Role.METADATA),
        *_style("Item style-vector component"),
    ),
    key=("item_id",),
)
TRUTH_TABLES = (GROUND_TRUTH, TRUTH_TASTES, TRUTH_ITEMS)

# Sentiment from text (issue 18 item 4): the generator's short posts, messages and reviews.
# The free text may hold personal data, so it lives in the restricted area only; its true
# sentiment and emotion are a truth table, for grading the scorer only.
EMOTIONS = ("joy", "anger", "sadness", "fear")
MESSAGE_CHANNELS = ("post", "message", "review")
MESSAGE_ID_PATTERN = r"MSG_[0-9]{1,12}_[0-9]{1,3}"
MESSAGE_ID = Column(
    "message_id",
    S,
    Role.IDENTIFIER,
    "Message identifier MSG_<customer number>_<n>.",
    pattern=MESSAGE_ID_PATTERN,
)
CUSTOMER_MESSAGES = Table(
    "customer_messages",
    "Short texts customers wrote (restricted: free text may hold personal data).",
    (
        MESSAGE_ID,
        CUSTOMER_ID,
        _cat("channel", MESSAGE_CHANNELS, "Where the text was written.", role=Role.METADATA),
        Column("sent_at", DType.TIMESTAMP, Role.METADATA, "When the text was written."),
        Column("message_text", S, Role.PII, "The text itself (never leaves the restricted area)."),
        Column(
            "sentiment_opt_in",
            B,
            Role.METADATA,
            "The author's consent to sentiment analysis of their texts (same on each of a "
            "customer's rows); texts without it are never scored.",
        ),
    ),
    key=("message_id",),
)
TRUTH_MESSAGES = Table(
    "truth_messages",
    "True sentiment and emotion of each generated text: for grading the scorer only.",
    (
        MESSAGE_ID,
        CUSTOMER_ID,
        _num("true_sentiment", F, -1, 1, "score", "Sentiment the text was written with.",
             role=Role.METADATA),
        _cat("true_emotion", EMOTIONS, "Emotion the text was written with.", role=Role.METADATA),
    ),
    key=("message_id",),
)  # fmt: skip
TRUTH_TABLES = (*TRUTH_TABLES, TRUTH_MESSAGES)

ALL_TABLES: tuple[Table, ...] = (
    CUSTOMERS,
    CUSTOMER_PII,
    CONTENT_ITEMS,
    INTERACTIONS,
    ACTIVITY,
    EDGES,
    GROUND_TRUTH,
    TRUTH_TASTES,
    TRUTH_ITEMS,
    CUSTOMER_MESSAGES,
    TRUTH_MESSAGES,
)
# Next best action (issue 18 item 2): the seed's six actions. engage.data.bandit logs a
# logging policy's choices among them and holds the true response model; the true
# probability of the desired outcome for customer c, time of day t, last action l and
# action a is sigmoid(logit_a(c) + TIME_OF_DAY_OFFSET[t][a] + AFTER_ACTION_OFFSET[l][a])
# with the per-customer logits in TRUTH_ACTIONS and the offsets in engage.data.bandit.
NBA_ACTIONS = (
    "post_content", "browse_feed", "send_message", "search_gig", "update_profile", "invite_friend",
)  # fmt: skip
BANDIT_LOG = Table(
    "bandit_log",
    "Logged next-best-action interactions of the logging policy, with its propensities.",
    (
        CUSTOMER_ID,
        Column("event_ts", DType.TIMESTAMP, Role.FEATURE, "When the action was shown."),
        _cat("time_of_day", TIMES_OF_DAY, "Time of day of the event (customer's local hours)."),
        _cat("last_action", NBA_ACTIONS, "The customer's previous action."),
        _cat("action", NBA_ACTIONS, "The action the logging policy showed."),
        _share("propensity", "Probability that the logging policy chose this action."),
        Column("reward", B, Role.FEATURE, "The desired outcome followed (1) or not (0)."),
    ),
    key=("customer_id", "event_ts"),
)
TRUTH_ACTIONS = Table(
    "truth_actions",
    "True next-best-action response model per customer: for grading the bandit only, "
    "never for training.",
    (
        CUSTOMER_ID,
        *(
            _num(f"logit_{a}", F, -20, 20, "logit", f"Customer part of the true logit of {a}.",
                 role=Role.METADATA)
            for a in NBA_ACTIONS
        ),
    ),
    key=("customer_id",),
)  # fmt: skip
TRUTH_TABLES = (*TRUTH_TABLES, TRUTH_ACTIONS)
ALL_TABLES = (*ALL_TABLES, BANDIT_LOG, TRUTH_ACTIONS)
# The forecast's truth (issue 18 item 1): the history carried on 7 days (engage.data.future).
TRUTH_ACTIVITY = Table(
    "truth_activity",
    "The 7 days after the cut-off (engage.data.future): for grading the forecast only, "
    "never for training.",
    (
        CUSTOMER_ID,
        Column(
            "activity_date", DType.DATE, Role.METADATA, "Calendar day (UTC) after the as-of date."
        ),
        _share("daily_engagement", "True engagement that day (0-1).", role=Role.METADATA),
        _share(
            "expected_daily_engagement",
            "Noise-free engagement that day given who was active.",
            role=Role.METADATA,
        ),
    ),
    key=("customer_id", "activity_date"),
)
TRUTH_TABLES = (*TRUTH_TABLES, TRUTH_ACTIVITY)
ALL_TABLES = (*ALL_TABLES, TRUTH_ACTIVITY)
TARGETS = tuple(c.name for c in CUSTOMERS.by_role(Role.TARGET))
MODEL_INPUTS = tuple(c.name for c in CUSTOMER_COLUMNS if c.is_model_input)
