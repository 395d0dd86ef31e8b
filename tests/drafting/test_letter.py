"""draft_letter(): items from the records' disputed requests, official section order."""

from __future__ import annotations

import pytest

from imr_llm._errors import InputError
from imr_llm.drafting import LetterDraft, draft_letter
from imr_llm.records import CaseFile, case_from_text

from .conftest import SUMMARY_SCRIPT, FakeLibrary, ScriptedModel, item_script


@pytest.mark.usefixtures("blend_decisions")
def test_letter_sections_in_official_order(small_case: CaseFile) -> None:
    model = ScriptedModel({**SUMMARY_SCRIPT, **item_script(1)})
    done = draft_letter(small_case, model, FakeLibrary())
    letter = done.value
    LetterDraft.model_validate(letter.model_dump())
    text = letter.text
    order = [
        "Date of Injury: 11/02/2016",
        "UR Denial Date: 12/19/2016",
        "HOW THE IMR FINAL DETERMINATION WAS MADE",
        "CLINICAL CASE SUMMARY",
        "The injured worker is a 53 year old female",
        "IMR ISSUES, DECISIONS AND RATIONALES",
        "Physical therapy additional 3 visits per week for 2 weeks: Upheld",
        "Claims Administrator guideline:",
        "MAXIMUS guideline: Decision based on MTUS Chronic Pain Medical Treatment 2016, "
        "Section(s): Physical medicine treatment.",
        "Decision rationale: The records document no functional improvement.",
    ]
    positions = [text.find(s) for s in order]
    assert -1 not in positions, order[positions.index(-1)]
    assert positions == sorted(positions)
    assert done.usage.requests == 9  # 3 summary calls, 5 decision samples, 1 rationale
    assert letter.prompts_version and letter.model == "scripted"


def test_explicit_items_and_missing_items(small_case: CaseFile) -> None:
    model = ScriptedModel({**SUMMARY_SCRIPT, **item_script(2)})
    summary = draft_letter(small_case, model, FakeLibrary(), items=["A", "B"]).value
    assert [i.request for i in summary.items] == ["A", "B"]
    empty = SUMMARY_SCRIPT | {"RequestFacts": [{"disputed_requests": [], "ur": []}]}
    no_request_lines = case_from_text("Date of injury: 11/02/2016\nAge: 53 Sex: Female")
    with pytest.raises(InputError, match="--item"):
        draft_letter(no_request_lines, ScriptedModel(empty), FakeLibrary())


def test_the_cases_own_letter_is_never_its_precedent(small_case: CaseFile) -> None:
    from imr_llm.precedents import Precedent, PrecedentCorpus

    doc = small_case.documents[0]
    line = doc.lines[0].model_copy(update={"text": doc.lines[0].text + " Case CM17-0000042"})
    case = small_case.model_copy(
        update={
            "documents": [
                doc.model_copy(update={"lines": [line, *doc.lines[1:]]}),
                *small_case.documents[1:],
            ]
        }
    )
    request = "Physical therapy additional 3 visits per week for 2 weeks"
    others = ["Norco 10/325 #60", "MRI of the lumbar spine", "Acupuncture x6", "TENS unit"]
    corpus = PrecedentCorpus(  # (Okapi BM25 needs a few unrelated items to weigh the words)
        [
            Precedent(
                case_number=c, request=request, decision="Upheld", service="physical_medicine"
            )
            for c in ("CM17-0000042", "CM16-0000001")
        ]
        + [
            Precedent(case_number=f"CM16-000001{i}", request=r, decision="Upheld", service="x")
            for i, r in enumerate(others)
        ]
    )
    model = ScriptedModel({**SUMMARY_SCRIPT, **item_script(1)})
    letter = draft_letter(case, model, FakeLibrary(), precedents=corpus).value
    assert letter.case_number == "CM17-0000042"
    found = [p.case_number for p in letter.items[0].precedents]
    assert found[0] == "CM16-0000001" and "CM17-0000042" not in found
