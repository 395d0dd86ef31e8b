"""Small text helpers shared by the scorers and the extractive baselines."""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache

STOPWORDS = frozenset(
    """a an and are as at be by for from has have in is it its of on or per the to was were with
    x times session sessions visit visits qty quantity each bilateral left right
    """.split()  # noqa: SIM905
)

# Abbreviations and synonyms that the letters and records use for the same thing.
SYNONYMS = {
    "pt": "physical therapy",
    "ot": "occupational therapy",
    "physiotherapy": "physical therapy",
    "chiro": "chiropractic",
    "chiropractor": "chiropractic",
    "manipulation": "chiropractic",
    "acupuncturist": "acupuncture",
    "esi": "epidural steroid injection",
    "epidural": "epidural steroid injection",
    "tens": "transcutaneous electrical nerve stimulation",
    "emg": "electromyography",
    "ncv": "nerve conduction",
    "ncs": "nerve conduction",
    "mri": "magnetic resonance imaging",
    "nsaid": "nonsteroidal anti inflammatory",
    "nsaids": "nonsteroidal anti inflammatory",
    "low back": "lumbar",
    "lower back": "lumbar",
    "lumbosacral": "lumbar",
    "neck": "cervical",
    "mid back": "thoracic",
    "upper back": "thoracic",
}
_WORD = re.compile(r"[a-z0-9]+")


def normalize(text: str) -> str:
    """Lowercase, hyphens and punctuation to spaces, synonyms expanded, spaces collapsed."""
    text = " " + " ".join(_WORD.findall(text.lower())) + " "
    for short, long in SYNONYMS.items():
        text = text.replace(f" {short} ", f" {long} ")
    return " ".join(text.split())


def content_tokens(text: str) -> frozenset[str]:
    """Normalized words minus stopwords and bare numbers, crudely singularized."""
    words = normalize(text).split()
    out = set()
    for word in words:
        if word in STOPWORDS or word.isdigit():
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.add(word)
    return frozenset(out)


def phrase_match(gold: str, predicted: str, threshold: float = 0.5) -> bool:
    """True when at least `threshold` of the gold phrase's content words occur in the
    prediction, or the normalized strings contain each other."""
    a, b = normalize(gold), normalize(predicted)
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


_DATE = re.compile(r"\b(\d{1,2})[/-](\d{1,2})[/-](\d{2,4})\b")


def parse_dates(text: str) -> list[tuple[int, dt.date]]:
    """Every M/D/YYYY or M-D-YY date in `text` with its offset (invalid dates are skipped)."""
    found: list[tuple[int, dt.date]] = []
    for match in _DATE.finditer(text):
        month, day, year = (int(g) for g in match.groups())
        if year < 100:
            year += 2000 if year < 50 else 1900
        try:
            found.append((match.start(), dt.date(year, month, day)))
        except ValueError:
            continue
    return found
