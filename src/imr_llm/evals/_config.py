"""`EvalConfig`: what a run's `config.json` holds (the run's inputs, options and provenance).

One model per run directory, written before the first sample runs and read back on `--resume`
(`_runinfo.check_resumable`). A run with two or more prompt variants also writes a
`VariantsConfig` at its top (the variants are sub-runs with their own `EvalConfig`).
"""

from __future__ import annotations

import datetime as dt
import platform
from typing import Literal

from pydantic import Field, field_serializer

from imr_llm._models import Contract
from imr_llm.evals._bootstrap import DEFAULT_N_BOOT, DEFAULT_SEED
from imr_llm.evals._runinfo import GitInfo, git_commit
from imr_llm.evals._samples import Task


def _version() -> str:
    from imr_llm import __version__

    return __version__


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class DraftOptions(Contract):
    """Drafting options applied to every sample of a draft run (`drafting.draft_item`); the
    ones left unset are not recorded and take the drafting defaults."""

    rationale: Literal["model", "template"] | None = None
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    precedents: str | None = Field(
        default=None, description="Decided letters for worked examples (parsed JSONL or files)."
    )


class BatchConfig(Contract):
    """What config.json records of the batch options (`llm._rounds.BatchOptions`)."""

    mode: Literal["api", "files"]
    poll_s: float
    base_url: str | None = None


class EvalConfig(Contract):
    """A run's config.json (field order is the file's)."""

    task: Task
    dataset: str
    dataset_kind: str
    n_samples: int
    samples_fingerprint: str
    model: str = Field(description="The model spec, secrets masked, or the predictor's name.")
    variant: str | None = None
    prompts_dir: str | None = None
    prompts_version: str | None = None
    max_concurrency: int = Field(default=1, ge=1)
    workers: int = Field(default=1, ge=1, description="Processes drafting the samples.")
    resume: bool = False
    overwrite: bool = False
    cache: bool = True
    limit: int | None = None
    n_boot: int = Field(default=DEFAULT_N_BOOT, ge=1)
    seed: int = DEFAULT_SEED
    progress: bool = True
    holdout: bool = Field(default=True, description="Leave-one-letter-out retrieval.")
    draft_options: DraftOptions = Field(default_factory=DraftOptions)
    batch: BatchConfig | None = None
    imr_llm_version: str = Field(default_factory=_version)
    git: GitInfo | None = Field(default_factory=git_commit)
    python: str = Field(default_factory=platform.python_version)
    created: str = Field(default_factory=_now)

    @field_serializer("draft_options")
    def _set_options_only(self, options: DraftOptions) -> dict[str, object]:
        return options.model_dump(mode="json", exclude_none=True)


class VariantsConfig(Contract):
    """config.json at the top of a run with prompt variants (each variant: a sub-run)."""

    task: Task
    dataset: str
    model: str
    variants: dict[str, str] = Field(description="Variant name -> its prompts directory.")
    n_samples: int
    imr_llm_version: str = Field(default_factory=_version)
    git: GitInfo | None = Field(default_factory=git_commit)
    python: str = Field(default_factory=platform.python_version)
    created: str = Field(default_factory=_now)
