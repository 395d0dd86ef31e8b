"""Rendering with line references, and splitting long cases without losing a line."""

from __future__ import annotations

import pytest

from imr_llm.records import (
    CaseFile,
    Document,
    Line,
    estimate_tokens,
    render_case,
    split_case,
)


def _doc(doc_id: str, n: int, width: int = 60) -> Document:
    return Document(
        id=doc_id,
        source=f"/x/{doc_id}.txt",
        lines=[
            Line(number=i, page=1, text=(f"{doc_id} line {i} " + "x" * width) if i % 7 else "")
            for i in range(1, n + 1)
        ],
    )


def test_render_case_has_refs_and_skips_blank_lines() -> None:
    case = CaseFile(documents=[_doc("D1", 3, 0), _doc("D2", 1, 0)])
    text = render_case(case)
    assert text.splitlines() == [
        "## D1 D1.txt",
        "[D1:1] D1 line 1",
        "[D1:2] D1 line 2",
        "[D1:3] D1 line 3",
        "",
        "## D2 D2.txt",
        "[D2:1] D2 line 1",
    ]


def _covered(chunks: list[CaseFile]) -> list[tuple[str, int]]:
    return [
        (d.id, ln.number) for c in chunks for d in c.documents for ln in d.lines if ln.text.strip()
    ]


@pytest.mark.parametrize("budget", [40, 150, 700, 100_000])
def test_long_case_is_split_and_fully_covered(budget: int) -> None:
    case = CaseFile(documents=[_doc("D1", 120), _doc("D2", 5), _doc("D3", 60)])
    chunks = split_case(case, budget)
    expected = [(d.id, ln.number) for d in case.documents for ln in d.lines if ln.text.strip()]
    assert _covered(chunks) == expected  # every non-blank line once, in order, never cut
    for chunk in chunks:
        rendered = render_case(chunk)
        # a chunk only exceeds the budget when it is one line that cannot be cut
        assert (
            estimate_tokens(rendered) + 1 <= budget
            or sum(len(d.lines) for d in chunk.documents) == 1
        )
    if budget < estimate_tokens(render_case(case)):
        assert len(chunks) > 1
    else:
        assert len(chunks) == 1


def test_split_rejects_nonpositive_budget() -> None:
    with pytest.raises(ValueError):
        split_case(CaseFile(documents=[_doc("D1", 2)]), 0)
