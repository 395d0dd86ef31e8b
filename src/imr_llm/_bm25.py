"""`Bm25`: rank-bm25's Okapi BM25 with each term's score vector computed once.

`BM25Okapi.get_scores` rebuilds, for every query term, the term's frequency in every document
in a Python loop; the guideline library and the precedents corpus are fixed while a run asks
them thousands of queries over a small vocabulary. Here each term's vector, idf * tf * (k1 + 1)
/ (tf + k1 * (1 - b + b * dl / avgdl)) exactly as `BM25Okapi.get_scores` computes it, is kept,
and a query's scores are those vectors added in query order: the same floats
(tests/guidelines/test_bm25.py pins them equal to `BM25Okapi.get_scores`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

MAX_TERMS = 16384
"""Term vectors kept (a run's query vocabulary is far smaller); past it they are dropped."""


class Bm25(BM25Okapi):  # type: ignore[misc]  # rank_bm25 is untyped: BM25Okapi is Any
    def __init__(self, corpus: Sequence[Sequence[str]], **kwargs: Any) -> None:
        super().__init__(corpus, **kwargs)
        self._doc_len = np.array(self.doc_len)
        self._terms: dict[str, Any] = {}
        self._lock = threading.Lock()

    def term_scores(self, term: str) -> Any:
        """The score vector of one term over the documents (do not modify it)."""
        found = self._terms.get(term)
        if found is None:
            q_freq = np.array([(doc.get(term) or 0) for doc in self.doc_freqs])
            found = (self.idf.get(term) or 0) * (
                q_freq
                * (self.k1 + 1)
                / (q_freq + self.k1 * (1 - self.b + self.b * self._doc_len / self.avgdl))
            )
            with self._lock:
                if len(self._terms) >= MAX_TERMS:
                    self._terms.clear()
                self._terms[term] = found
        return found

    def get_scores(self, query: Sequence[str]) -> Any:
        score = np.zeros(self.corpus_size)
        for term in query:
            score += self.term_scores(term)
        return score
