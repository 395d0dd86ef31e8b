"""Whitespace repair units: de-doubling, furniture, page joins, line joins."""

from __future__ import annotations

from imr_llm.letters._repair import (
    flow,
    is_doubled,
    join_lines,
    paragraphs,
    repair,
    undouble,
)


def test_undouble_keeps_real_blank_lines_and_page_gaps() -> None:
    raw = ["one ", "", "two ", "", " ", "", "three ", "", "", "", "four"]
    assert is_doubled([*raw, "", *raw])
    assert undouble(raw) == ["one ", "two ", " ", "three ", "", "four"]


def test_plain_text_is_not_doubled() -> None:
    assert not is_doubled(["a", "b", "", "c", "d", "e", "f", "g", "h"])


def test_page_furniture_removed_and_sentence_rejoined() -> None:
    pages = [
        "IMR Case Number CM16-0000001\nThe patient reports pain in the\n\n2",
        "IMR Case Number CM16-0000001\nleft knee since the fall.\nPage 2 of 3",
        "IMR Case Number CM16-0000001\nNew paragraph here.\n- 3 -",
    ]
    assert repair("\f".join(pages)) == [
        "IMR Case Number CM16-0000001",  # kept on page 1: it may be the only case number
        "The patient reports pain in the",
        "left knee since the fall.",
        "",
        "New paragraph here.",
    ]


def test_running_header_without_case_number_is_removed() -> None:
    page = "Final Determination Letter\nText line {n}.\nMore text {n}."
    text = "\f".join(page.format(n=n) for n in range(1, 4))
    assert "Final Determination Letter" not in "\n".join(repair(text))


def test_prose_line_repeated_at_page_tops_is_kept() -> None:
    pages = ["not medically necessary.\nA", "not medically necessary.\nB"]
    assert repair("\f".join(pages)).count("not medically necessary.") == 2


def test_mid_sentence_blank_line_is_healed_but_paragraphs_stay() -> None:
    lines = repair("The request for\n\n\nphysical therapy is denied.\n\nNext paragraph.")
    assert lines == ["The request for", "physical therapy is denied.", "", "Next paragraph."]


def test_join_lines_hyphens_urls_and_spaces() -> None:
    assert join_lines(["a medical-", "legal evaluator"]) == "a medical-legal evaluator"
    assert join_lines(["Low Back -", "Lumbar"]) == "Low Back - Lumbar"
    assert join_lines(["dated 10-30-", "2016, the"]) == "dated 10-30-2016, the"
    assert join_lines(["see https://www.cms.gov/Regulations/", "Guidance/x.pdf now"]) == (
        "see https://www.cms.gov/Regulations/Guidance/x.pdf now"
    )
    assert join_lines(["  two   spaces  ", "\tand a tab"]) == "two spaces and a tab"


def test_paragraph_per_line_text() -> None:
    long_a = "The patient is a 46-year-old man. " * 8
    long_b = "Physical examination demonstrated lumbar tenderness. " * 6
    lines = [long_a.strip(), long_b.strip() + " Criteria for", "admission include pain."]
    assert len(paragraphs(lines)) == 2
    assert flow(lines).endswith("Criteria for admission include pain.")


def test_normalisation_of_odd_characters() -> None:
    assert repair("ef\ufb01cacy\u00a0and\u200b co\r\nnext\rline") == [
        "efficacy and co",
        "next",
        "line",
    ]


def test_case_number_only_in_page_banners_is_found() -> None:
    from letters_factory import HEADER, Item, make_letter

    from imr_llm.letters import parse_letter_text

    banner = "Final Determination Letter for IMR Case Number CM13-0000004"
    body = make_letter(
        [Item("MRI of the knee"), Item("Acupuncture")],
        header=HEADER.replace("Case Number: CM17-0001234\n", ""),
    )
    lines = body.split("\n")
    pages = [lines[:30], lines[30:60], lines[60:]]
    text = "\f".join("\n".join([banner, *page, "Page 1 of 3"]) for page in pages)
    letter = parse_letter_text(text, "banner.txt")
    assert letter.case_number == "CM13-0000004"
    assert letter.date_assigned is not None
    assert banner not in letter.clinical_case_summary
    assert all(banner not in i.decision_rationale for i in letter.items)
    assert [i.request for i in letter.items] == ["MRI of the knee", "Acupuncture"]
