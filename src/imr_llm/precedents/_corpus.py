"""Decided items from parsed IMR letters, retrieved per disputed request as worked examples.

The shipped corpus (`default.jsonl`) holds the decided items of the public letters in
`evals/datasets/letters/` (regenerate with `python -m imr_llm.precedents`); users pass their own
parsed letters (`imr-llm parse` output, or letter files) as `--precedents`, since review
organisations hold thousands of decided letters. Retrieval never returns an item of an excluded
letter (the eval leaves out the letter being scored).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from imr_llm._bm25 import Bm25
from imr_llm._errors import InputError
from imr_llm._models import Contract
from imr_llm._text import sentences
from imr_llm.drafting._models import PrecedentRef
from imr_llm.guidelines._routing import Router, load_router
from imr_llm.guidelines._tokens import tokenize
from imr_llm.letters._models import Decision, DecisionLetter
from imr_llm.precedents._classifier import (
    SUMMARY_CHARS,
    DecisionClassifier,
    new_vectorizer,
    precedent_text,
)

REASON_CHARS = 240


class Precedent(Contract):
    """One decided item of a real letter."""

    case_number: str
    request: str
    decision: Decision
    service: str = Field(description="Routed service type of the request.")
    citation: str = Field(default="", description="The MAXIMUS guideline line.")
    reason: str = Field(default="", description="The rationale's last sentences, shortened.")
    summary: str = Field(
        default="", description="The letter's case summary (first SUMMARY_CHARS characters)."
    )

    def ref(self, similarity: float) -> PrecedentRef:
        return PrecedentRef(
            case_number=self.case_number,
            request=self.request,
            decision=self.decision,
            citation=self.citation,
            reason=self.reason,
            similarity=round(similarity, 3),
        )


def _reason(rationale: str) -> str:
    """The rationale's closing argument: its last two sentences, cut to REASON_CHARS."""
    said = sentences(rationale)[-2:]
    text = " ".join(said)
    return text if len(text) <= REASON_CHARS else "..." + text[-REASON_CHARS:]


def precedents_from_letters(
    letters: Iterable[DecisionLetter], router: Router | None = None
) -> list[Precedent]:
    router = router or load_router()
    out = []
    for letter in letters:
        case = letter.case_number or Path(letter.source).stem
        summary = " ".join(letter.clinical_case_summary.split())[:SUMMARY_CHARS]
        for item in letter.items:
            out.append(
                Precedent(
                    case_number=case,
                    request=item.request,
                    decision=item.decision,
                    service=router.service_of(item.request)[0],
                    citation=item.maximus_guideline.text,
                    reason=_reason(item.decision_rationale),
                    summary=summary,
                )
            )
    return out


class PrecedentCorpus:
    """BM25 over the requests (plus their service type) and the decision classifier."""

    def __init__(self, precedents: Sequence[Precedent], *, source: str = "") -> None:
        self.precedents = tuple(precedents)
        self.source = source
        docs = [self._tokens(p.request, p.service) for p in self.precedents]
        self._bm25 = Bm25(docs) if docs else None
        self._letters = frozenset(p.case_number for p in self.precedents)
        # the most recently used fits, at most MAX_CLASSIFIERS (~10-20 KB each)
        self._classifiers: OrderedDict[frozenset[str], DecisionClassifier] = OrderedDict()
        self._tfidf: tuple[Any, Any] | None = None
        self._fitting = threading.Lock()

    @staticmethod
    def _tokens(request: str, service: str) -> list[str]:
        return [*tokenize(request), f"service:{service}", f"service:{service}"]

    def __len__(self) -> int:
        return len(self.precedents)

    def retrieve(
        self, request: str, service: str, *, k: int = 3, exclude: Iterable[str] = ()
    ) -> list[tuple[Precedent, float]]:
        """The `k` most similar decided items of the same service type (others only to fill),
        never from an excluded letter; similarity is BM25 normalised to the best hit."""
        if self._bm25 is None or k < 1:
            return []
        skip = frozenset(exclude)
        scores = self._bm25.get_scores(self._tokens(request, service))
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
        ranked = [i for i in ranked if self.precedents[i].case_number not in skip and scores[i] > 0]
        same = [i for i in ranked if self.precedents[i].service == service]
        chosen = (same + [i for i in ranked if i not in same])[:k]
        top = max((scores[i] for i in chosen), default=1.0) or 1.0
        return [(self.precedents[i], float(scores[i]) / top) for i in chosen]

    def classifier(self, exclude: Iterable[str] = ()) -> DecisionClassifier:
        """The decision classifier fitted on every precedent outside the excluded letters.
        The vocabulary and IDF are fitted once on the whole corpus's text (no decisions), the
        logistic regression once per distinct exclusion set (a few milliseconds)."""
        skip = frozenset(exclude) & self._letters
        found = self._classifiers.get(skip)
        if found is not None:
            with contextlib.suppress(KeyError):  # another thread may have evicted it meanwhile
                self._classifiers.move_to_end(skip)
            return found
        # One fit at a time: the eval's threads ask for the same letter's classifier at once,
        # and fits racing each other for the GIL each took ~100x their own time.
        with self._fitting:
            found = self._classifiers.get(skip)
            if found is None:
                found = self._fit(skip)
                while len(self._classifiers) >= MAX_CLASSIFIERS:
                    self._classifiers.popitem(last=False)  # the least recently used
                self._classifiers[skip] = found
        return found

    def _fit(self, skip: frozenset[str]) -> DecisionClassifier:
        if self._tfidf is None:
            vectorizer = new_vectorizer()
            texts = [precedent_text(p.request, p.summary) for p in self.precedents]
            self._tfidf = (vectorizer, vectorizer.fit_transform(texts) if texts else None)
        vectorizer, matrix = self._tfidf
        rows = [i for i, p in enumerate(self.precedents) if p.case_number not in skip]
        return DecisionClassifier(
            [self.precedents[i] for i in rows],
            vectorizer=vectorizer if matrix is not None else None,
            features=matrix[rows] if matrix is not None else None,
        )


MAX_CLASSIFIERS = 4096
"""Left-out-letter fits kept per corpus (least recently used dropped first). An eval prepares
up to this many before its samples run; clearing all of them at 256, as before, made an eval
of more letters refit every later letter while its samples ran."""


def default_corpus_file() -> Path:
    return Path(str(resources.files("imr_llm.precedents") / "default.jsonl"))


def load_precedents(path: str | Path | None = None) -> PrecedentCorpus:
    """The shipped corpus (None), a precedents JSONL written by this module, a parsed letters
    JSONL (`imr-llm parse` output) or letter files/directories."""
    return _load(str(path) if path is not None else None)


@lru_cache(maxsize=4)
def _load(path: str | None) -> PrecedentCorpus:
    where = Path(path) if path is not None else default_corpus_file()
    if not where.exists():
        raise InputError("precedents not found", path=where)
    if where.is_file() and where.suffix == ".jsonl":
        rows = []
        for n, line in enumerate(where.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                rows.append(
                    Precedent.model_validate(data)
                    if "service" in data
                    else DecisionLetter.model_validate(data)
                )
            except (json.JSONDecodeError, ValidationError) as exc:
                reason = type(exc).__name__
                raise InputError(
                    f"line {n} is not a precedent or parsed letter ({reason})", path=where
                ) from None
        letters = [r for r in rows if isinstance(r, DecisionLetter)]
        items = [r for r in rows if isinstance(r, Precedent)] + precedents_from_letters(letters)
        return PrecedentCorpus(items, source=str(where))
    from imr_llm.letters import load_letters

    return PrecedentCorpus(precedents_from_letters(load_letters(where)), source=str(where))
