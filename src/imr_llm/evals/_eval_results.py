"""`EvalResults`: what a run's `metrics.json` holds, as typed models.

The headline and other registered metrics (`_registry`) are an open set keyed by name, so the
`metrics` block is a JSON object: the registered metrics in registration order, then the
task's fixed blocks (`DraftBlocks` / `SummaryBlocks`), then the registered non-headline
metrics. Everything around it (dataset, counts, intervals, usage, errors) is typed.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, JsonValue

from imr_llm._models import Contract
from imr_llm.evals._calibration import Calibration
from imr_llm.evals._samples import SkippedFile, Task

DECISION_LABELS = ("Upheld", "Overturned")


class ConfusionMatrix(Contract):
    labels: list[str] = Field(default_factory=lambda: list(DECISION_LABELS))
    rows: Literal["gold"] = "gold"
    columns: Literal["predicted"] = "predicted"
    matrix: list[list[int]]


class DraftBlocks(Contract):
    """The draft run's blocks of `metrics` beside the registered metrics."""

    confusion_matrix: ConfusionMatrix
    gold_upheld_rate: float | None
    predicted_upheld_rate: float | None
    calibration: Calibration | None
    per_chapter: dict[str, dict[str, JsonValue]] = Field(
        description="Per gold guideline chapter: n, the registered per-chapter metrics and the "
        "confusion matrix."
    )


class SummaryBlocks(Contract):
    """The summary run's blocks of `metrics` beside the registered metrics."""

    key_fact_recall_by_field: dict[str, float | None]
    key_fact_precision_by_field: dict[str, float | None]


class Interval(Contract):
    low: float
    high: float


class DatasetInfo(Contract):
    path: str
    kind: str
    n_samples: int
    skipped_files: list[SkippedFile] = Field(default_factory=list)


class BootstrapInfo(Contract):
    n_boot: int
    seed: int
    level: float
    unit: Literal["case"] = "case"


class UsageMetrics(Contract):
    """Tokens, cost and latency: totals and per-sample means (over all attempted samples)."""

    prompt_tokens: int
    completion_tokens: int
    tokens_per_sample: float | None
    requests: int
    cache_hits: int
    cost_usd: float | None
    cost_usd_per_sample: float | None
    latency_s_mean: float | None
    latency_s_max: float | None
    latency_s_total: float


class SampleError(Contract):
    sample_id: str
    error: str | None


FloorEntry = dict[str, float | int | str | None]
"""A baseline's headline metrics on the run's samples ({n_samples, <metric>...}) or {error}."""


class EvalResults(Contract):
    """The content of metrics.json."""

    task: Task
    model: str
    variant: str | None
    prompts_version: str | None
    dataset: DatasetInfo
    n_samples: int = Field(description="Samples scored (errors left out).")
    n_errors: int
    n_cases: int
    metrics: dict[str, JsonValue] = Field(description="See the module docstring.")
    intervals: dict[str, Interval | None] = Field(
        description="Case-bootstrap interval of each headline metric; None when undefined."
    )
    bootstrap: BootstrapInfo
    usage: UsageMetrics
    errors: list[SampleError] = Field(description="The first 50 failed samples.")
    floor: dict[str, FloorEntry] | None = Field(
        default=None, exclude_if=lambda floor: floor is None
    )

    def to_json(self) -> dict[str, JsonValue]:
        """metrics.json as a JSON object."""
        data: dict[str, JsonValue] = self.model_dump(mode="json")
        return data
