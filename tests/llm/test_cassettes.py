"""Replayed calls to the embedded local model (recorded with IMR_LLM_RECORD=once)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Literal

import pytest
import vcr
from pydantic import BaseModel, Field

from imr_llm.llm import Model

# SYNTHETIC: an invented record for tests; no real patient.
SYNTHETIC_RECORD = (
    "SYNTHETIC TEST RECORD - not a real patient.\n"
    "Primary treating physician progress report, 2023-05-02.\n"
    "The injured worker is a 47-year-old female warehouse associate. "
    "Date of injury: 2023-03-14, when she lifted a 40 lb box and felt low back pain."
)


class InjuryFacts(BaseModel):
    """Facts about the injured worker stated in the record."""

    age: int = Field(ge=0, le=120, description="Age in years.")
    sex: Literal["female", "male", "unknown"]
    date_of_injury: date = Field(description="Date of injury, YYYY-MM-DD.")


def test_extract_age_sex_date_of_injury(cassette_model: Model) -> None:
    messages = [
        {
            "role": "system",
            "content": "Extract the injured worker's age, sex and date of injury from the "
            "record. Answer with JSON only; write dates as YYYY-MM-DD.",
        },
        {"role": "user", "content": SYNTHETIC_RECORD},
    ]
    done = cassette_model.structured(messages, InjuryFacts, max_tokens=100)
    assert done.value == InjuryFacts(age=47, sex="female", date_of_injury=date(2023, 3, 14))
    assert done.usage.requests == 1
    assert done.usage.prompt_tokens > 0 and done.usage.completion_tokens > 0
    assert not done.cached


def test_a_changed_prompt_fails_loudly_in_replay(cassette_vcr: vcr.VCR) -> None:
    from imr_llm._errors import ModelError
    from imr_llm.llm import InstructorModel, RetryPolicy

    if os.environ.get("IMR_LLM_RECORD", "none") != "none":
        pytest.skip("checks replay only")
    model = InstructorModel(
        name="replay",
        model="qwen2.5-coder-0.5b",
        base_url="http://127.0.0.1:9/v1",  # never contacted in replay
        endpoint_id="x",
        llama_cpp=True,
        retry=RetryPolicy(max_retries=0),
        tracker=None,
    )
    path = Path(__file__).parent / "cassettes" / "test_extract_age_sex_date_of_injury.yaml"
    changed = [{"role": "user", "content": SYNTHETIC_RECORD + " (edited)"}]
    with cassette_vcr.use_cassette(str(path)), pytest.raises(ModelError) as err:
        model.structured(changed, InjuryFacts, max_tokens=100)
    assert "CannotOverwriteExistingCassetteException" in str(err.value), str(err.value)
