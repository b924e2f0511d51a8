"""The component diagram as a PNG, drawn by matplotlib from the same graph data as Mermaid.

Why not render the Mermaid: that needs a browser (mermaid-cli drives headless Chromium),
and reports must build offline on a server. Three columns of boxes (local default, port,
AWS adapter) carry the same rows as `docs/diagrams/components.mmd`.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after use("Agg")
from matplotlib.patches import FancyBboxPatch

from engage.diagrams.graph import PORTS, Port
from engage.diagrams.mermaid import code_name

COLUMNS = (("Local default (offline)", "#e8f0f8"), ("Port", "#fdf0e2"), ("AWS adapter", "#eaf4ea"))
BOX_W, BOX_H, GAP_X = 2.6, 0.62, 0.55


def _texts(port: Port) -> tuple[str, str, str]:
    local = f"{port.local.label}\n{code_name(port.local.ref)}"
    aws = f"{port.aws.label}\n{code_name(port.aws.ref)}"
    return local, f"{port.name}\n[{port.selector}]", aws


def _box(ax: plt.Axes, x: float, y: float, text: str, color: str) -> None:
    ax.add_patch(
        FancyBboxPatch(
            (x, y), BOX_W, BOX_H, boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor=color, edgecolor="#1f4e79", linewidth=0.8,
        )
    )  # fmt: skip
    ax.text(x + BOX_W / 2, y + BOX_H / 2, text, ha="center", va="center", fontsize=6.4)


def component_png(dpi: int = 160) -> bytes:
    """PNG bytes of the ports-and-adapters diagram (one row per port in `PORTS`)."""
    rows = len(PORTS)
    fig, ax = plt.subplots(figsize=(7.2, 0.55 * rows + 0.9))
    for col, (title, _) in enumerate(COLUMNS):
        x = col * (BOX_W + GAP_X)
        ax.text(x + BOX_W / 2, rows * 0.8 + 0.15, title, ha="center", fontsize=8, weight="bold")
    for row, port in enumerate(PORTS):
        y = (rows - 1 - row) * 0.8
        for col, text in enumerate(_texts(port)):
            _box(ax, col * (BOX_W + GAP_X), y, text, COLUMNS[col][1])
        for col in (0, 1):
            x0 = col * (BOX_W + GAP_X) + BOX_W
            ax.plot([x0, x0 + GAP_X], [y + BOX_H / 2] * 2, color="#1f4e79", linewidth=0.8)
    ax.set_xlim(-0.1, 3 * BOX_W + 2 * GAP_X + 0.1)
    ax.set_ylim(-0.15, rows * 0.8 + 0.45)
    ax.axis("off")
    buf = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buf, format="png", dpi=dpi)
    plt.close(fig)
    return buf.getvalue()
