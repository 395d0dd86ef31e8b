"""Generate the synthetic case records that ship as PDF (so PDF ingestion is exercised).

Usage: python evals/datasets/synthetic/make_pdfs.py   (needs the dev extra: fpdf2)

The record text lives here; the PDF is committed. Regenerate after editing the text. Like every
record in this directory, the text is SYNTHETIC: invented for testing, not a real patient.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF

HERE = Path(__file__).resolve().parent
FIXED_DATE = dt.datetime(2017, 1, 1, tzinfo=dt.UTC)
BANNER = "SYNTHETIC RECORD — invented for testing, not a real patient"

PDF_RECORDS: dict[str, str] = {
    "CM17-0015348/records/03_utilization_review_2016-12-19.pdf": """
UTILIZATION REVIEW DETERMINATION
[SYNTHETIC] Pacific Claims Review Services
Date of determination: 12/19/2016
Employee: [SYNTHETIC] K. Brennan          Date of injury: 10/23/2016
Claim #: SYN-0015348
Requesting physician: [SYNTHETIC] M. Adebayo, MD

Request: Physical therapy 2 times a week for 4 weeks for the right knee (8 sessions).
Determination: NON-CERTIFIED.

Rationale: The claimant has completed 6 sessions of physical therapy for a right knee sprain.
The records describe subjective benefit but the claimant should now be able to transition to
a self-directed home exercise program. Additional supervised therapy is not supported.

Reviewer: [SYNTHETIC] Physician Reviewer, Orthopedic Surgery
You may request Independent Medical Review (IMR) within 30 days of this notice.
""",
}


def render(text: str, target: Path) -> None:
    pdf = FPDF(format="Letter")
    pdf.core_fonts_encoding = "cp1252"  # the banner's em dash (WinAnsiEncoding)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in [BANNER, "", *text.strip("\n").splitlines()]:
        pdf.multi_cell(0, 5, line or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.set_creation_date(FIXED_DATE)  # reproducible bytes
    target.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(target))


def main() -> None:
    for relative, text in PDF_RECORDS.items():
        target = HERE / relative
        render(text, target)
        print(target)


if __name__ == "__main__":
    main()
