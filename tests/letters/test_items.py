"""Items: segmentation on structural markers, modified-UR headers, awkward request text."""

from __future__ import annotations

import pytest
from letters_factory import Item, make_letter

from imr_llm._errors import LetterParseError
from imr_llm.letters import parse_letter_text
from imr_llm.letters._items import header_start, split_request

AWKWARD_REQUESTS = [
    "MRI of the lumbar spine without contrast",
    "Associated surgical service: Shoulder brace",
    "EIGHT SESSIONS OF WORK HARDENING FOR THE LUMBAR SPINE (RETROSPECTIVE: 11/5/13)",
    "Retrospective request for Toradol 60mg IM injection (DOS: 10/14/2016)",
    "Norco 10/325mg #60 with 2 refills, per Dr. Smith",
    "Physical therapy 2x/wk x 6 weeks (12 sessions) for the cervical, thoracic, and lumbar spine",
    "Flurbiprofen 20%, Baclofen 5%, Dexamethasone 2%, Menthol 2%, Capsaicin 0.025% in cream "
    "base, 180 grams",
]


@pytest.mark.parametrize("width", [40, 66, 90, 200])
@pytest.mark.parametrize("blank_lines", [True, False])
def test_awkward_requests_survive_any_wrapping(width: int, blank_lines: bool) -> None:
    decisions = ["Upheld", "Overturned", "Upheld", "Upheld", "Overturned", "Upheld", "Upheld"]
    items = [Item(r, d) for r, d in zip(AWKWARD_REQUESTS, decisions, strict=True)]
    letter = parse_letter_text(make_letter(items, width=width, blank_lines=blank_lines), "x.txt")
    assert [i.request for i in letter.items] == AWKWARD_REQUESTS
    assert [i.decision for i in letter.items] == decisions
    assert all(i.original_request is None for i in letter.items)
    assert all(i.decision_rationale.endswith("not medically necessary.") for i in letter.items)


def test_twenty_two_items() -> None:
    requests = [f"Physical therapy session number {n} for the knee" for n in range(1, 23)]
    decisions = ["Overturned" if n % 5 == 0 else "Upheld" for n in range(22)]
    items = [Item(r, d) for r, d in zip(requests, decisions, strict=True)]
    letter = parse_letter_text(make_letter(items, width=70), "x.txt")
    assert [(i.request, i.decision) for i in letter.items] == list(
        zip(requests, decisions, strict=True)
    )


MODIFIED = [
    (
        "Norco 10/325mg #60 was the original request. Norco 10/325mg #25 was authorized by the "
        "Claims Administrator. The remaining IMR eligible portion of the original request, Norco "
        "10/325mg #35 is",
        "Norco 10/325mg #35",
        "Norco 10/325mg #60",
    ),
    (
        "Partial Hospitalization day treatment was the original request. The Claims "
        "Administrator authorized an Evaluation only for a Partial Hospitalization day "
        "treatment, leaving the original request IMR eligible. The original request, Partial "
        "Hospitalization day treatment is",
        "Partial Hospitalization day treatment",
        "Partial Hospitalization day treatment",
    ),
    (
        "The Utilization Review on 11/15/2016 was modified. The request for Acupuncture, 8 "
        "sessions was the original request. Acupuncture, 6 sessions was authorized by the "
        "Claims Administrator. The remaining IMR eligible portion of the original request, "
        "Acupuncture for 2 sessions is",
        "Acupuncture for 2 sessions",
        "The request for Acupuncture, 8 sessions",
    ),
]


@pytest.mark.parametrize("width", [35, 60, 95])
@pytest.mark.parametrize("blank_lines", [True, False])
def test_modified_ur_items_in_any_position(width: int, blank_lines: bool) -> None:
    items = [Item("MRI of the right knee")]
    for header, _, _ in MODIFIED:
        items.append(Item(header))
    items.append(Item("Urine drug screen", "Overturned"))
    letter = parse_letter_text(make_letter(items, width=width, blank_lines=blank_lines), "x.txt")
    got = [(i.request, i.original_request) for i in letter.items]
    expected = [("MRI of the right knee", None)]
    expected += [(req, orig) for _, req, orig in MODIFIED]
    expected += [("Urine drug screen", None)]
    assert got == expected
    assert [i.decision[0] for i in letter.items] == list("UUUUO")


@pytest.mark.parametrize(("header", "wanted", "original"), MODIFIED)
def test_split_request(header: str, wanted: str, original: str) -> None:
    assert split_request(header) == (wanted, original)


def test_split_request_plain() -> None:
    assert split_request("Chiropractic care for the low back; six sessions") == (
        "Chiropractic care for the low back; six sessions",
        None,
    )
    assert split_request("The Utilization Review on 1/5/2017 was modified. Norco #60 is") == (
        "Norco #60",
        None,
    )


def test_decision_on_its_own_line_and_upper_case() -> None:
    text = make_letter([Item("Acupuncture x 6"), Item("TENS unit purchase")], width=200)
    text = text.replace("Acupuncture x 6: Upheld", "Acupuncture x 6:\n\nUPHELD")
    text = text.replace("TENS unit purchase: Upheld", "TENS unit purchase:  \nOverturned ")
    letter = parse_letter_text(text, "x.txt")
    assert [(i.request, i.decision) for i in letter.items] == [
        ("Acupuncture x 6", "Upheld"),
        ("TENS unit purchase", "Overturned"),
    ]


def test_rationale_quoting_a_decision_word_does_not_start_an_item() -> None:
    rationale = (
        "The prior reviewer noted the following: Upheld\nin part by the treating physician's "
        "own notes. The request is not medically necessary."
    )
    letter = parse_letter_text(
        make_letter([Item("X-ray of the knee", rationale=rationale)]), "x.txt"
    )
    assert len(letter.items) == 1
    assert "noted the following: Upheld in part" in letter.items[0].decision_rationale


def test_header_start_without_any_line_break() -> None:
    window = " The request is not medically necessary. MRI of the knee"
    assert window[header_start(window) :] == "MRI of the knee"


def test_header_start_stops_at_sentence_end_not_at_abbreviation() -> None:
    window = " Rationale text.\nMore rationale ends here.\nNorco per Dr.\nSmith #60"
    assert window[header_start(window) :] == "Norco per Dr.\nSmith #60"


def test_item_without_rationale_is_reported_as_cut_off() -> None:
    text = make_letter([Item("MRI of the knee")])
    text = text[: text.index("Decision rationale:")]
    with pytest.raises(LetterParseError, match=r"item 1 is cut off.*Decision rationale"):
        parse_letter_text(text, "cut.txt")


def test_letter_cut_off_before_items() -> None:
    text = make_letter([Item("MRI of the knee")])
    text = text[: text.index("MRI of the knee: Upheld")]
    with pytest.raises(LetterParseError, match="cut off before its items"):
        parse_letter_text(text, "cut.txt")


def test_decision_word_split_by_a_layout_extractor() -> None:
    text = make_letter([Item("Acupuncture x 6"), Item("TENS unit")])
    text = text.replace("Acupuncture x 6: Upheld", "Acupuncture x 6: Uph eld")
    letter = parse_letter_text(text, "x.txt")
    assert [(i.request, i.decision) for i in letter.items] == [
        ("Acupuncture x 6", "Upheld"),
        ("TENS unit", "Upheld"),
    ]


def test_unreadable_decision_is_an_error_not_a_lost_item() -> None:
    text = make_letter([Item("Acupuncture x 6"), Item("TENS unit"), Item("MRI")])
    text = text.replace("TENS unit: Upheld", "TENS unit: Upheld in part")
    with pytest.raises(
        LetterParseError, match="3 'Claims Administrator guideline:' lines but only 2"
    ):
        parse_letter_text(text, "x.txt")
