"""Eval samples: what the model is given and what it is scored against.

A dataset is one of
- a JSONL file of parsed letters (one `DecisionLetter` per line, e.g. `gold.jsonl`);
- a letter file (PDF or text) or a directory of them, searched recursively (parsed with
  `imr_llm.letters.load_letters` one file at a time, so that a bad file is reported and
  skipped, not fatal; `strict=True` makes it fatal);
- a synthetic case directory (with `case.json` and `records/`) or a directory of them;
- a reviewed case (`*.review.json`, exported by `imr-llm review`) or a directory of them:
  drafts are scored against the reviewer-final letter (see `_reviewed`).

For the `draft` task every item of every letter is a sample: the record is the letter's CLINICAL
CASE SUMMARY, the request is the item's request, and the gold is the real decision, citation and
rationale. Synthetic cases give their `items` (decision only) and their records.

For the `summary` task every letter or case is a sample. Synthetic cases give the gold key facts
in `case.json`. For a real letter the record is its CLINICAL CASE SUMMARY and the gold key facts
are read off the letter itself: date of injury and UR date from the header, the UR outcome
("modified" when an item is the modified-UR variant, else "non-certified"), the disputed
requests from the items, and age and sex from the summary's first "NN year old male/female".
Body parts and treatments have no gold in a letter and are not scored there.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import Field, SkipValidation, ValidationError

from imr_llm._errors import InputError, LetterParseError
from imr_llm._models import Contract
from imr_llm.evals._case_meta import KeyFacts, SyntheticCase
from imr_llm.letters._models import DecisionLetter, LetterItem

Task = Literal["draft", "summary"]
LETTER_SUFFIXES = (".pdf", ".txt")


class Sample(Contract):
    """One unit of evaluation."""

    id: str = Field(description="Stable id: '<case>#<item>' for draft, '<case>' for summary.")
    task: Task
    case_id: str = Field(description="Letter or case the sample comes from (bootstrap cluster).")
    source: str = Field(description="File the gold comes from.")
    record_text: str | None = Field(
        default=None, description="The record as text (letters: the clinical case summary)."
    )
    record_paths: list[str] = Field(
        default_factory=list, description="Synthetic cases: the record files."
    )
    request: str | None = Field(default=None, description="draft: the disputed request.")
    gold_item: LetterItem | None = Field(
        default=None, description="draft on letters: the real item (decision, citation, text)."
    )
    gold_decision: Literal["Upheld", "Overturned"] | None = None
    gold_facts: KeyFacts | None = Field(default=None, description="summary: gold key facts.")
    gold_prose: str | None = Field(default=None, description="summary: the real summary text.")
    gold_documents: dict[str, str] = Field(
        default_factory=dict,
        description="summary on synthetic cases: record file name -> document class.",
    )
    held_out: list[str] = Field(
        default_factory=list,
        description="Ids of the real letter behind the sample (case number, file stem): "
        "guideline excerpts quoted from it are not retrieved (see `_holdout`).",
    )


class SkippedFile(Contract):
    path: str
    reason: str


class Dataset(Contract):
    path: str
    kind: Literal["letters", "letters-jsonl", "synthetic", "reviewed"]
    samples: SkipValidation[list[Sample]]
    """A list, or for a letters JSONL a lazy `evals._lazy.LetterSamples` (same Sequence use)."""
    skipped: list[SkippedFile] = Field(default_factory=list)


# ---------------------------------------------------------------------------- letters


def read_letters_jsonl(path: Path) -> list[DecisionLetter]:
    """Read one `DecisionLetter` per non-blank line; errors name the line, never its text."""
    letters: list[DecisionLetter] = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=path) from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            letters.append(DecisionLetter.model_validate_json(line))
        except ValidationError as exc:
            raise InputError(
                f"line {number} is not a DecisionLetter ({exc.error_count()} errors)", path=path
            ) from exc
    return letters


def _load_letter_files(
    files: list[Path], *, strict: bool
) -> tuple[list[DecisionLetter], list[SkippedFile]]:
    from imr_llm import letters as letters_pkg

    load_letters = getattr(letters_pkg, "load_letters", None)
    if load_letters is None:  # pragma: no cover - until the parser lands
        raise InputError("the letters parser (imr_llm.letters.load_letters) is not available")
    letters: list[DecisionLetter] = []
    skipped: list[SkippedFile] = []
    for file in files:
        try:
            letters.extend(load_letters([file]))
        except LetterParseError as exc:
            if strict:
                raise
            skipped.append(SkippedFile(path=str(file), reason=str(exc)))
    return letters, skipped


_AGE_SEX = re.compile(
    r"\b(\d{1,3})[\s-]*(?:year|yr)s?[\s-]*old\s+(?:[a-z-]+\s+){0,3}?"
    r"(male|female|man|woman|gentleman|lady)\b",
    re.IGNORECASE,
)
_SEX_WORDS = {
    "male": "male",
    "man": "male",
    "gentleman": "male",
    "female": "female",
    "woman": "female",
    "lady": "female",
}


def age_sex(text: str) -> tuple[int | None, Literal["male", "female"] | None]:
    """The first 'NN year old [...] male/female' in `text` (e.g. '52-year-old female')."""
    match = _AGE_SEX.search(text)
    if not match:
        return None, None
    sex = _SEX_WORDS[match.group(2).lower()]
    return int(match.group(1)), "male" if sex == "male" else "female"


def letter_key_facts(letter: DecisionLetter) -> KeyFacts:
    """Gold key facts a letter itself states (see the module docstring)."""
    age, sex = age_sex(letter.clinical_case_summary)
    modified = any(item.original_request for item in letter.items)
    return KeyFacts(
        age=age,
        sex=sex,
        date_of_injury=letter.date_of_injury,
        ur_date=letter.ur_denial_date,
        ur_outcome="modified" if modified else "non-certified",
        disputed_requests=[item.request for item in letter.items],
    )


def _letter_case_ids(letters: list[DecisionLetter]) -> list[str]:
    ids: list[str] = []
    seen: dict[str, int] = {}
    for letter in letters:
        base = letter.case_number or Path(letter.source).stem
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}~{seen[base]}")
    return ids


def letter_samples(letters: list[DecisionLetter], task: Task) -> list[Sample]:
    samples: list[Sample] = []
    for case_id, letter in zip(_letter_case_ids(letters), letters, strict=True):
        samples.extend(samples_of_letter(letter, case_id, task))
    return samples


def samples_of_letter(letter: DecisionLetter, case_id: str, task: Task) -> list[Sample]:
    """The samples of one letter: the letter (summary) or each of its items (draft)."""
    held_out = sorted({x for x in (letter.case_number, Path(letter.source).stem) if x})
    if task == "summary":
        return [
            Sample(
                id=case_id,
                task=task,
                case_id=case_id,
                source=letter.source,
                record_text=letter.clinical_case_summary,
                gold_facts=letter_key_facts(letter),
                gold_prose=letter.clinical_case_summary,
                held_out=held_out,
            )
        ]
    return [
        Sample(
            id=f"{case_id}#{index}",
            task=task,
            case_id=case_id,
            source=letter.source,
            record_text=letter.clinical_case_summary,
            request=item.request,
            gold_item=item,
            gold_decision=item.decision,
            held_out=held_out,
        )
        for index, item in enumerate(letter.items, start=1)
    ]


# ---------------------------------------------------------------------------- synthetic


def _read_case(directory: Path) -> SyntheticCase:
    meta = directory / "case.json"
    try:
        return SyntheticCase.model_validate_json(meta.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=meta) from exc
    except ValidationError as exc:
        raise InputError(f"not a valid case.json ({exc.error_count()} errors)", path=meta) from exc


def synthetic_samples(directories: Iterable[Path], task: Task) -> list[Sample]:
    samples: list[Sample] = []
    for directory in directories:
        case = _read_case(directory)
        records = sorted(p for p in (directory / "records").glob("*") if p.is_file())
        if not records:
            raise InputError("no files under records/", path=directory)
        paths = [str(p) for p in records]
        source = str(directory / "case.json")
        held_out = sorted({case.case_id, Path(case.letter_source).stem})
        if task == "summary":
            samples.append(
                Sample(
                    id=case.case_id,
                    task=task,
                    case_id=case.case_id,
                    source=source,
                    record_paths=paths,
                    gold_facts=case.gold_facts(),
                    gold_documents={d.file: d.class_ for d in case.documents},
                    held_out=held_out,
                )
            )
            continue
        for index, item in enumerate(case.items, start=1):
            samples.append(
                Sample(
                    id=f"{case.case_id}#{index}",
                    task=task,
                    case_id=case.case_id,
                    source=source,
                    record_paths=paths,
                    request=item.request,
                    gold_decision=item.decision,
                    held_out=held_out,
                )
            )
    return samples


# ---------------------------------------------------------------------------- entry point


def load_dataset(path: str | Path, task: Task, *, strict: bool = False) -> Dataset:
    """Detect the dataset kind at `path` and build its samples (see the module docstring)."""
    root = Path(path)
    if not root.exists():
        raise InputError("dataset not found", path=root)
    from imr_llm.evals._reviewed import review_files, reviewed_samples

    if reviewed := review_files(root):
        return Dataset(path=str(root), kind="reviewed", samples=reviewed_samples(reviewed, task))
    if root.is_file():
        if root.suffix.lower() in (".jsonl", ".ndjson"):
            from imr_llm.evals._lazy import LetterSamples

            # built on access, one letter at a time: memory stays flat on big datasets
            lazy = LetterSamples.load(root, task)
            # a lazy Sequence in place of the list (the field skips validation; see Dataset)
            return Dataset(path=str(root), kind="letters-jsonl", samples=lazy)  # type: ignore[arg-type]
        if root.suffix.lower() in LETTER_SUFFIXES:
            letters, skipped = _load_letter_files([root], strict=True)
            return Dataset(path=str(root), kind="letters", samples=letter_samples(letters, task))
        raise InputError("dataset must be a .jsonl, .pdf, .txt file or a directory", path=root)
    if (root / "case.json").is_file():
        return Dataset(path=str(root), kind="synthetic", samples=synthetic_samples([root], task))
    cases = sorted(d for d in root.iterdir() if d.is_dir() and (d / "case.json").is_file())
    if cases:
        return Dataset(path=str(root), kind="synthetic", samples=synthetic_samples(cases, task))
    files = sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in LETTER_SUFFIXES
    )
    if not files:
        raise InputError(
            "no letters (*.pdf, *.txt) or synthetic cases (case.json) found", path=root
        )
    letters, skipped = _load_letter_files(files, strict=strict)
    if not letters:
        raise InputError(f"none of the {len(files)} letter files could be parsed", path=root)
    return Dataset(
        path=str(root), kind="letters", samples=letter_samples(letters, task), skipped=skipped
    )


def sample_fingerprint(samples: Sequence[Sample]) -> str:
    """A short hash of the sample ids and golds (a resume must run on the same samples)."""
    import hashlib

    digest = hashlib.sha256()
    for sample in samples:
        digest.update(json.dumps(sample.model_dump(mode="json"), sort_keys=True).encode())
    return digest.hexdigest()[:16]
