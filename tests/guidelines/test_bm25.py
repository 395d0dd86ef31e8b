"""`imr_llm._bm25.Bm25`: rank-bm25's scores, each term's vector computed once."""

from __future__ import annotations

import random

from rank_bm25 import BM25Okapi

from imr_llm._bm25 import Bm25
from imr_llm.guidelines import load_library
from imr_llm.guidelines._tokens import tokenize


def test_scores_are_rank_bm25s_to_the_last_bit() -> None:
    corpus = [tokenize(e.search_text()) for e in load_library()]
    ours, theirs = Bm25(corpus), BM25Okapi(corpus)
    vocabulary = [*sorted({t for doc in corpus for t in doc}), "unseen", "zzz"]
    rng = random.Random(0)
    for _ in range(200):
        query = rng.choices(vocabulary, k=rng.randint(1, 8))
        assert ours.get_scores(query).tolist() == theirs.get_scores(query).tolist()
        assert ours.get_scores(query).tolist() == theirs.get_scores(query).tolist()  # cached
