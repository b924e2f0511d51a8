"""Charts as SVG markup drawn on the server: no chart library, no script, CSP-clean.

Every text written into the markup goes through `html.escape`, so a label from the
data cannot inject markup. Each chart has role="img", an aria-label and a <title>,
and marks its data elements with `data-value` (the browser tests read them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

POS, NEG, NEUTRAL, GRID = "#1b7f5b", "#b3261e", "#3a5a98", "#d0d4dc"
STATUS_FILL = {"SUCCEEDED": POS, "FAILED": NEG, "RUNNING": "#b07d00"}


def _svg(width: int, height: int, label: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(label)}</title>{''.join(body)}</svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="12"{klass}>'
        f"{escape(text)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, value: float, tip: str) -> str:
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 1):.1f}" height="{h:.1f}" fill="{fill}" '
        f'data-value="{value:.6g}"><title>{escape(tip)}</title></rect>'
    )


def bars(items: Sequence[tuple[str, float]], label: str, fmt: str = "{:.3g}") -> str:
    """Horizontal bars (one per item), signed values drawn from a zero line."""
    if not items:
        return ""
    width, left, row = 640, 200, 24
    values = [v for _, v in items]
    low, high = min(0.0, *values), max(0.0, *values)
    span = (high - low) or 1.0
    scale = (width - left - 70) / span
    zero = left + (0 - low) * scale
    body = [
        f'<line x1="{zero:.1f}" y1="4" x2="{zero:.1f}" y2="{row * len(items) + 4}" '
        f'stroke="{GRID}"/>'
    ]
    for i, (name, value) in enumerate(items):
        y = 6 + i * row
        x = zero if value >= 0 else zero + value * scale
        body.append(_text(left - 8, y + 14, name, "end"))
        body.append(
            _rect(
                x,
                y,
                abs(value) * scale,
                row - 8,
                NEUTRAL if value >= 0 else NEG,
                value,
                f"{name}: {fmt.format(value)}",
            )
        )
        body.append(_text(max(x + abs(value) * scale, zero) + 6, y + 14, fmt.format(value)))
    return _svg(width, row * len(items) + 12, label, body)


def waterfall(base: float, impacts: Sequence[tuple[str, float]], final: float, label: str) -> str:
    """SHAP waterfall: from the rest of the model's output, each top feature's push, to the
    final output. `base` is the output minus the shown impacts (other features + expected)."""
    if not impacts:
        return ""
    width, left, row = 640, 230, 26
    steps, level = [], base
    for name, impact in impacts:
        steps.append((name, level, level + impact, impact))
        level += impact
    points = [base, final, *(s[1] for s in steps), *(s[2] for s in steps)]
    low, high = min(points), max(points)
    pad = (high - low) * 0.08 or 0.05
    low, high = low - pad, high + pad
    scale = (width - left - 80) / (high - low)

    def x(v: float) -> float:
        return left + (v - low) * scale

    body = [
        _text(left - 8, 18, "other features + expected", "end"),
        f'<line x1="{x(base):.1f}" y1="6" x2="{x(base):.1f}" y2="24" stroke="#555"/>',
        _text(x(base) + 4, 18, f"{base:.3f}"),
    ]
    for i, (name, start, end, impact) in enumerate(steps, start=1):
        y = 6 + i * row
        body.append(_text(left - 8, y + 14, name, "end"))
        fill = POS if impact >= 0 else NEG
        body.append(
            _rect(
                x(min(start, end)),
                y,
                abs(end - start) * scale,
                row - 8,
                fill,
                impact,
                f"{name}: {impact:+.4f}",
            )
        )
        body.append(_text(x(max(start, end)) + 4, y + 14, f"{impact:+.3f}"))
    y = 6 + (len(steps) + 1) * row
    body += [
        _text(left - 8, y + 14, "model output", "end"),
        f'<line x1="{x(final):.1f}" y1="{y}" x2="{x(final):.1f}" y2="{y + 18}" '
        f'stroke="#111" stroke-width="2"/>',
        _text(x(final) + 4, y + 14, f"{final:.3f}"),
    ]
    return _svg(width, y + row, label, body)


def gauge(value: float, threshold: float, label: str) -> str:
    """A 0-1 bar with the value and the threshold marked (churn probability vs intervention)."""
    width, left, right = 640, 10, 630
    scale = right - left
    over = value >= threshold
    body = [
        f'<rect x="{left}" y="20" width="{scale}" height="14" fill="{GRID}"/>',
        _rect(left, 20, value * scale, 14, NEG if over else POS, value, f"{value:.3f}"),
        f'<line x1="{left + threshold * scale:.1f}" y1="12" x2="{left + threshold * scale:.1f}" '
        f'y2="42" stroke="#111" stroke-width="2" data-threshold="{threshold:.6g}"/>',
        _text(left + threshold * scale, 56, f"threshold {threshold:.2f}", "middle"),
        _text(left, 12, f"{value:.3f}"),
    ]
    return _svg(width, 62, label, body)


def interval(p10: float, p50: float, p90: float, label: str, unit: str = "$") -> str:
    """An 80% interval (p10-p90) with the median marked."""
    width, left, right = 640, 20, 620
    high = max(p90, 1e-9) * 1.1
    scale = (right - left) / high

    def x(v: float) -> float:
        return left + max(v, 0.0) * scale

    body = [
        f'<line x1="{left}" y1="30" x2="{right}" y2="30" stroke="{GRID}"/>',
        _rect(x(p10), 22, (p90 - p10) * scale, 16, "#9db4e0", p90 - p10, "p10-p90"),
        f'<line x1="{x(p50):.1f}" y1="16" x2="{x(p50):.1f}" y2="44" stroke="#111" '
        f'stroke-width="2" data-value="{p50:.6g}"/>',
        _text(x(p10), 58, f"p10 {unit}{p10:,.0f}", "middle"),
        _text(x(p50), 12, f"p50 {unit}{p50:,.0f}", "middle"),
        _text(x(p90), 58, f"p90 {unit}{p90:,.0f}", "middle"),
    ]
    return _svg(width, 64, label, body)


def gantt(stages: Sequence[tuple[str, float, float, str]], label: str) -> str:
    """Stages as bars on a time axis: (name, start s, end s, status)."""
    if not stages:
        return ""
    width, left, row = 640, 230, 22
    total = max(end for _, _, end, _ in stages) or 1.0
    scale = (width - left - 60) / total
    body = []
    for i, (name, start, end, status) in enumerate(stages):
        y = 4 + i * row
        body.append(_text(left - 8, y + 13, name, "end"))
        body.append(
            _rect(
                left + start * scale,
                y,
                (end - start) * scale,
                row - 6,
                STATUS_FILL.get(status, NEUTRAL),
                end - start,
                f"{name}: {end - start:.2f} s ({status})",
            )
        )
        body.append(_text(left + end * scale + 4, y + 13, f"{end - start:.1f} s"))
    axis_y = 4 + len(stages) * row + 12
    ticks = _ticks(total)
    for t in ticks:
        body.append(_text(left + t * scale, axis_y, f"{t:g} s", "middle"))
    return _svg(width, axis_y + 6, label, body)


def _ticks(total: float) -> list[float]:
    step = 10 ** math.floor(math.log10(total)) if total > 0 else 1
    if total / step < 3:
        step /= 2
    return [i * step for i in range(int(total / step) + 1)]
