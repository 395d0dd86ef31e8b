"""`prepared`: instructor's response-model wrapper built once, its schema served from a copy."""

from __future__ import annotations

import instructor
from pydantic import BaseModel

from imr_llm.llm._prepared import prepared


class Answer(BaseModel):
    decision: str
    score: int = 0


def test_prepared_is_instructors_wrapper_built_once() -> None:
    wrapped = prepared(Answer)
    assert wrapped is prepared(Answer)
    assert issubclass(wrapped, Answer)
    assert issubclass(wrapped, instructor.OpenAISchema)  # instructor uses it as it is
    assert wrapped.model_json_schema() == instructor.openai_schema(Answer).model_json_schema()
    assert wrapped.model_validate({"decision": "Upheld"}).decision == "Upheld"


def test_prepared_schema_is_a_fresh_copy_each_time() -> None:
    wrapped = prepared(Answer)
    first = wrapped.model_json_schema()
    first["properties"]["decision"]["type"] = "integer"
    assert wrapped.model_json_schema()["properties"]["decision"]["type"] == "string"
    # other schema modes are still computed
    assert wrapped.model_json_schema(mode="serialization")["title"] == "Answer"
