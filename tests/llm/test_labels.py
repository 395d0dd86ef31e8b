"""Label probabilities from the first token's top log-probabilities, and the sampling fallback."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest

from imr_llm.llm._labels import credit, from_samples, top_logprobs

LABELS = ("Upheld", "Overturned")


def test_tokens_are_credited_to_the_label_they_begin() -> None:
    top = [
        ("Over", math.log(0.5)),
        (" Up", math.log(0.2)),
        ("U", math.log(0.1)),
        ("Not", math.log(0.1)),
    ]
    probs = credit(top, LABELS)
    assert probs is not None
    assert probs.probs["Overturned"] == pytest.approx(0.5 / 0.8)
    assert probs.probs["Upheld"] == pytest.approx(0.3 / 0.8)
    assert probs.mass == pytest.approx(0.8) and probs.method == "logprobs"


def test_a_token_naming_no_label_gives_none() -> None:
    assert credit([("{", 0.0), ("Not", -1.0)], LABELS) is None
    assert credit([], LABELS) is None


def test_top_logprobs_read_from_a_chat_completion() -> None:
    alt = [SimpleNamespace(token="Over", logprob=-0.1), SimpleNamespace(token="Up", logprob=-2.0)]
    response = SimpleNamespace(
        choices=[
            SimpleNamespace(logprobs=SimpleNamespace(content=[SimpleNamespace(top_logprobs=alt)]))
        ]
    )
    assert top_logprobs(response) == [("Over", -0.1), ("Up", -2.0)]
    assert top_logprobs(SimpleNamespace(choices=[SimpleNamespace(logprobs=None)])) == []


def test_samples_are_counted() -> None:
    probs = from_samples(["Upheld", "Overturned", "Upheld", "Upheld"], LABELS)
    assert probs.probs == {"Upheld": 0.75, "Overturned": 0.25} and probs.method == "samples"
