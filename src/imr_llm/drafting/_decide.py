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
from imr_llm.drafting._models import CriterionCheck, PrecedentRef
from imr_llm.letters._models import Decision

Policy = Literal["blend", "evidence", "model"]


class DecisionConfig(Contract):
    policy: Policy = "blend"
    evidence_weight: float = 1.0
    model_weight: float = 1.0
    precedent_prior: float = Field(default=2.0, ge=0.0)
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
    target = path or user_decision_file()
    lines = [f"# {note}"] if note else []
    if target.is_file():
        kept = [
            line
            for line in target.read_text(encoding="utf-8").splitlines()
            if not line.startswith(("threshold", "# calibrated"))
        ]
        head = [line for line in kept if not line.startswith("[")]
        rest = kept[len(head) :]
        lines = [*lines, *head, f"threshold = {threshold:.6g}", *rest]
    else:
        lines.append(f"threshold = {threshold:.6g}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _read.cache_clear()
    return target


@lru_cache(maxsize=8)
def _read(where: str) -> DecisionConfig:
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


def precedent_rate(precedents: list[PrecedentRef], base_rate: float, prior: float) -> float:
    """Similarity-weighted share of Overturned among the precedents, shrunk toward `base_rate`
    (the corpus rate for the service) with `prior` pseudo-items."""
    weight = sum(p.similarity for p in precedents)
    over = sum(p.similarity for p in precedents if p.decision == "Overturned")
    return (over + prior * base_rate) / (weight + prior) if weight + prior > 0 else base_rate


def evidence_probability(
    checks: list[CriterionCheck], rate: float, config: DecisionConfig
) -> float:
    """sigmoid(logit(precedent rate) + the sum of the checklist's status weights)."""
    score = logit(rate) + sum(config.status_weight.get(c.status, 0.0) for c in checks)
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
