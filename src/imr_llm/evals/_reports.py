"""What the reports share: the jinja2 environments of `evals/templates/` and the rows that the
registry (`_registry`) puts in their tables.

HTML and SVG templates are rendered with autoescape (every value from the data is escaped; a
None prints as nothing); the Markdown templates escape table cells with the `cell` filter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel

from imr_llm.evals._registry import Metric, registered


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def cell(text: Any) -> str:
    """A markdown table cell: one line, pipes and angle brackets escaped."""
    s = " ".join(str(text if text is not None else "").split())
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def interval(value: Any, signed: bool = False) -> str:
    """'[low, high]' to 3 decimals ('+' signs with `signed`), or 'n/a'."""
    low, high = _get(value, "low"), _get(value, "high")
    if low is None or high is None:
        return "n/a"
    spec = "+.3f" if signed else ".3f"
    return f"[{low:{spec}}, {high:{spec}}]"


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=1, ensure_ascii=False)


def extracted(prediction: Mapping[str, Any]) -> dict[str, Any]:
    """What a drafted summary extracted, for the sample view (prose and facts shown apart)."""
    return {k: v for k, v in prediction.items() if k not in ("prose", "facts", "grounding") and v}


def _get(value: Any, key: str) -> Any:
    if value is None:
        return None
    if isinstance(value, BaseModel):
        return getattr(value, key, None)
    if isinstance(value, Mapping):
        return value.get(key)
    return None


def _blank_none(value: Any) -> Any:
    return "" if value is None else value


def _environment(*, html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("imr_llm.evals", "templates"),
        autoescape=select_autoescape(["html", "svg"]) if html else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_blank_none if html else None,
    )
    env.filters.update(
        fmt=fmt, cell=cell, interval=interval, pretty_json=pretty_json, extracted=extracted
    )
    return env


@cache
def html_environment() -> Environment:
    """HTML and SVG templates: autoescaped, None printed as nothing."""
    return _environment(html=True)


@cache
def markdown_environment() -> Environment:
    """Markdown templates: not escaped (tables escape their cells with `cell`)."""
    return _environment(html=False)


@dataclass(frozen=True)
class HeadlineRow:
    """One headline metric of a run: registry entry, value and bootstrap interval."""

    metric: Metric
    value: float | None
    interval: Any

    @property
    def name(self) -> str:
        return self.metric.name

    @property
    def label(self) -> str:
        return self.metric.label

    @property
    def low(self) -> float | None:
        return number(_get(self.interval, "low"))

    @property
    def high(self) -> float | None:
        return number(_get(self.interval, "high"))


def number(value: object) -> float | None:
    """A JSON number as a float; None for anything else."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def block(value: object) -> Mapping[str, Any]:
    """A JSON object of metrics.json (a per-chapter or per-field block); {} when absent."""
    return value if isinstance(value, Mapping) else {}


def headline_metrics(values: Mapping[str, Any]) -> list[Metric]:
    """The registered headline metrics that `values` (a run's `metrics` block) has, in order
    (a run written before a metric was registered simply lacks it)."""
    return [m for m in registered(headline=True) if m.name in values]


def headline_rows(
    values: Mapping[str, Any], intervals: Mapping[str, Any] | None = None
) -> list[HeadlineRow]:
    """A row for each headline metric present in a run's `metrics` block."""
    found = intervals or {}
    return [
        HeadlineRow(m, number(values.get(m.name)), found.get(m.name))
        for m in headline_metrics(values)
    ]


def chapter_metrics(task: str) -> list[Metric]:
    """The columns of the per-chapter tables."""
    return registered(task, per_chapter=True)


def sample_metrics(task: str) -> list[Metric]:
    """The score columns of report.md's per-sample table."""
    return [m for m in registered(task, scored=True) if m.sample_label]
