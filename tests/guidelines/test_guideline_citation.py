"""Citation lines are built from metadata in the real letters' wording."""

from __future__ import annotations

from imr_llm.guidelines import Excerpt, citation_for


def make(**fields: object) -> Excerpt:
    base: dict[str, object] = {
        "id": "x",
        "guideline": "Chronic Pain Medical Treatment",
        "basis": "MTUS",
        "topic": "physical medicine",
        "year": 2016,
        "sections": ["Physical medicine treatment"],
        "kind": "regulation",
        "source": "test",
        "text": "Some text.",
    }
    base.update(fields)
    return Excerpt.model_validate(base)


def test_mtus_line() -> None:
    citation = make().citation()
    assert citation.text == (
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, "
        "Section(s): Physical medicine treatment."
    )
    assert citation.basis == "MTUS"
    assert citation.guideline == "Chronic Pain Medical Treatment"
    assert citation.year == 2016
    assert citation.sections == ["Physical medicine treatment"]
    assert citation.pages == []


def test_mtus_without_sections() -> None:
    excerpt = make(guideline="Acupuncture Treatment", year=2007, sections=[])
    assert excerpt.citation().text == "Decision based on MTUS Acupuncture Treatment 2007."


def test_mtus_multiple_sections() -> None:
    excerpt = make(
        guideline="Shoulder Complaints", year=2004, sections=["Special Studies", "Summary"]
    )
    assert excerpt.citation().text == (
        "Decision based on MTUS Shoulder Complaints 2004, Section(s): Special Studies, Summary."
    )


def test_older_page_format() -> None:
    excerpt = make(
        guideline="Chronic Pain Treatment Guidelines",
        year=None,
        sections=["Work conditioning"],
        pages=["125"],
    )
    citation = excerpt.citation()
    assert citation.text == (
        "Decision based on MTUS Chronic Pain Treatment Guidelines Work conditioning Page(s): 125."
    )
    assert citation.pages == ["125"]


def test_non_mtus_line() -> None:
    excerpt = make(
        guideline="Official Disability Guidelines (ODG)",
        basis="Non-MTUS",
        chapter="Shoulder",
        sections=["MRI"],
        year=None,
    )
    citation = excerpt.citation()
    assert citation.text == (
        "The Expert Reviewer based their decision on recommendation(s) outside of the MTUS "
        "Guidelines. Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) "
        "Shoulder, MRI."
    )
    assert citation.basis == "Non-MTUS"
    assert citation.guideline == "Official Disability Guidelines (ODG) Shoulder, MRI"


def test_combined_mtus_chapters_and_non_mtus() -> None:
    low_back = make(guideline="Low Back Complaints", year=2004, sections=["Initial Care"])
    chronic = make()
    odg = make(
        guideline="Official Disability Guidelines (ODG)",
        basis="Non-MTUS",
        chapter="Low Back",
        sections=["Physical therapy"],
    )
    citation = citation_for([low_back, chronic, odg])
    assert citation.text == (
        "Decision based on MTUS Low Back Complaints 2004, Section(s): Initial Care, and Chronic "
        "Pain Medical Treatment 2016, Section(s): Physical medicine treatment. Decision based on "
        "Non-MTUS Citation Official Disability Guidelines (ODG) Low Back, Physical therapy."
    )
    assert citation.basis == "MTUS"
    assert citation.sections == ["Initial Care", "Physical medicine treatment"]


def test_no_excerpts_means_no_evidence_line() -> None:
    citation = citation_for([])
    assert citation.basis == "none"
    assert (
        citation.text == "The Expert Reviewer did not cite any medical evidence for its decision."
    )


def test_repeated_excerpt_is_cited_once() -> None:
    excerpt = make()
    assert citation_for([excerpt, excerpt]).text == excerpt.citation().text
