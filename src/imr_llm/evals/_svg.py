"""Self-contained inline SVG plots (no library, no external assets). All text is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

Bar = tuple[str, float | None, float | None, float | None]
"""(label, value, interval low, interval high); None values are drawn as 'n/a'."""


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    size: int = 12,
    weight: str = "normal",
    fill: str = "#222",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-weight="{weight}" fill="{fill}">{escape(content)}</text>'
    )


def confusion_svg(matrix: Sequence[Sequence[int]], labels: Sequence[str], title: str) -> str:
    """A heatmap of the confusion matrix: rows gold, columns predicted, counts in the cells."""
    cell, left, top = 90, 120, 60
    size_w = left + cell * len(labels) + 20
    size_h = top + cell * len(labels) + 40
    peak = max((v for row in matrix for v in row), default=0) or 1
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot confusion" width="{size_w}" '
        f'height="{size_h}" viewBox="0 0 {size_w} {size_h}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _text(size_w / 2, 16, title, anchor="middle", size=13, weight="bold"),
        _text(left + cell * len(labels) / 2, 36, "predicted", anchor="middle", fill="#555"),
    ]
    for j, label in enumerate(labels):
        parts.append(_text(left + cell * j + cell / 2, top - 6, label, anchor="middle"))
    for i, label in enumerate(labels):
        y = top + cell * i
        parts.append(_text(left - 8, y + cell / 2 + 4, f"gold {label}", anchor="end"))
        for j, value in enumerate(matrix[i]):
            x = left + cell * j
            shade = int(235 - 175 * value / peak)
            colour = f"rgb({shade},{shade + 10 if shade < 245 else 245},255)"
            text_fill = "#fff" if value / peak > 0.6 else "#111"
            parts.append(
                f'<rect class="cell" x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="{colour}" stroke="#999"/>'
            )
            parts.append(
                _text(
                    x + cell / 2,
                    y + cell / 2 + 6,
                    str(value),
                    anchor="middle",
                    size=18,
                    weight="bold",
                    fill=text_fill,
                )
            )
    parts.append("</svg>")
    return "".join(parts)


def bar_chart_svg(bars: Sequence[Bar], title: str, *, x_max: float = 1.0) -> str:
    """Horizontal bars in [0, x_max] with interval whiskers where given."""
    left, width, row, top = 270, 360, 26, 34
    height = top + row * max(1, len(bars)) + 24
    total_w = left + width + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot bars" width="{total_w}" '
        f'height="{height}" viewBox="0 0 {total_w} {height}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _text(total_w / 2, 18, title, anchor="middle", size=13, weight="bold"),
    ]
    scale = width / (x_max or 1.0)
    for i, (label, value, low, high) in enumerate(bars):
        y = top + row * i
        shown = label if len(label) <= 40 else label[:39] + "…"
        parts.append(_text(left - 8, y + 15, shown, anchor="end"))
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{width}" height="16" fill="#f1f1f1"/>')
        if value is None:
            parts.append(_text(left + 6, y + 15, "n/a", fill="#888"))
            continue
        parts.append(
            f'<rect class="bar" x="{left}" y="{y + 3}" width="{max(0.0, value) * scale:.1f}" '
            f'height="16" fill="#4a78b5"/>'
        )
        if low is not None and high is not None:
            parts.append(
                f'<line x1="{left + low * scale:.1f}" x2="{left + high * scale:.1f}" '
                f'y1="{y + 11}" y2="{y + 11}" stroke="#111" stroke-width="1.5"/>'
            )
        parts.append(_text(left + width + 6, y + 15, f"{value:.3f}"))
    parts.append("</svg>")
    return "".join(parts)


def delta_chart_svg(bars: Sequence[Bar], title: str) -> str:
    """Deltas around a zero line with their intervals (green above 0, red below)."""
    left, width, row, top = 270, 360, 26, 34
    height = top + row * max(1, len(bars)) + 24
    total_w = left + width + 80
    extent = max(
        [abs(v) for _, value, low, high in bars for v in (value, low, high) if v is not None]
        or [1.0]
    )
    extent = extent or 1.0
    zero = left + width / 2
    scale = (width / 2) / extent
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot deltas" width="{total_w}" '
        f'height="{height}" viewBox="0 0 {total_w} {height}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        _text(total_w / 2, 18, title, anchor="middle", size=13, weight="bold"),
        f'<line x1="{zero}" x2="{zero}" y1="{top - 4}" y2="{height - 16}" stroke="#666"/>',
    ]
    for i, (label, value, low, high) in enumerate(bars):
        y = top + row * i
        parts.append(_text(left - 8, y + 15, label[:40], anchor="end"))
        if value is None:
            parts.append(_text(zero + 6, y + 15, "n/a", fill="#888"))
            continue
        x0, x1 = sorted((zero, zero + value * scale))
        colour = "#3c8d4f" if value >= 0 else "#b5443a"
        parts.append(
            f'<rect class="bar" x="{x0:.1f}" y="{y + 3}" width="{x1 - x0:.1f}" height="16" '
            f'fill="{colour}"/>'
        )
        if low is not None and high is not None:
            parts.append(
                f'<line x1="{zero + low * scale:.1f}" x2="{zero + high * scale:.1f}" '
                f'y1="{y + 11}" y2="{y + 11}" stroke="#111" stroke-width="1.5"/>'
            )
        parts.append(_text(left + width + 6, y + 15, f"{value:+.3f}"))
    parts.append("</svg>")
    return "".join(parts)
