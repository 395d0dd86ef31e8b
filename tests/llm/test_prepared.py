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


def test_patched_create_is_built_once_and_calls_this_threads_sender() -> None:
    import threading

    from imr_llm.llm._prepared import patched_create

    mode = instructor.Mode.JSON_SCHEMA
    seen: dict[str, list[str]] = {"a": [], "b": []}
    barrier = threading.Barrier(2)

    def sender_for(name: str):  # type: ignore[no-untyped-def]
        def send(**kwargs: object) -> None:
            seen[name].append(str(kwargs["model"]))
            barrier.wait(timeout=5)  # both threads inside a call at once

        return send

    functions = [patched_create(mode, sender_for("warm-up"))]  # built once, then reused

    def work(name: str) -> None:
        create = patched_create(mode, sender_for(name))
        functions.append(create)
        create(model=name, messages=[])  # no response_model: instructor passes the call through

    threads = [threading.Thread(target=work, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert functions[0] is functions[1] is functions[2]
    assert seen == {"a": ["a"], "b": ["b"]}


def test_the_async_validator_check_is_memoised_and_still_refuses() -> None:
    import pytest
    from instructor.v2.core import patch as core_patch
    from instructor.v2.validation import async_validators

    import imr_llm.llm._prepared  # noqa: F401  # applies the memo on import

    check = async_validators.reject_async_validators
    assert getattr(check, "memoised_by_imr_llm", False)
    assert core_patch.reject_async_validators is check  # type: ignore[attr-defined]

    class Plain(BaseModel):
        x: int

    class WithAsync(BaseModel):
        x: int

        def check_x(self) -> None: ...

    WithAsync.check_x.__async_validator__ = True  # type: ignore[attr-defined]
    for _ in range(2):
        assert check(Plain) is None
        with pytest.raises(ValueError, match="async validators"):
            check(WithAsync)
