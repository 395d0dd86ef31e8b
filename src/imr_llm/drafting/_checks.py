"""Checks of the model's answers against the records, shared by the summary builder: each
keeps a supported answer, replaces a contradicted one with what the records state, or drops
it, and records a `GroundingIssue` whenever it changes anything."""

from __future__ import annotations

import re
from typing import Any

from imr_llm._dates import INJURY_DATE_LABEL, parse_date
from imr_llm.drafting._evidence import evidence_for, locate
from imr_llm.drafting._llm_models import PatientFacts
from imr_llm.drafting._models import Evidence, Fact, GroundingIssue, Treatment
from imr_llm.drafting._record_facts import (
    count_near,
    diagnosis_lines,
    injury_date,
    ur_dates,
    written_count,
)
from imr_llm.drafting._requests import first, request_overlap
from imr_llm.records import CaseFile, Document


class RecordChecks:
    """The case, the facts gathered so far and the issues flagged, with the checks."""

    def __init__(self, case: CaseFile) -> None:
        self.case = case
        self.facts: list[Fact] = []
        self.issues: list[GroundingIssue] = []

    def flag(self, field: str, value: str, problem: str) -> None:
        self.issues.append(GroundingIssue(field=field, value=value, problem=problem))

    def supported(self, name: str, items: list[str]) -> list[str]:
        """List items some line of the records supports; the others are dropped (flagged)."""
        kept = []
        for item in items:
            if locate(self.case, item):
                kept.append(item)
            else:
                self.issues.append(
                    GroundingIssue(
                        field=name,
                        value=item,
                        problem="dropped: no supporting line found in the records",
                    )
                )
        return kept

    def labelled(self, pattern: re.Pattern[str]) -> str | None:
        """The first value a labelled line of the records gives (e.g. 'Sex: Female')."""
        for doc in self.case.documents:
            for line in doc.lines:
                if m := pattern.search(line.text):
                    return next(g for g in m.groups() if g)
        return None

    def prefer_records(self, name: str, model_value: Any, records_value: Any) -> Any:
        """A labelled value in the records wins over a different model answer (flagged)."""
        if records_value is None or records_value == model_value:
            return model_value
        if model_value is not None:
            self.issues.append(
                GroundingIssue(
                    field=name,
                    value=str(model_value),
                    problem="model's value not supported; taken from the records' labelled line",
                )
            )
        return records_value

    def date_of_injury(self, patient: list[PatientFacts]) -> Any:
        """The records' stated date of injury (labelled or in prose) wins over a different
        model answer (flagged); else the model's, if some line supports it."""
        raw = first([p.date_of_injury for p in patient])
        parsed = parse_date(raw)
        stated = injury_date(self.case)
        if stated is not None:
            if raw and parsed != stated[0]:
                self.flag(
                    "date_of_injury",
                    raw,
                    "model's value not supported; taken from the records' date-of-injury "
                    "statement instead",
                )
            return stated[0]
        if parsed is not None and locate(self.case, parsed.isoformat()):
            return parsed
        for doc in self.case.documents:  # fall back on any "Date of injury" line
            for line in doc.lines:
                if INJURY_DATE_LABEL.search(line.text) and (found := parse_date(line.text)):
                    if raw:
                        self.flag(
                            "date_of_injury",
                            raw,
                            "model's value not supported; taken from the records' "
                            "date-of-injury line instead",
                        )
                    return found
        if raw and parsed is None:
            self.flag("date_of_injury", raw, "not a recognisable date")
        return parsed

    def phrase(self, name: str, value: str | None) -> str | None:
        """A short model phrase (mechanism, work status) kept only if one line contains most
        of its words: an example value leaking from a prompt is dropped (flagged)."""
        if value and not locate(self.case, value, threshold=0.75):
            self.flag(name, value, "dropped: no supporting line found in the records")
            return None
        return value

    def diagnoses(
        self, items: list[str], requests: list[str], prefer: Document | None
    ) -> list[str]:
        """Diagnoses that are not requests (dropped, flagged); if none is left, the items of
        the records' labelled diagnosis lines ("Assessment: ...", "Diagnoses: ...")."""
        kept = []
        for item in items:
            if any(request_overlap(item, r) >= 0.7 for r in requests):
                self.flag("diagnoses", item, "dropped: a requested treatment, not a diagnosis")
            else:
                kept.append(item)
        kept = self.supported("diagnoses", kept)
        if not kept:
            kept = [item for item, _, _ in diagnosis_lines(self.case, prefer)]
        return kept

    def treatment_count(self, item: Treatment) -> Treatment:
        """A count must be written near the treatment in the records; otherwise the count
        written there replaces it (or none), flagged."""
        if item.count is None or count_near(self.case, item.name, item.count):
            return item
        written = written_count(self.case, item.name)
        self.flag(
            "treatments.count",
            f"{item.name} ({item.count})",
            "count not written near this treatment in the records; "
            + ("taken from the records" if written else "dropped"),
        )
        return item.model_copy(update={"count": written})

    def ur_date(self, raw: str | None) -> tuple[Any, list[Evidence]]:
        """The UR determination date: the model's if a UR document (or a line about UR) gives
        it, else the records' (the latest UR document's date), flagged; never a date from an
        unrelated document."""
        parsed = parse_date(raw)
        known = ur_dates(self.case)
        for date, doc, line in known:
            if date == parsed:
                return date, [evidence_for(doc.id, line, date.isoformat())]
        if known:
            date, doc, line = max(known, key=lambda k: k[0])
            if raw:
                self.flag(
                    "ur_history.date",
                    raw,
                    "model's value is not the utilization review's date; taken from the "
                    "UR determination instead",
                )
            return date, [evidence_for(doc.id, line, date.isoformat())]
        if raw:
            self.flag("ur_history.date", raw, "dropped: not on a utilization review line")
        return None, []
