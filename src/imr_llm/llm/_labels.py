"""Probabilities over a few answer labels (e.g. Upheld / Overturned) for one prompt.

From the first answer token's top log-probabilities where the endpoint returns them (llama.cpp's
server and OpenAI do): each top token is credited to the label it begins (" Up" -> Upheld,
"Over" -> Overturned; a token that begins several labels or none is ignored) and the credited
mass is renormalised. Where an endpoint returns no log-probabilities, `samples` answers are drawn
at temperature 1 with different seeds and counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import Field, create_model

from imr_llm._models import Contract

TOP_LOGPROBS = 10


class LabelProbs(Contract):
    """Probability of each label; `method` says how it was measured."""

    probs: dict[str, float]
    method: Literal["logprobs", "samples"]
    mass: float = Field(
        default=1.0, description="logprobs: probability mass of the top tokens that named a label."
    )


def credit(top: Sequence[tuple[str, float]], labels: Sequence[str]) -> LabelProbs | None:
    """Label probabilities from (token, logprob) pairs; None when no token names a label."""
    mass = dict.fromkeys(labels, 0.0)
    for token, logprob in top:
        t = token.strip().lower()
        if not t:
            continue
        owners = [lab for lab in labels if lab.lower().startswith(t) or t.startswith(lab.lower())]
        if len(owners) == 1:
            mass[owners[0]] += math.exp(logprob)
    total = sum(mass.values())
    if total <= 0:
        return None
    return LabelProbs(
        probs={k: v / total for k, v in mass.items()}, method="logprobs", mass=min(total, 1.0)
    )


def top_logprobs(response: Any) -> list[tuple[str, float]]:
    """(token, logprob) of the first generated token's top alternatives, [] if absent."""
    try:
        first = response.choices[0].logprobs.content[0]
    except (AttributeError, IndexError, TypeError):
        return []
    alts = getattr(first, "top_logprobs", None) or [first]
    return [(a.token, float(a.logprob)) for a in alts if getattr(a, "token", None) is not None]


def label_model(labels: Sequence[str]) -> type[Contract]:
    """A one-field response model `{"answer": <one of labels>}` for sampling."""
    # a Literal built at runtime from `labels`: a value for pydantic, not a static type
    choice: Any = Literal[tuple(labels)]
    return create_model("LabelAnswer", __base__=Contract, answer=(choice, ...))


def from_samples(answers: Sequence[str], labels: Sequence[str]) -> LabelProbs:
    n = len(answers) or 1
    return LabelProbs(probs={lab: answers.count(lab) / n for lab in labels}, method="samples")
