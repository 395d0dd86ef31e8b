"""The earliest (mid/late-2013) layout: "Notice of Independent Medical Review Determination".

CONSTRUCTED TEST FIXTURES: the letters below are not real letters. They are modelled on the
public copy of a 2013 letter quoted in the module docstring of `imr_llm.letters._notice2013`
(title line, the numbered decision list printed twice, "Medical Qualifications of the Expert
Reviewer", "Case Summary:" with its disclaimer). Their labelled header lines and per-item
"Regarding the request for" sections follow the layout as best known, not a verified copy.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from datetime import date

import pytest

from imr_llm._errors import LetterParseError
from imr_llm.letters import DecisionLetter, parse_letter_text
from imr_llm.letters._citations2013 import parse_citation_2013

QUALIFICATIONS = """\
Medical Qualifications of the Expert Reviewer:
The independent Medical Doctor who made the decision has no affiliation with the
employer, employee, providers or the claims administrator. The physician reviewer is
{creds}
He/she has been in active clinical practice for more than five years and is currently
working at least 24 hours a week in active practice. The physician reviewer was
selected based on his/her clinical experience, education, background, and expertise in
the same or similar specialties that evaluate and/or treat the medical condition and
disputed items/services. He/she is familiar with governing laws and regulations,
including the strength of evidence hierarchy that applies to Independent Medical
Review determinations.
"""

PREAMBLE = """\
INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE
An application for Independent Medical Review was filed on {filed} disputing the
Utilization Review Denial dated {ur}. A Notice of Assignment and Request for
Information was provided to the above parties on {assigned}. A decision has been made
for each of the treatment and/or services that were in dispute:
"""

DISCLAIMER = """\
Case Summary:
Disclaimer: The following case summary was taken directly from the utilization review
denial/modification dated {ur_long}.
"""

PMR_QUALIFICATIONS = QUALIFICATIONS.format(
    creds="Board Certified in Physical Medicine and Rehabilitation, has a subspecialty in Pain\n"
    "Medicine and is licensed to practice in California and Arizona."
)

OCC_QUALIFICATIONS = QUALIFICATIONS.format(
    creds="Board Certified in Occupational Medicine and is licensed to practice in California."
)
ANES_QUALIFICATIONS = QUALIFICATIONS.format(
    creds="Board Certified in Anesthesiology and is licensed to practice in California."
)

ONE_ITEM = f"""\
MAXIMUS FEDERAL SERVICES, INC. Notice of Independent Medical Review Determination Dated: 9/26/2013

IMR Case Number: CM13-0012345 Date of Injury: 8/28/2001
Claim Number: 05-123456 UR Denial Date: 8/30/2013

1) MAXIMUS Federal Services, Inc. has determined the request for a 28 day
functional restoration program is notmedically necessary and appropriate.

{PREAMBLE.format(filed="9/6/2013", ur="8/30/2013", assigned="9/23/2013")}
1) MAXIMUS Federal Services, Inc. has determined the request for a 28 day
functional restoration program is notmedically necessary and appropriate.

{OCC_QUALIFICATIONS}
{DISCLAIMER.format(ur_long="August 30, 2013")}
"The patient is a 44 year-old female with a date of Injury of 8/28/2001. The provider
submitted a request for 28 days of residential functional restoration program. The
patient has chronic low back pain and has completed physical therapy and medications."

1) Regarding the request for 28 day functional restoration program:

Medical Treatment Guideline(s) Used by the Claims Administrator (Utilization Review
Organization):
The Claims Administrator based its decision on the Chronic Pain Medical Treatment
Guidelines (May 2009), Functional Restoration Programs, pages 30-32, which is part of
the MTUS.

Medical Treatment Guideline(s) Used by the Expert Reviewer:
The Expert Reviewer found the Guideline used by the Claims Administrator relevant and
appropriate for the employee's clinical circumstance.

Rationale Used by the Expert Reviewer:
The guidelines support a functional restoration program when previous methods of
treating chronic pain have been unsuccessful and there is an absence of other options
likely to result in significant clinical improvement. The records do not document a
baseline functional evaluation. The request for 28 day functional restoration program
is not medically necessary and appropriate.

/jc
"""

TWO_ITEMS = f"""\
MAXIMUS FEDERAL SERVICES, INC. Notice of Independent Medical Review Determination Dated: 11/4/2013

1) MAXIMUS Federal Services, Inc. has determined the request for physical therapy 2x6
for the lumbar spine is not medically necessary and appropriate.
2) MAXIMUS Federal Services, Inc. has determined the request for a urine drug screen
is medically necessary and appropriate.

{PREAMBLE.format(filed="10/1/2013", ur="9/12/2013", assigned="10/21/2013")}
1) MAXIMUS Federal Services, Inc. has determined the request for physical therapy 2x6
for the lumbar spine is not medically necessary and appropriate.
2) MAXIMUS Federal Services, Inc. has determined the request for a urine drug screen
is medically necessary and appropriate.

{PMR_QUALIFICATIONS}
{DISCLAIMER.format(ur_long="September 12, 2013")}
"The patient is a 52 year-old male who injured his low back on 3/14/2012 while lifting a
crate. He has had 18 sessions of physical therapy to date. Current medications include
tramadol and cyclobenzaprine. A request was made for additional physical therapy and a
urine drug screen."

The patient reports ongoing low back pain rated 6/10 with radiation to the left leg.

1) Regarding the request for physical therapy 2x6 for the lumbar spine:

Medical Treatment Guideline(s) Used by the Claims Administrator (Utilization Review
Organization):
Official Disability Guidelines (ODG), Low Back Chapter, Physical Therapy, which is not
part of the MTUS.

Medical Treatment Guideline(s) Used by the Expert Reviewer:
The Expert Reviewer based his/her decision on the Chronic Pain Medical Treatment
Guidelines (2009), Physical Medicine, pages 98-99, which is part of the MTUS.

Rationale Used by the Expert Reviewer:
The guidelines allow for 9-10 visits over 8 weeks for myalgia. The patient has already
completed 18 sessions without documented functional improvement. The request for
physical therapy 2x6 for the lumbar spine is not medically necessary and appropriate.

2) Regarding the request for a urine drug screen:

Medical Treatment Guideline(s) Used by the Claims Administrator (Utilization Review
Organization):
None cited.

Medical Treatment Guideline(s) Used by the Expert Reviewer:
The Expert Reviewer based his/her decision on the Chronic Pain Medical Treatment
Guidelines (May 2009), Drug Testing, page 43, which is part of the MTUS.

Rationale Used by the Expert Reviewer:
The guidelines recommend drug testing as an option to assess for the use or the
presence of illegal drugs in patients on opioid therapy. The patient is prescribed
tramadol. The request for a urine drug screen is medically necessary and appropriate.
"""

NO_SECTIONS = f"""\
MAXIMUS FEDERAL SERVICES, INC. Notice of Independent Medical Review Determination Dated: 12/2/2013

MAXIMUS Federal Services, Inc. has determined the request for a lumbar epidural steroid
injection at L4-5 is not medically necessary and appropriate.

{PREAMBLE.format(filed="11/1/2013", ur="10/18/2013", assigned="11/20/2013")}
MAXIMUS Federal Services, Inc. has determined the request for a lumbar epidural steroid
injection at L4-5 is not medically necessary and appropriate.

{ANES_QUALIFICATIONS}
{DISCLAIMER.format(ur_long="October 18, 2013")}
"The patient is a 61 year-old female with chronic low back pain. MRI shows mild
degenerative changes without nerve root compression."
"""

DISAGREE = TWO_ITEMS.replace(
    """2) MAXIMUS Federal Services, Inc. has determined the request for a urine drug screen
is medically necessary and appropriate.

Medical Qualifications""",
    "\nMedical Qualifications",
)


def _damaged(text: str, width: int = 47) -> str:
    """`text` re-wrapped at `width`, "not medically" joined, page breaks with page numbers and
    a running banner inside sentences."""
    paras = [textwrap.fill(" ".join(p.split()), width) for p in text.split("\n\n") if p.strip()]
    lines = "\n\n".join(paras).replace("not medically", "notmedically").split("\n")
    out: list[str] = []
    page = 1
    for n, line in enumerate(lines, 1):
        out.append(line)
        if n % 23 == 0 and line.strip() and not line.rstrip().endswith("."):
            page += 1
            out += ["", f"Page {page - 1} of 9", "\f" + "IMR Case Number CM13-0098765"]
    return "\n".join(out)


def _parse(text: str, name: str = "notice.txt") -> DecisionLetter:
    return parse_letter_text(text, name)


def test_one_item_upheld() -> None:
    letter = _parse(ONE_ITEM)
    assert letter.case_number == "CM13-0012345"
    assert letter.decision_date == date(2013, 9, 26)
    assert letter.ur_denial_date == date(2013, 8, 30)
    assert letter.application_received == date(2013, 9, 6)
    assert letter.date_assigned == date(2013, 9, 23)
    assert letter.date_of_injury == date(2001, 8, 28)
    assert letter.priority is None
    assert letter.reviewer.specialties == ["Occupational Medicine"]
    assert letter.reviewer.licensure == ["California"]
    assert letter.clinical_case_summary.startswith('"The patient is a 44 year-old female')
    assert letter.clinical_case_summary.endswith('medications."')
    assert "Disclaimer" not in letter.clinical_case_summary
    [item] = letter.items
    assert item.request == "28 day functional restoration program"  # section drops the "a"
    assert item.decision == "Upheld"
    ca, mx = item.claims_administrator_guideline, item.maximus_guideline
    assert (ca.basis, ca.guideline, ca.year) == (
        "MTUS",
        "Chronic Pain Medical Treatment Guidelines",
        2009,
    )
    assert ca.sections == ["Functional Restoration Programs"] and ca.pages == ["30-32"]
    assert (mx.basis, mx.guideline, mx.pages) == ("MTUS", ca.guideline, ["30-32"])
    assert mx.text.startswith("The Expert Reviewer found the Guideline")
    assert item.decision_rationale.startswith("The guidelines support a functional")
    assert item.decision_rationale.endswith("is not medically necessary and appropriate.")
    assert item.original_request is None


def test_two_items_mixed() -> None:
    letter = _parse(TWO_ITEMS)
    assert [(i.request, i.decision) for i in letter.items] == [
        ("physical therapy 2x6 for the lumbar spine", "Upheld"),
        ("a urine drug screen", "Overturned"),  # the section keeps the article
    ]
    assert letter.case_number is None and letter.date_of_injury is None
    assert letter.decision_date == date(2013, 11, 4)
    assert letter.ur_denial_date == date(2013, 9, 12)
    assert letter.application_received == date(2013, 10, 1)
    assert letter.reviewer.specialties == ["Physical Medicine and Rehabilitation", "Pain Medicine"]
    assert letter.reviewer.licensure == ["California", "Arizona"]
    assert letter.clinical_case_summary.count("\n\n") == 1
    assert letter.clinical_case_summary.endswith("radiation to the left leg.")
    first, second = letter.items
    ca = first.claims_administrator_guideline
    assert (ca.basis, ca.guideline) == ("Non-MTUS", "Official Disability Guidelines (ODG)")
    assert ca.sections == ["Low Back Chapter", "Physical Therapy"]
    assert first.maximus_guideline.basis == "MTUS" and first.maximus_guideline.year == 2009
    assert first.maximus_guideline.pages == ["98-99"]
    assert second.claims_administrator_guideline.basis == "none"
    assert second.claims_administrator_guideline.text == "None cited."
    assert second.maximus_guideline.sections == ["Drug Testing"]
    assert second.decision_rationale.endswith("is medically necessary and appropriate.")


@pytest.mark.parametrize("width", [47, 64, 90])
def test_damaged_copy_parses_the_same(width: int) -> None:
    clean = _parse(TWO_ITEMS)
    damaged = _damaged(TWO_ITEMS, width)
    assert "\f" in damaged and "notmedically" in damaged
    letter = _parse(damaged)
    assert [(i.request, i.decision) for i in letter.items] == [
        (i.request, i.decision) for i in clean.items
    ]
    for got, want in zip(letter.items, clean.items, strict=True):
        assert got.claims_administrator_guideline == want.claims_administrator_guideline
        assert got.maximus_guideline == want.maximus_guideline
        rationale = got.decision_rationale.replace("notmedically", "not medically")
        assert rationale == want.decision_rationale
    assert letter.reviewer == clean.reviewer
    assert (letter.decision_date, letter.ur_denial_date, letter.application_received) == (
        clean.decision_date,
        clean.ur_denial_date,
        clean.application_received,
    )
    assert " ".join(letter.clinical_case_summary.split()) == " ".join(
        clean.clinical_case_summary.split()
    )
    assert letter.case_number == "CM13-0098765"  # from the running banner


def _compact(text: str) -> str:
    """No blank lines at all, and the heading run onto the last statement line (as in the
    public copy)."""
    text = "\n".join(line for line in text.split("\n") if line.strip())
    return text.replace("appropriate.\nINDEPENDENT", "appropriate. INDEPENDENT", 1)


def _paragraph_lines(text: str) -> str:
    """Each paragraph on one long line (a paragraph-per-line extraction)."""
    return "\n".join(" ".join(p.split()) for p in text.split("\n\n") if p.strip())


@pytest.mark.parametrize("variant", [_compact, _paragraph_lines])
def test_other_extractions(variant: Callable[[str], str]) -> None:
    clean, letter = _parse(TWO_ITEMS), _parse(variant(TWO_ITEMS))
    assert "appropriate. INDEPENDENT" in variant(TWO_ITEMS) or variant is _paragraph_lines
    for got, want in zip(letter.items, clean.items, strict=True):
        assert got.model_dump() == want.model_dump()
    assert letter.reviewer == clean.reviewer
    assert letter.model_dump(exclude={"items", "clinical_case_summary"}) == clean.model_dump(
        exclude={"items", "clinical_case_summary"}
    )
    assert letter.clinical_case_summary.replace("\n\n", " ") == (
        clean.clinical_case_summary.replace("\n\n", " ")
    )


def test_doubled_blank_lines() -> None:
    doubled = "\n".join(line + "\n" for line in ONE_ITEM.split("\n"))
    assert _parse(doubled).model_dump() == _parse(ONE_ITEM).model_dump()


def test_without_item_sections() -> None:
    letter = _parse(NO_SECTIONS)
    [item] = letter.items
    assert item.request == "a lumbar epidural steroid injection at L4-5"  # wording kept
    assert item.decision == "Upheld"
    for citation in (item.claims_administrator_guideline, item.maximus_guideline):
        assert citation.basis == "none" and citation.text == "" and citation.guideline is None
    assert item.decision_rationale == ""
    assert letter.decision_date == date(2013, 12, 2)
    assert letter.reviewer.specialties == ["Anesthesiology"]
    assert letter.clinical_case_summary.endswith('without nerve root compression."')


def test_unnumbered_copies_without_heading() -> None:
    text = NO_SECTIONS.replace("INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE\n", "")
    assert [(i.request, i.decision) for i in _parse(text).items] == [
        ("a lumbar epidural steroid injection at L4-5", "Upheld")
    ]


def test_lists_disagree() -> None:
    with pytest.raises(LetterParseError, match=r"decision lists disagree: 2 items in the first, 1"):
        _parse(DISAGREE, "disagree.txt")


def test_unreadable_statement_is_an_error() -> None:
    broken = TWO_ITEMS.replace("2) MAXIMUS Federal Services, Inc. has determined", "2) MAXI", 1)
    with pytest.raises(LetterParseError, match=r"numbered \[1\], expected|disagree"):
        _parse(broken)


def test_gap_in_numbering_is_an_error() -> None:
    gap = re.sub(r"^2\) MAXIMUS", "3) MAXIMUS", TWO_ITEMS, flags=re.M)
    with pytest.raises(LetterParseError, match=r"numbered \[1, 3\]"):
        _parse(gap)


def test_more_sections_than_decisions_is_an_error() -> None:
    extra = ONE_ITEM.replace(
        "/jc",
        "2) Regarding the request for a TENS unit:\n\n"
        "Rationale Used by the Expert Reviewer:\nNo.\n",
    )
    with pytest.raises(LetterParseError, match="2 'Regarding the request for' sections but 1"):
        _parse(extra)


def test_no_decision_statement_is_an_error() -> None:
    text = "MAXIMUS FEDERAL SERVICES, INC. Notice of Independent Medical Review Determination\n"
    with pytest.raises(LetterParseError, match="2013 layout: no readable"):
        _parse(text + "Dated: 9/26/2013\n\nCase Summary:\nThe patient.\n")


@pytest.mark.parametrize(
    ("line", "basis", "guideline"),
    [
        ("Decision based on MTUS Chronic Pain 2009, Section(s): Opioids.", "MTUS", "Chronic Pain"),
        (
            "American College of Occupational and Environmental Medicine (ACOEM), 2nd Edition, "
            "(2004), Chapter 12, which is part of the MTUS.",
            "MTUS",
            "American College of Occupational and Environmental Medicine (ACOEM)",
        ),
        ("The Claims Administrator did not cite any guidelines.", "none", None),
        (
            "Official Disability Guidelines (ODG), Pain Chapter.",
            "Non-MTUS",
            "Official Disability Guidelines (ODG)",
        ),
    ],
)
def test_citation_lines(line: str, basis: str, guideline: str | None) -> None:
    citation = parse_citation_2013(line)
    assert (citation.basis, citation.guideline) == (basis, guideline)
