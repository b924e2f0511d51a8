"""A small house style over reportlab: title block, headings, tables, charts, footer.

Only the PDF standard fonts (Helvetica) are used, so nothing is fetched or embedded and
the files open anywhere. Every page's footer names the run the figures come from.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

NAVY = colors.HexColor("#1f4e79")
STYLES = getSampleStyleSheet()
TITLE = ParagraphStyle("T", parent=STYLES["Title"], textColor=NAVY, fontSize=20, spaceAfter=4)
SUB = ParagraphStyle("S", parent=STYLES["Normal"], textColor=colors.grey, spaceAfter=10)
H2 = ParagraphStyle("H2", parent=STYLES["Heading2"], textColor=NAVY, spaceBefore=10, keepWithNext=1)
BODY = ParagraphStyle("B", parent=STYLES["BodyText"], fontSize=9.5, leading=13)
CELL = ParagraphStyle("C", parent=BODY, fontSize=8, leading=10)
WIDTH = A4[0] - 36 * mm


class Doc:
    """Build one report: add flowables in order, then `save`."""

    def __init__(
        self, title: str, run_id: str, subtitle: str, on_chart: Callable[[str], None] | None = None
    ) -> None:
        self.title, self.run_id = title, run_id
        self.on_chart, self.charts = on_chart, 0  # progress: each chart is the slow part
        made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        self.story: list[Any] = [
            Paragraph(title, TITLE),
            Paragraph(f"Run <b>{run_id}</b> &middot; {subtitle} &middot; generated {made}", SUB),
        ]

    def h2(self, text: str) -> None:
        self.story.append(Paragraph(text, H2))

    def p(self, text: str) -> None:
        self.story.append(Paragraph(text, BODY))

    def chart(self, png: bytes, width: float = WIDTH) -> None:
        """A PNG at full text width, keeping its aspect ratio."""
        img = Image(io.BytesIO(png))
        img.drawHeight = img.imageHeight * width / img.imageWidth
        img.drawWidth = width
        self.story += [img, Spacer(1, 4)]
        self.charts += 1
        if self.on_chart is not None:
            self.on_chart(f"chart {self.charts} drawn")

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[float] | None = None,
    ) -> None:
        """A zebra-striped table; numbers right-aligned, long text wrapped."""
        cells = [[Paragraph(f"<b>{h}</b>", CELL) for h in header]]
        cells += [[Paragraph(str(v), CELL) for v in row] for row in rows]
        t = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
        t.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dbe5f1")),
                    (
                        "ROWBACKGROUNDS",
                        (0, 1),
                        (-1, -1),
                        [colors.white, colors.HexColor("#f5f7fa")],
                    ),
                    ("LINEBELOW", (0, 0), (-1, 0), 0.6, NAVY),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 2),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
                ]
            )
        )
        self.story += [t, Spacer(1, 6)]

    def save(self, path: Path) -> Path:
        """Write the PDF (title and run id also in its metadata)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = SimpleDocTemplate(
            str(path),
            pagesize=A4,
            leftMargin=18 * mm,
            rightMargin=18 * mm,
            topMargin=16 * mm,
            bottomMargin=16 * mm,
            title=f"{self.title} - {self.run_id}",
            author="engage",
        )
        doc.build(self.story, onFirstPage=self._footer, onLaterPages=self._footer)
        return path

    def _footer(self, canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 9 * mm, f"engage - {self.title} - {self.run_id}")
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, f"page {doc.page}")
        canvas.restoreState()


def usd(value: float, digits: int = 2) -> str:
    """Dollars with thousands separators; small amounts keep enough digits to be non-zero."""
    if 0 < abs(value) < 0.01:
        return f"${value:.4f}"
    return f"${value:,.{digits}f}"
