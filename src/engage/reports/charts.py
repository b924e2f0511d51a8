"""Charts for the reports: matplotlib on the Agg backend, returned as PNG bytes.

Agg needs no display and matplotlib ships its own DejaVu fonts, so rendering works
offline on a server. Each function takes plain figures from ReportData.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after use("Agg"): the backend must be chosen first

BLUE, ORANGE, GREY, GREEN, RED = "#1f4e79", "#e07b22", "#8c8c8c", "#2e7d32", "#c62828"
plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False})


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=160)
    plt.close(fig)
    return buf.getvalue()


def histogram(values: Sequence[float], title: str, xlabel: str) -> bytes:
    """Distribution of one score across customers."""
    fig, ax = plt.subplots(figsize=(6.5, 2.6))
    ax.hist(values, bins=40, color=BLUE, alpha=0.9)
    ax.set(title=title, xlabel=xlabel, ylabel="customers")
    return _png(fig)


def barh(
    labels: Sequence[str], values: Sequence[float], title: str, xlabel: str, color: str = BLUE
) -> bytes:
    """Horizontal bars, largest at the top (drivers, segments, services)."""
    fig, ax = plt.subplots(figsize=(6.5, max(1.8, 0.28 * len(labels) + 0.8)))
    ax.barh(list(labels)[::-1], list(values)[::-1], color=color)
    ax.set(title=title, xlabel=xlabel)
    return _png(fig)


def grouped_bars(
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    title: str,
    ylabel: str,
    log: bool = False,
) -> bytes:
    """Side-by-side bars per label, one colour per series (on-demand vs Spot)."""
    fig, ax = plt.subplots(figsize=(6.5, 2.8))
    width = 0.8 / max(1, len(series))
    for i, (name, values) in enumerate(series.items()):
        xs = [x + i * width for x in range(len(labels))]
        ax.bar(xs, values, width, label=name, color=(BLUE, ORANGE, GREY)[i % 3])
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(labels))], labels)
    ax.set(title=title, ylabel=ylabel)
    if log:
        ax.set_yscale("log")
    ax.legend(frameon=False)
    return _png(fig)


def gantt(stages: Sequence[tuple[str, float, float, str]], title: str) -> bytes:
    """Measured stage timeline: (label, start s, duration s, kind) per stage."""
    fig, ax = plt.subplots(figsize=(6.8, max(2.2, 0.3 * len(stages) + 0.9)))
    colours = {"fargate": ORANGE, "lambda": BLUE}
    for i, (_label, start, seconds, kind) in enumerate(stages):
        ax.barh(i, max(seconds, 0.01), left=start, color=colours.get(kind, GREY))
        ax.text(start + seconds, i, f" {seconds:.1f} s", va="center", fontsize=7)
    ax.set_yticks(range(len(stages)), [s[0] for s in stages])
    ax.invert_yaxis()
    ax.set(title=title, xlabel="seconds since the run started")
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in colours.values()]
    ax.legend(handles, ["ECS Fargate task", "Lambda"], frameon=False, loc="upper right")
    return _png(fig)
