"""The exam call's document: the latest progress report that is not copied forward."""

from __future__ import annotations

import datetime as dt

from imr_llm.drafting._focus import latest_progress_report, visit_date
from imr_llm.records import CaseFile, Document, Line

BODY = [
    "Patient returns for follow-up of neck and back pain after a lifting injury at work.",
    "Gait normal. Mild tenderness of the paracervical muscles. Lumbar paraspinal tenderness.",
]


def _doc(doc_id: str, title: str, visit: str, body: list[str]) -> Document:
    texts = [title, f"Date of visit: {visit}", *body]
    return Document(
        id=doc_id,
        source=f"{doc_id}.txt",
        lines=[Line(number=i, page=1, text=t) for i, t in enumerate(texts, 1)],
    )


def test_latest_report_skips_copies_and_other_documents() -> None:
    first = _doc("D1", "PROGRESS REPORT (PR-2)", "11/18/2016", BODY)
    second = _doc(
        "D2",
        "PROGRESS REPORT (PR-2)",
        "12/08/2016",
        [
            "Completed 5 physical therapy sessions; feels a little better but stiff.",
            "Cervical spine: tenderness and spasm of paracervical and trapezius muscles.",
        ],
    )
    copy = _doc("D3", "PROGRESS REPORT (PR-2)", "12/15/2016", BODY)  # copied forward from D1
    ur = _doc("D4", "UTILIZATION REVIEW - progress report reviewed", "12/19/2016", ["x" * 40])
    case = CaseFile(documents=[first, second, copy, ur])
    chosen = latest_progress_report(case)
    assert chosen is not None and chosen.id == "D2"
    assert visit_date(chosen) == dt.date(2016, 12, 8)
    assert latest_progress_report(CaseFile(documents=[ur])) is None
