"""The scorers' text comparisons (phrase matching, ROUGE-L), on the words, stop words, synonyms
and stemmer of `imr_llm._text`."""

from __future__ import annotations

from functools import lru_cache

from imr_llm._text import LOOSE_SYNONYMS, SIDES, STOPWORDS, SYNONYMS, rewriter, stem

canonical = rewriter({**SYNONYMS, **LOOSE_SYNONYMS})
"""`imr_llm._text.canonical` that also writes the looser names of a treatment as the treatment:
a key fact matches on them."""

IGNORED = (
    STOPWORDS
    | SIDES
    | frozenset(("x", "times", "session", "sessions", "visit", "visits", "qty", "quantity", "each"))
)
"""Words a phrase match does not count: stop words, sides and how often or how many ('PT x6
sessions' and 'physical therapy, 6 visits' ask for the same thing)."""


def content_tokens(text: str) -> frozenset[str]:
    """`canonical` words minus `IGNORED` ones and bare numbers, stemmed (`imr_llm._text.stem`).
    Short texts (criterion labels, phrases: the same few hundred across a run) are memoised."""
    return _short_content_tokens(text) if len(text) <= 300 else _content_tokens(text)


def _content_tokens(text: str) -> frozenset[str]:
    return frozenset(
        stem(word) for word in canonical(text).split() if word not in IGNORED and not word.isdigit()
    )


_short_content_tokens = lru_cache(maxsize=8192)(_content_tokens)


def phrase_match(gold: str, predicted: str, threshold: float = 0.5) -> bool:
    """True when at least `threshold` of the gold phrase's content words occur in the
    prediction, or the normalized strings contain each other."""
    a, b = canonical(gold), canonical(predicted)
    if not a or not b:
        return False
    if a in b or b in a:
        return True
    gold_tokens = content_tokens(gold)
    if not gold_tokens:
        return False
    return len(gold_tokens & content_tokens(predicted)) / len(gold_tokens) >= threshold


def greedy_matches(gold: list[str], predicted: list[str]) -> int:
    """How many gold phrases are matched one-to-one by predicted phrases (greedy, in order)."""
    used: set[int] = set()
    matched = 0
    for g in gold:
        for index, p in enumerate(predicted):
            if index not in used and phrase_match(g, p):
                used.add(index)
                matched += 1
                break
    return matched


class _CachedStemmer:
    """The Porter stemmer rouge-score uses, memoized per word (stemming was a third of the
    client's CPU per sample at high concurrency; a run's vocabulary is small)."""

    def __init__(self) -> None:
        from nltk.stem import porter

        self.stem = lru_cache(maxsize=65536)(porter.PorterStemmer().stem)


@lru_cache(maxsize=1)
def _stemmer() -> _CachedStemmer:
    return _CachedStemmer()


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence of two token lists.

    Bit-parallel (Allison-Dix / Hyyro): one big-integer step per token of `b` instead of a
    len(a) x len(b) table; the same number as rouge-score's table, in a fraction of the time.
    """
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for token in b:
        u = v & masks.get(token, 0)
        v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def rouge_l_f1(reference: str, candidate: str) -> float:
    """ROUGE-L F1 (longest common subsequence, Porter-stemmed) as the `rouge-score` library
    computes it: its tokenizer and F-measure, with the stemmer memoized and the LCS length from
    `lcs_length`. An empty candidate or reference scores 0."""
    from rouge_score import scoring, tokenize

    if not reference.strip() or not candidate.strip():
        return 0.0
    target = tokenize.tokenize(reference, _stemmer())
    prediction = tokenize.tokenize(candidate, _stemmer())
    if not target or not prediction:
        return 0.0
    lcs = lcs_length(target, prediction)
    return float(scoring.fmeasure(lcs / len(prediction), lcs / len(target)))
