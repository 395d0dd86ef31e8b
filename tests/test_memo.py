"""`imr_llm._memo.per_object`: a value per live object, by identity."""

from __future__ import annotations

import gc

from imr_llm._memo import per_object
from imr_llm.records import case_from_text


def test_one_computation_per_object_and_none_kept_after_it_dies() -> None:
    calls: list[int] = []

    @per_object
    def lines(case: object) -> int:
        calls.append(id(case))
        return len(case.documents[0].lines)  # type: ignore[attr-defined]

    a = case_from_text("one\ntwo")
    b = case_from_text("one\ntwo")  # equal, but another object
    assert lines(a) == lines(a) == lines(b) == 2
    assert len(calls) == 2
    del a, b
    gc.collect()
    assert len(lines) == 0
