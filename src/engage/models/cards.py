"""Model cards (Mitchell et al., "Model Cards for Model Reporting") from registry metadata.

A registry version's ``metadata.json`` already holds what a reviewer needs to judge
a model: what it is, what it was trained on, how well it does overall and per
subgroup, what drives it and where it came from. `render_card` lays that out as
Markdown in the paper's sections so the card can sit beside the artefacts and be
read without code.

Two rules keep the card honest:

* Every number printed comes from the metadata; the card computes nothing (no
  derived ratios, counts or ranks), so it cannot disagree with the registry.
* Anything missing reads "not available" instead of failing: cards are rendered for
  old versions too, written before some keys existed.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from engage.models.grading import summary_text

NOT_AVAILABLE = "not available"
NOT_REPORTED = "—"  # a subgroup below the minimum size reports only its row count
SPLIT_ORDER = ("train", "validation", "test")
SIGNIFICANT_DIGITS = 4
# Keys with a place of their own in the card; any other key is listed under the model
# details, so model-specific facts (a decision threshold, a calibration shift) still show.
_SECTIONED = frozenset(
    {
        "model_name", "model_version", "run_id", "created_at", "algorithm", "params",
        "target", "features", "training_rows", "test_rows", "metrics", "grading",
        "subgroup_metrics", "fairness", "top_features", "global_importance",
        "data_fingerprint", "code_version", "intended_use", "limitations",
        "training_seconds", "artefacts", "primary_metric",
    }
)  # fmt: skip


def render_card(metadata: Mapping[str, Any]) -> str:
    """The model card of one registry version as Markdown.

    `metadata` is a version's ``metadata.json``; only ``model_name`` and
    ``model_version`` are required, every other section degrades to "not available".
    """
    name, version = str(metadata["model_name"]), str(metadata["model_version"])
    sections = [
        f"# Model card: {name} {version}",
        _model_details(metadata),
        _section("Intended use", _text(metadata.get("intended_use"))),
        _training_data(metadata),
        _metrics(metadata),
        _grading(metadata),
        _subgroups(metadata),
        _fairness(metadata),
        _explainability(metadata),
        _limitations(metadata),
        _provenance(metadata),
    ]
    return "\n\n".join(sections).rstrip() + "\n"


def format_value(value: Any) -> str:
    """How the card prints one value (public so tests and callers can match it).

    Floats get SIGNIFICANT_DIGITS significant digits (large ones keep one decimal
    instead of switching to exponent notation), ints thousands separators, NaN "n/a".
    """
    if value is None:
        return NOT_AVAILABLE
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        if abs(value) >= 10**SIGNIFICANT_DIGITS:
            return f"{value:,.1f}"
        return f"{value:.{SIGNIFICANT_DIGITS}g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, default=str, sort_keys=True)


# -- sections ---------------------------------------------------------------------------


def _model_details(meta: Mapping[str, Any]) -> str:
    rows = [
        ("Model", meta.get("model_name")),
        ("Version", meta.get("model_version")),
        ("Algorithm", meta.get("algorithm")),
        ("Target", meta.get("target")),
        ("Primary metric", meta.get("primary_metric")),
        ("Created at", meta.get("created_at")),
        ("Training time (s)", meta.get("training_seconds")),
    ]
    extra = [k for k in meta if k not in _SECTIONED]
    rows += [(k, meta[k]) for k in extra if _is_scalar(meta[k])]
    params = _mapping(meta.get("params"))
    body = _table(("Field", "Value"), rows)
    nested = [k for k in extra if not _is_scalar(meta[k])]
    if nested:
        body += "\n\nAlso in metadata.json: " + ", ".join(f"`{k}`" for k in nested) + "."
    if params:
        body += "\n\n**Hyper-parameters**\n\n" + _table(("Parameter", "Value"), params.items())
    else:
        body += f"\n\nHyper-parameters: {NOT_AVAILABLE}."
    return _section("Model details", body)


def _training_data(meta: Mapping[str, Any]) -> str:
    rows = [
        ("Training rows", meta.get("training_rows")),
        ("Test rows", meta.get("test_rows")),
        ("Data fingerprint", meta.get("data_fingerprint")),
    ]
    features = _strings(meta.get("features"))
    listed = ", ".join(f"`{f}`" for f in features) if features else NOT_AVAILABLE
    return _section("Training data", _table(("Field", "Value"), rows) + f"\n\nInputs: {listed}.")


def _metrics(meta: Mapping[str, Any]) -> str:
    metrics = _mapping(meta.get("metrics"))
    if not metrics:
        return _section("Metrics", _text(None))
    splits = [s for s in SPLIT_ORDER if s in metrics] + sorted(
        s for s in metrics if s not in SPLIT_ORDER
    )
    parts = []
    for split in splits:
        values = _mapping(metrics[split])
        scalars = [(k, v) for k, v in values.items() if _is_scalar(v)]
        nested = [k for k, v in values.items() if not _is_scalar(v)]
        part = f"### {split.capitalize()}\n\n"
        part += _table(("Metric", "Value"), scalars) if scalars else _text(None)
        if nested:
            part += "\n\nAlso in metadata.json: " + ", ".join(f"`{k}`" for k in nested) + "."
        parts.append(part)
    return _section("Metrics", "\n\n".join(parts))


def _grading(meta: Mapping[str, Any]) -> str:
    grading = _mapping(meta.get("grading"))
    if not grading:
        return _section("Grading against ground truth", _text(None))
    body = f"**Vs baseline; vs ceiling:** {summary_text(grading, format_value)}\n\n"
    if "baseline" in grading and "baseline_value" in grading:
        body += (
            f"Strongest simple baseline on the same test split: {grading['baseline']} "
            f"({format_value(grading['baseline_value'])}); the model's margin over it is "
            f"{format_value(grading['vs_baseline'])} in {format_value(grading['metric'])} "
            "units (positive: the model is better).\n\n"
        )
    if all(k in grading for k in ("metric", "value", "ceiling", "ratio")):
        body += (
            f"Test {format_value(grading['metric'])} {format_value(grading['value'])} reaches "
            f"{format_value(grading['ratio'])} of the ceiling {format_value(grading['ceiling'])}: "
            "the score of the generator's noise-free truth, the best any model can do on "
            "this data.\n\n"
        )
    return _section(
        "Grading against ground truth", body + _table(("Field", "Value"), _flat(grading))
    )


def _subgroups(meta: Mapping[str, Any]) -> str:
    subgroups = _mapping(meta.get("subgroup_metrics"))
    if not subgroups:
        return _section("Subgroup performance", _text(None))
    parts = []
    for grouping, groups in subgroups.items():
        groups = _mapping(groups)
        metrics = list(
            dict.fromkeys(k for g in groups.values() for k in _mapping(g) if k != "rows")
        )
        rows = []
        for label, values in groups.items():
            values = _mapping(values)
            cells = [values.get("rows")]
            cells += [values.get(m, NOT_REPORTED) for m in metrics]
            rows.append((label, *cells))
        parts.append(f"### {grouping}\n\n" + _table(("Group", "Rows", *metrics), rows))
    body = "\n\n".join(parts)
    if NOT_REPORTED in body:
        body += f"\n\n{NOT_REPORTED}: too few rows in the group for a reliable metric."
    return _section("Subgroup performance", body)


def _fairness(meta: Mapping[str, Any]) -> str:
    fairness = meta.get("fairness")
    if not fairness:
        return _section("Fairness", "Fairness: not yet assessed.")
    if not isinstance(fairness, Mapping):
        return _section("Fairness", _cell(fairness))
    if "attributes" not in fairness:
        return _section("Fairness", _table(("Measure", "Value"), _flat(fairness)))
    return _section("Fairness", _fairness_body(fairness))


def _fairness_body(fairness: Mapping[str, Any]) -> str:
    """Decision, summary per attribute (80% rule), groups, the gate and any mitigation."""
    parts = [
        f"Decision: `{fairness.get('decision')}` (score above {_cell(fairness.get('threshold'))}),"
        f" measured on {_cell(fairness.get('rows'))} test customers."
    ]
    summary = [
        (
            attribute,
            _cell(result.get("di_ratio")),
            _cell(result.get("labels_di_ratio")),
            _cell(result.get("dp_difference")),
            _cell(result.get("eo_difference")),
            "n/a" if "di_ratio" not in result else ("yes" if result["di_ratio"] >= 0.8 else "no"),
        )
        for attribute, result in fairness["attributes"].items()
    ]
    header = (
        "Attribute",
        "DI ratio",
        "DI of outcomes",
        "DP difference",
        "EO difference",
        "80% rule",
    )
    parts.append(_table(header, summary))
    groups = [
        (attribute, group, _cell(g.get("rows")), _cell(g.get("selection_rate")),
         _cell(g.get("true_positive_rate")), _cell(g.get("false_positive_rate")),
         _cell(g.get("mean_score")), _cell(g.get("observed_rate")))
        for attribute, result in fairness["attributes"].items()
        for group, g in result.get("groups", {}).items()
    ]  # fmt: skip
    parts.append(
        _table(
            (
                "Attribute",
                "Group",
                "Rows",
                "Selection",
                "TPR",
                "FPR",
                "Mean score",
                "Observed rate",
            ),
            groups,
        )
    )
    gate = fairness.get("gate") or {}
    verdict = "passed" if gate.get("passed") else "FAILED"
    failures = "".join(f"\n- {f}" for f in gate.get("failures", []))
    parts.append(f"Release gate ({_text(_flat(gate))}): **{verdict}**{failures}")
    if fairness.get("mitigation"):
        parts.append(_table(("Mitigation", "Value"), _flat(fairness["mitigation"])))
    return "\n\n".join(parts)


def _explainability(meta: Mapping[str, Any]) -> str:
    top = _strings(meta.get("top_features"))
    importance = _mapping(meta.get("global_importance"))
    if not top and not importance:
        return _section("Explainability", _text(None))
    parts = []
    if top:
        parts.append("Top features:\n\n" + "\n".join(f"- `{f}`" for f in top))
    if importance:
        header = ("Feature", "Mean |SHAP|")
        parts.append(
            "Global importance (mean absolute TreeSHAP contribution, model output units):\n\n"
            + _table(header, importance.items())
        )
    return _section("Explainability", "\n\n".join(parts))


def _limitations(meta: Mapping[str, Any]) -> str:
    items = _strings(meta.get("limitations"))
    return _section("Limitations", "\n".join(f"- {_cell(i)}" for i in items) or _text(None))


def _provenance(meta: Mapping[str, Any]) -> str:
    artefacts = _strings(meta.get("artefacts"))
    rows = [
        ("Run id", meta.get("run_id")),
        ("Created at", meta.get("created_at")),
        ("Code version", meta.get("code_version")),
        ("Data fingerprint", meta.get("data_fingerprint")),
        ("Artefacts", ", ".join(artefacts) if artefacts else None),
    ]
    return _section("Provenance", _table(("Field", "Value"), rows))


# -- helpers ------------------------------------------------------------------------------


def _section(title: str, body: str) -> str:
    return f"## {title}\n\n{body}"


def _text(value: Any) -> str:
    return _cell(value) if value not in (None, "") else f"{NOT_AVAILABLE.capitalize()}."


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table; cells are formatted and escaped so a value cannot break it."""
    lines = [
        "| " + " | ".join(_cell(h) for h in header) + " |",
        "|" + "---|" * len(header),
    ]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, str) and value == NOT_REPORTED:
        return value
    return format_value(value).replace("|", "\\|").replace("\n", " ")


def _flat(mapping: Mapping[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dicts as dotted keys, so any fairness/grading layout fits a 2-column table."""
    out: list[tuple[str, Any]] = []
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out += _flat(value, name + ".")
        else:
            out.append((name, value))
    return out


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return []
    return [str(v) for v in value]


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)
