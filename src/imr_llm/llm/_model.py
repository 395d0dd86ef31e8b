"""The model abstraction every step uses: messages + a pydantic response model in,
a validated object plus usage out. Implementations: the instructor-backed OpenAI-compatible
client (hosted or the embedded local server)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

from imr_llm._models import Contract
from imr_llm.llm._labels import LabelProbs, from_samples, label_model

T = TypeVar("T", bound=BaseModel)

Message = dict[str, Any]
"""An OpenAI chat message: {"role": "system"|"user"|"assistant", "content": str}."""


class Usage(Contract):
    """Token and cost accounting; failed attempts and re-asks are included."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    requests: int = Field(default=0, description="HTTP requests made (attempts and re-asks).")
    cache_hits: int = 0
    cost_usd: float | None = Field(default=None, description="None when the price is unknown.")
    latency_s: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        cost = (
            None
            if self.cost_usd is None and other.cost_usd is None
            else (self.cost_usd or 0.0) + (other.cost_usd or 0.0)
        )
        return Usage(
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            requests=self.requests + other.requests,
            cache_hits=self.cache_hits + other.cache_hits,
            cost_usd=cost,
            latency_s=self.latency_s + other.latency_s,
        )


class Completion(BaseModel, Generic[T]):
    """A validated response and what it cost."""

    value: T
    usage: Usage
    cached: bool = False


class Model(ABC):
    """Anything that turns messages into a validated pydantic object."""

    name: str

    @abstractmethod
    def structured(
        self,
        messages: list[Message],
        response_model: type[T],
        *,
        max_tokens: int | None = None,
        temperature: float | None = None,
    ) -> Completion[T]:
        """Return a `response_model` instance validated from the model's answer."""

    def label_probs(
        self, messages: list[Message], labels: Sequence[str], *, samples: int = 5
    ) -> Completion[LabelProbs]:
        """P(label) for the answer to `messages`. This default draws `samples` structured
        answers at temperature 1 (seeds 0..samples-1) and counts them; endpoints that return
        token log-probabilities override it with one 1-token request."""
        response_model = label_model(labels)
        usage, answers, cached = Usage(), [], True
        for seed in range(samples):
            done = self.structured(
                messages, response_model, max_tokens=20, temperature=1.0, **_seed_kw(self, seed)
            )
            usage, cached = usage + done.usage, cached and done.cached
            # `answer` is the field label_model() builds at runtime
            answers.append(str(done.value.answer))  # type: ignore[attr-defined]
        return Completion[LabelProbs](
            value=from_samples(answers, labels), usage=usage, cached=cached
        )


def _seed_kw(model: Model, seed: int) -> dict[str, Any]:
    """`seed=` for models whose `structured` accepts it (the instructor client does)."""
    import inspect

    return {"seed": seed} if "seed" in inspect.signature(model.structured).parameters else {}
