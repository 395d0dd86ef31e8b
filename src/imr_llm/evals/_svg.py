"""Self-contained inline SVG plots (no library, no external assets), rendered from the
`templates/*.svg` templates with autoescape: every text is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from markupsafe import Markup

from imr_llm.evals._reports import html_environment


class Bar(NamedTuple):
    """One bar: its label, value and interval (None values are drawn as 'n/a')."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    better: bool = True
    """Deltas: whether the change is not a loss for the metric (green), else red."""


_LEFT, _WIDTH, _ROW, _TOP = 270, 360, 26, 34


def _render(template: str, **context: object) -> Markup:
    return Markup(html_environment().get_template(template).render(**context))


def confusion_svg(matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str) -> Markup:
    """A heatmap of the confusion matrix: rows gold, columns predicted, counts in the cells."""
    cell, left, top = 90, 120, 60
    return _render(
        "confusion.svg",
        title=title,
        matrix=matrix,
        labels=labels,
        cell=cell,
        left=left,
        top=top,
        width=left + cell * len(labels) + 20,
        height=top + cell * len(labels) + 40,
        peak=max((v for row in matrix for v in row), default=0) or 1,
    )


def bar_chart_svg(bars: Sequence[Bar], title: str, *, x_max: float = 1.0) -> Markup:
    """Horizontal bars in [0, x_max] with interval whiskers where given."""
    return _render("bars.svg", title=title, **_rows(bars, margin=70), scale=_WIDTH / (x_max or 1.0))


def delta_chart_svg(bars: Sequence[Bar], title: str) -> Markup:
    """Deltas around a zero line with their intervals (green: no loss, red: a loss)."""
    extent = max(
        [abs(v) for bar in bars for v in (bar.value, bar.low, bar.high) if v is not None] or [1.0]
    )
    return _render(
        "deltas.svg",
        title=title,
        **_rows(bars, margin=80),
        zero=_LEFT + _WIDTH / 2,
        scale=(_WIDTH / 2) / (extent or 1.0),
    )


def _rows(bars: Sequence[Bar], *, margin: int) -> dict[str, Any]:
    """The bars and the geometry both row charts share (one row per bar)."""
    return {
        "bars": [Bar(*bar) for bar in bars],
        "left": _LEFT,
        "width": _WIDTH,
        "row": _ROW,
        "top": _TOP,
        "height": _TOP + _ROW * max(1, len(bars)) + 24,
        "total_width": _LEFT + _WIDTH + margin,
    }
