"""Reviewed cases as an eval dataset: the JSON `imr-llm review` exports (`*.review.json`,
`imr_llm.review.ReviewExport`) holds the machine draft and the reviewer-final letter of a case;
drafts are scored against the reviewer-final letter.

draft task: one sample per item of the final letter; the record is the case's record files,
the gold is the reviewer's decision, MAXIMUS citation and rationale. summary task: one sample
per case; the gold key facts and prose are the reviewer-final summary's.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from imr_llm._errors import InputError
from imr_llm.evals._case_meta import KeyFacts
from imr_llm.evals._samples import Sample, Task
from imr_llm.letters._models import GuidelineCitation, LetterItem

SUFFIX = ".review.json"
NOT_REVIEWED = GuidelineCitation(basis="none", text="[not part of the reviewed draft]")


def review_files(root: Path) -> list[Path]:
    """`root` itself if it is a review export, else the exports directly inside it."""
    if root.is_file():
        return [root] if root.name.endswith(SUFFIX) else []
    return sorted(p for p in root.glob(f"*{SUFFIX}") if p.is_file())


def _read(path: Path) -> object:
    from imr_llm.review._export import ReviewExport

    try:
        return ReviewExport.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from exc
    except ValidationError as exc:
        raise InputError(
            f"not an imr-llm review export ({exc.error_count()} errors)", path=path
        ) from exc


def reviewed_samples(files: list[Path], task: Task) -> list[Sample]:
    from imr_llm.review._export import ReviewExport

    samples: list[Sample] = []
    for path in files:
        export = _read(path)
        assert isinstance(export, ReviewExport)
        missing = [p for p in export.records if not Path(p).is_file()]
        if missing:
            raise InputError(f"record file not found: {missing[0]}", path=path)
        case_id = export.case_number or path.name.removesuffix(SUFFIX)
        final = export.final
        held_out = [export.case_number] if export.case_number else []
        if task == "summary":
            s = final.summary
            ur_dates = [u.date for u in s.ur_history if u.date]
            outcomes = [u.outcome for u in s.ur_history if u.outcome != "unknown"]
            facts = KeyFacts(
                age=s.age,
                sex=s.sex,
                date_of_injury=s.date_of_injury,
                ur_date=max(ur_dates) if ur_dates else None,
                ur_outcome=outcomes[0] if outcomes else None,
                disputed_requests=[i.request for i in final.items],
                body_parts=list(s.body_parts),
                treatments=[t.name for t in s.treatments],
            )
            samples.append(
                Sample(
                    id=case_id,
                    task=task,
                    case_id=case_id,
                    source=str(path),
                    record_paths=list(export.records),
                    gold_facts=facts,
                    gold_prose=s.prose,
                    held_out=held_out,
                )
            )
            continue
        for index, item in enumerate(final.items, start=1):
            gold = LetterItem(
                request=item.request,
                decision=item.decision,
                claims_administrator_guideline=NOT_REVIEWED,
                maximus_guideline=item.maximus_guideline,
                decision_rationale=item.rationale,
            )
            samples.append(
                Sample(
                    id=f"{case_id}#{index}",
                    task=task,
                    case_id=case_id,
                    source=str(path),
                    record_paths=list(export.records),
                    request=item.request,
                    gold_item=gold,
                    gold_decision=item.decision,
                    held_out=held_out,
                )
            )
    return samples
