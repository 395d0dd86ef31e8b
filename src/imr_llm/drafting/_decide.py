"""From checklist, precedents and the model's decision token to P(Overturned) and a decision.

The weights and the threshold are data (`guidelines/routing/decision.toml`); the threshold can be
overridden per call (settings `decision_threshold`, written by `imr-llm eval threshold`).
"""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from imr_llm._errors import GuidelineLibraryError
from imr_llm._models import Contract
from imr_llm.drafting._models import CriterionCheck
from imr_llm.letters._models import Decision

Policy = Literal["blend", "evidence", "model"]


class DecisionConfig(Contract):
    policy: Policy = "blend"
    intercept: float = 0.0
    precedent_weight: float = 1.0
    evidence_weight: float = 1.0
    model_weight: float = 1.0
    precedent_k: int = Field(default=5, ge=0)
    borderline_logit: float = Field(default=0.5, ge=0.0)
    threshold: float = Field(default=0.5, gt=0.0, lt=1.0)
    status_weight: dict[str, float] = Field(default_factory=dict)


def decision_file() -> Path:
    return Path(str(resources.files("imr_llm.guidelines") / "routing" / "decision.toml"))


def user_decision_file() -> Path:
    """Where `imr-llm eval threshold --write` puts a calibrated threshold and where it is read
    from: $IMR_LLM_DECISION_FILE, else $XDG_CONFIG_HOME/imr-llm/decision.toml (~/.config)."""
    explicit = os.environ.get("IMR_LLM_DECISION_FILE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "imr-llm" / "decision.toml"


def load_decision_config(path: str | Path | None = None) -> DecisionConfig:
    """The shipped settings, overlaid with the user's file (`path`, else
    `user_decision_file()` if it exists), then $IMR_LLM_DECISION_THRESHOLD."""
    config = _read(str(decision_file()))
    user = Path(path) if path is not None else user_decision_file()
    if path is not None or user.is_file():
        overlay = _read(str(user))
        config = config.model_copy(update=overlay.model_dump(exclude_unset=True))
    raw = os.environ.get("IMR_LLM_DECISION_THRESHOLD")
    if raw:
        try:
            config = config.model_copy(update={"threshold": float(raw)})
        except ValueError:
            raise GuidelineLibraryError(
                f"IMR_LLM_DECISION_THRESHOLD must be a number in (0, 1), not {raw!r}"
            ) from None
    return config


def write_threshold(threshold: float, path: Path | None = None, *, note: str = "") -> Path:
    """Write `threshold` into the user's decision settings (keeping their other keys)."""
    if not 0.0 < threshold < 1.0:
        raise GuidelineLibraryError(f"a threshold must be in (0, 1), not {threshold}")
    return write_settings({"threshold": threshold}, path, note=note)


def write_settings(updates: dict[str, object], path: Path | None = None, *, note: str = "") -> Path:
    """Merge `updates` into the user's decision settings file (default `user_decision_file()`)
    and rewrite it; the merged settings are validated before anything is written."""
    target = path or user_decision_file()
    current: dict[str, object] = {}
    if target.is_file():
        try:
            current = tomllib.loads(target.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise GuidelineLibraryError(
                f"cannot update decision settings: {exc}", path=target
            ) from None
    merged = {**current, **updates}
    try:
        DecisionConfig.model_validate(merged)
    except ValidationError as exc:
        first = str(exc).splitlines()[0]
        raise GuidelineLibraryError(f"invalid decision settings: {first}", path=target) from None
    lines = [f"# {note}"] if note else []
    tables = {k: v for k, v in merged.items() if isinstance(v, dict)}
    lines += [f"{k} = {_toml_value(v)}" for k, v in merged.items() if k not in tables]
    for name, table in tables.items():
        lines += [
            "",
            f"[{name}]",
            *(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in table.items()),
        ]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _read.cache_clear()
    return target


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").isalnum() else f'"{key}"'


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if "." in f"{value:.6g}" or "e" in f"{value:.6g}" else f"{value:.1f}"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@lru_cache(maxsize=8)
def _read(where: str) -> DecisionConfig:
    """The settings in file `where`, parsed again only when the file changes (it is read for
    every drafted item)."""
    try:
        stat = os.stat(where)
    except OSError as exc:
        raise GuidelineLibraryError(
            f"cannot read decision settings: {exc.strerror}", path=where
        ) from None
    return _parse(where, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=16)
def _parse(where: str, _mtime_ns: int, _size: int) -> DecisionConfig:
    try:
        return DecisionConfig.model_validate(tomllib.loads(Path(where).read_text(encoding="utf-8")))
    except OSError as exc:
        raise GuidelineLibraryError(
            f"cannot read decision settings: {exc.strerror}", path=where
        ) from None
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise GuidelineLibraryError(f"invalid decision settings: {first}", path=where) from None


def logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def evidence_probability(
    checks: list[CriterionCheck], p_precedents: float | None, config: DecisionConfig
) -> float:
    """sigmoid(intercept + precedent_weight * logit(p_precedents) + the checklist's status
    weights); a missing p_precedents is left out."""
    score = config.intercept + sum(config.status_weight.get(c.status, 0.0) for c in checks)
    if p_precedents is not None:
        score += config.precedent_weight * logit(p_precedents)
    return sigmoid(score)


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    p_overturned: float
    threshold: float
    borderline: bool


def combine(
    p_evidence: float | None,
    p_model: float | None,
    config: DecisionConfig,
    threshold: float | None = None,
) -> Verdict:
    """P(Overturned) from the parts the policy uses (a missing part is left out), then the
    decision at `threshold` (default: the config's)."""
    parts = []
    if p_evidence is not None and config.policy in ("blend", "evidence"):
        parts.append(config.evidence_weight * logit(p_evidence))
    if p_model is not None and config.policy in ("blend", "model"):
        parts.append(config.model_weight * logit(p_model))
    p = sigmoid(sum(parts)) if parts else 0.5
    cut = threshold if threshold is not None else config.threshold
    return Verdict(
        decision="Overturned" if p >= cut else "Upheld",
        p_overturned=p,
        threshold=cut,
        borderline=abs(logit(p) - logit(cut)) < config.borderline_logit,
    )
