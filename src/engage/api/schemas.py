"""Request and response schemas, generated from the data contract.

Every model input of `engage.contract.CUSTOMERS` becomes a strictly typed,
range-checked field of `CustomerFeatures` (categories become enumerations,
nullable columns accept null); unknown fields, strings for numbers, booleans
for integers, NaN and infinities are refused with a 422 that names the field.
A field left out is simply absent: the customer's stored inputs fill it, or
the models that need it are skipped (the response says which and why).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    model_validator,
)

from engage.contract import CUSTOMERS, MODEL_INPUTS, Column, DType
from engage.contract.ids import ANCHORED_CUSTOMER_ID_PATTERN, CUSTOMER_ID_FORM

# The contract's rule (engage.contract.ids), so the API admits exactly what the
# pipeline validated and `engage forget` accepts.
CUSTOMER_ID_PATTERN = ANCHORED_CUSTOMER_ID_PATTERN
CustomerId = Annotated[
    str,
    StringConstraints(pattern=CUSTOMER_ID_PATTERN),
    Field(description=f"Customer identifier: {CUSTOMER_ID_FORM}.", examples=["CUST_0000042"]),
]
_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
_TYPES: dict[DType, Any] = {
    DType.INT: int,
    DType.FLOAT: float,
    DType.BOOL: bool,
    DType.STRING: str,
}


def _field(column: Column) -> tuple[Any, Any]:
    """(annotation, FieldInfo) for one contract column; absent by default."""
    kind: Any
    if column.categories:
        kind = Literal[column.categories]
    else:  # bounds on the type itself, so a nullable column's schema keeps min/max
        kind = Annotated[_TYPES[column.dtype], Field(ge=column.minimum, le=column.maximum)]
    if column.nullable:
        kind = kind | None
    unit = f" [{column.unit}]" if column.unit else ""
    info = Field(
        default=None,  # not validated: absent fields stay absent (exclude_unset)
        description=f"{column.description}{unit} Allowed: {column.allowed()}.",
    )
    return kind, info


_INTEGERS = frozenset(n for n in MODEL_INPUTS if CUSTOMERS.column(n).dtype is DType.INT)


def _integral(values: Any) -> Any:
    """65.0 is an integer to JSON Schema (and so to OpenAPI clients): accept it as 65.

    Strict mode refuses floats for integers; only whole-valued floats are let
    through (booleans and strings still are not).
    """
    if isinstance(values, dict):
        return {
            k: int(v) if k in _INTEGERS and isinstance(v, float) and v.is_integer() else v
            for k, v in values.items()
        }
    return values


CustomerFeatures: type[BaseModel] = create_model(
    "CustomerFeatures",
    __config__=_STRICT,
    __validators__={"integral": model_validator(mode="before")(_integral)},
    __doc__="Model inputs of one customer, as in the data contract (all optional).",
    **{name: _field(CUSTOMERS.column(name)) for name in MODEL_INPUTS},
)


class PredictRequest(BaseModel):
    """`customer_id` alone: the latest batch predictions; with `features`: live inference."""

    model_config = _STRICT
    customer_id: CustomerId
    features: CustomerFeatures | None = None  # type: ignore[valid-type]


def batch_request_model(max_items: int) -> type[BaseModel]:
    """The batch body, bounded by the configured maximum (shown in the OpenAPI schema)."""
    return create_model(
        "BatchPredictRequest",
        __config__=_STRICT,
        requests=(list[PredictRequest], Field(min_length=1, max_length=max_items)),
    )


class Impact(BaseModel):
    feature: str
    impact: float


class Prediction(BaseModel):
    """Every model's output for one customer (null where a model did not apply)."""

    engagement_score: float | None
    engagement_category: Literal["low", "medium", "high"] | None
    churn_probability: float | None
    churn_prediction: bool | None
    intervention_flag: bool | None
    ltv_usd: float | None = Field(description="LTV p50 (the seed's `ltv_usd`).")
    ltv_p10: float | None
    ltv_p50: float | None
    ltv_p90: float | None
    recommended_items: list[str] | None
    recommended_categories: list[str] | None
    anomaly_score: float | None
    anomaly_flag: bool | None
    value_at_risk_usd: float | None
    next_best_action: str


class PredictResponse(BaseModel):
    """The seed's response (§4.1) with every model's output and the SHAP top 5."""

    customer_id: str
    prediction: Prediction
    explanations: dict[str, list[Impact] | None]
    model_versions: dict[str, str | None]
    model_version: str = Field(description="The served versions as one tag (cache key).")
    predicted_at: str
    source: Literal["batch", "live"]
    run_id: str | None
    cache: Literal["hit", "miss"]
    skipped: dict[str, str] = Field(default_factory=dict)
    timestamp: str
    latency_ms: float


class BatchItem(BaseModel):
    status: int
    customer_id: str
    result: PredictResponse | None = None
    error: str | None = None


class BatchPredictResponse(BaseModel):
    results: list[BatchItem]
    latency_ms: float


class PremiumUplift(BaseModel):
    """The causal model's effect of premium for one customer (engagement-score points)."""

    effect: float
    lower: float
    upper: float
    in_overlap: bool
    run_id: str


class CustomerSegment(BaseModel):
    """The customer's segment of the latest run (engagement_analytics.segments)."""

    segment_id: int
    segment_name: str
    kmeans_distance: float
    kmeans_confidence: float = Field(ge=0, le=1)
    hdbscan_label: int = Field(description="HDBSCAN cluster; -1: an outlier between cores.")
    run_id: str


class CustomerResponse(BaseModel):
    customer_id: str
    features: dict[str, Any] | None
    latest: PredictResponse
    premium_uplift: PremiumUplift | None = None  # null when no uplift table was published
    community: int | None = Field(
        None, description="Detected social community (network_metrics); null without one."
    )
    influence: float | None = Field(
        None,
        description="Influence score: degree x (1 + share of edges leaving the community).",
    )
    segment: CustomerSegment | None = Field(
        default=None, description="Segment of the latest run; null when it made none."
    )


class ErrorResponse(BaseModel):
    error: str
    detail: Any = None


class FieldError(BaseModel):
    """One invalid input: where (`body.features.age`), what is wrong, the error type."""

    field: str
    message: str
    type: str | None


class ValidationErrorResponse(BaseModel):
    """The 422 body this API answers (never FastAPI's default `{loc, msg, type}`)."""

    error: Literal["validation_error"]
    detail: list[FieldError]


class HealthResponse(BaseModel):
    status: Literal["ok"]
    model_versions: dict[str, str | None]
    model_version: str
    models_loaded_at: str
    reloads: int
    reload_error: str | None
    cache: str
    uptime_s: float


class ServedModel(BaseModel):
    model: str
    version: str | None
    primary_metric: str | None
    test_metrics: dict[str, float]
    validation_metrics: dict[str, float]
    grade_metric: str | None
    grade_value: float | None
    baseline: str | None = Field(description="The strongest simple baseline on the same split.")
    baseline_value: float | None
    vs_baseline: float | None = Field(
        description="Model minus baseline in the metric's units; positive = model better."
    )
    ceiling: float | None = Field(description="What the generator's noise-free truth scores.")
    vs_ceiling: float | None = Field(description="Share of the ceiling the model reaches.")
    summary: str


class ModelsResponse(BaseModel):
    model_version: str
    models: list[ServedModel]


class ReadyResponse(BaseModel):
    ready: bool
    model_version: str | None = None
    detail: str | None = None


class ReloadResponse(BaseModel):
    reloaded: bool
    model_versions: dict[str, str | None]
    error: str | None


class KeyInfo(BaseModel):
    key_id: str
    name: str
    role: str
    created_at: str
    revoked_at: str | None


class KeysResponse(BaseModel):
    keys: list[KeyInfo]


class EraseResponse(BaseModel):
    customer_id: str
    deleted: int


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the errors a route really answers, in the shapes it uses."""
    described = {
        400: "Malformed request (e.g. an invalid Content-Length).",
        401: "Missing or invalid API key (header x-api-key).",
        403: "The key's role may not use this route (admin routes).",
        404: "Unknown customer.",
        413: "Request body larger than the configured limit.",
        422: "Invalid input: each entry names the field.",
        429: "Rate limit exceeded; Retry-After says when to come back.",
        503: "Not ready (no run yet, or a dependency busy); Retry-After where known.",
    }
    out: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        model = ValidationErrorResponse if code == 422 else ErrorResponse
        out[code] = {"model": model, "description": described[code]}
    return out


KEYED = (401, 429)  # every route behind a key
BODY = (400, 413, 422)  # every route with a body or validated parameters
