"""A loaded excerpt library with BM25 retrieval (rank-bm25's Okapi BM25, `imr_llm._bm25`)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from imr_llm._bm25 import Bm25
from imr_llm.guidelines._citation import citation_for
from imr_llm.guidelines._models import Excerpt
from imr_llm.guidelines._tokens import query_terms, tokenize
from imr_llm.letters._models import GuidelineCitation

MTUS_PRIOR = 1.15
"""Score multiplier for MTUS excerpts: between an MTUS and an ODG excerpt on the same topic the
MTUS one ranks first, as the medical evidence search sequence requires."""


class _LuceneBM25(Bm25):
    """Okapi BM25 with Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)), which is never
    negative or zero: with plain Okapi idf a term found in half of a small library scores 0."""

    def _calc_idf(self, nd: dict[str, int]) -> None:
        self.idf = {
            word: math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))
            for word, freq in nd.items()
        }


@dataclass(frozen=True)
class Hit:
    """One retrieval result: the excerpt and its BM25 score (higher is better)."""

    excerpt: Excerpt
    score: float


class Library:
    """An immutable set of excerpts, indexed for BM25 retrieval."""

    def __init__(self, excerpts: Sequence[Excerpt], *, source: str = "") -> None:
        if not excerpts:
            raise ValueError("a guideline library needs at least one excerpt")
        self.source = source
        self._excerpts = tuple(excerpts)
        self._by_id = {e.id: e for e in self._excerpts}
        if len(self._by_id) != len(self._excerpts):
            raise ValueError("duplicate excerpt ids")
        corpus = [tokenize(e.search_text()) for e in self._excerpts]
        self._bm25 = _LuceneBM25(corpus)
        # 8 CCR 9792.21.1: search the MTUS first; outside guidelines only where it is silent.
        self._prior = [MTUS_PRIOR if e.basis == "MTUS" else 1.0 for e in self._excerpts]

    def __len__(self) -> int:
        return len(self._excerpts)

    def __iter__(self) -> Iterator[Excerpt]:
        return iter(self._excerpts)

    def __contains__(self, excerpt_id: object) -> bool:
        return excerpt_id in self._by_id

    def __repr__(self) -> str:
        return f"Library({len(self)} excerpts from {self.source or '<memory>'})"

    @property
    def excerpts(self) -> tuple[Excerpt, ...]:
        return self._excerpts

    def get(self, excerpt_id: str) -> Excerpt:
        """The excerpt with this id (KeyError if absent)."""
        return self._by_id[excerpt_id]

    def topics(self) -> dict[str, int]:
        """Excerpt count per topic."""
        counts: dict[str, int] = {}
        for excerpt in self._excerpts:
            counts[excerpt.topic] = counts.get(excerpt.topic, 0) + 1
        return dict(sorted(counts.items()))

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The `k` best-scoring excerpts for `query`, best first; excerpts sharing no term with
        the query are never returned (so the list may be shorter than `k`)."""
        if k < 1:
            return []
        terms = query_terms(query)
        if not terms:
            return []
        scores = self._scores(terms)
        ranked = sorted(range(len(scores)), key=lambda i: (-scores[i], self._excerpts[i].id))
        hits = []
        for i in ranked:
            if scores[i] <= 0 or not terms.keys() & self._bm25.doc_freqs[i].keys():
                continue
            hits.append(Hit(self._excerpts[i], float(scores[i])))
            if len(hits) == k:
                break
        return hits

    def retrieve(self, query: str, k: int = 3, *, chapter: str | None = None) -> list[Excerpt]:
        """The `k` most relevant excerpts for a request such as 'Norco 10/325mg #90'; with
        `chapter` (a routed guideline name), excerpts of that chapter rank first."""
        if chapter is None:
            return [hit.excerpt for hit in self.search(query, k)]
        hits = self.search(query, len(self))
        inside = [h for h in hits if same_chapter(h.excerpt.guideline, chapter)]
        taken = {id(h) for h in inside}
        return [h.excerpt for h in inside + [h for h in hits if id(h) not in taken]][:k]

    def citation(self, excerpts: Sequence[Excerpt]) -> GuidelineCitation:
        """One MAXIMUS guideline line citing several excerpts (see `citation_for`)."""
        return citation_for(excerpts)

    def _scores(self, terms: dict[str, float]) -> list[float]:
        """Weighted BM25: each query term's scores times its weight, times the MTUS prior."""
        totals = [0.0] * len(self)
        for term, weight in terms.items():
            for i, score in enumerate(self._bm25.term_scores(term).tolist()):
                totals[i] += weight * score
        return [total * prior for total, prior in zip(totals, self._prior, strict=True)]


_CHAPTER_NOISE = frozenset(
    "mtus acoem guideline guidelines treatment medical the of and official disability odg".split()  # noqa: SIM905
)


@lru_cache(maxsize=1024)  # a library names a few dozen guidelines; asked per excerpt per query
def _chapter_words(name: str) -> frozenset[str]:
    return frozenset(w for w in tokenize(name) if w not in _CHAPTER_NOISE)


def same_chapter(guideline: str, chapter: str) -> bool:
    """Whether an excerpt's guideline name is the routed chapter ('Chronic Pain Medical
    Treatment' = 'Chronic Pain Treatment Guidelines'; any ODG name = 'Official Disability
    Guidelines (ODG)')."""
    a, b = _chapter_words(guideline), _chapter_words(chapter)
    if not a or not b:
        odg = "odg" in guideline.lower() or "official disability" in guideline.lower()
        return odg and ("odg" in chapter.lower() or "official disability" in chapter.lower())
    return a <= b or b <= a
