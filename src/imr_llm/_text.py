"""Text rules shared by every package (no imports from the rest of imr_llm): sentences, words,
stop words, one light stemmer and one table of abbreviations and synonyms.

Each package that compares words (the summary's record look-ups, the evidence finder, BM25
retrieval, the eval scorers) takes them from here, so that a word added to a list or a fix to
the stemmer reaches all of them. What a package ignores on top of these (the scorer's count
words, BM25's request boilerplate) is declared next to its use, as a union with these sets.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9(])")


def sentences(text: str) -> list[str]:
    """Split prose into sentences (naive: ., ! or ? followed by space and a capital/digit)."""
    parts = _SENTENCE_END.split(" ".join(text.split()))
    return [p.strip() for p in parts if p.strip()]


WORD = re.compile(r"[a-z0-9]+")
"""A word: a run of lowercase letters and digits (match it against lowercased text)."""


def words(text: str) -> list[str]:
    """The words of `text`, lowercased: punctuation, hyphens and slashes separate words."""
    return WORD.findall(text.lower())


def norm(text: str) -> str:
    """`text` as its words joined by single spaces ('Range-of motion:' -> 'range of motion')."""
    return " ".join(words(text))


# fmt: off
STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "for", "from", "has", "have", "if",
    "in", "is", "it", "its", "of", "on", "or", "per", "such", "that", "the", "there", "this",
    "to", "was", "were", "which", "who", "with", "would",
))
"""English function words: they carry nothing a comparison of two phrases should count.
Negations ('not', 'without') are not among them: 'MRI without contrast' is not 'MRI'."""
# fmt: on

SIDES = frozenset(("left", "right", "bilateral"))
"""Sides of the body: 'right knee' and 'left knee' name the same treatment target."""

PERSON_WORDS = frozenset(("patient", "injured", "worker"))
"""How records and letters name the injured worker: on nearly every line, so no evidence."""

_STEM_KEEP = ("ss", "us", "is", "ys")


def stem(word: str) -> str:
    """Very light plural stripping: 'injections' -> 'injection', 'studies' -> 'study'; words
    ending in -ss, -us, -is or -ys ('stenosis', 'status') are kept."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(_STEM_KEEP):
        return word[:-1]
    return word


ABBREVIATIONS: dict[str, str] = {
    "pt": "physical therapy",
    "ot": "occupational therapy",
    "chiro": "chiropractic",
    "esi": "epidural steroid injection",
    "tens": "transcutaneous electrical nerve stimulation",
    "emg": "electromyography",
    "ncv": "nerve conduction",
    "ncs": "nerve conduction",
    "mri": "magnetic resonance imaging",
    "nsaid": "nonsteroidal anti inflammatory",
    "nsaids": "nonsteroidal anti inflammatory",
}
"""Abbreviations the letters and records use -> what they stand for."""

SYNONYMS: dict[str, str] = {
    **ABBREVIATIONS,
    "physio": "physical therapy",
    "physiotherapy": "physical therapy",
    # lay names of a region of the spine -> the anatomical one
    "low back": "lumbar",
    "lower back": "lumbar",
    "lumbosacral": "lumbar",
    "neck": "cervical",
    "mid back": "thoracic",
    "upper back": "thoracic",
}
"""Abbreviations and other names of one thing (as `norm` writes them) -> one name for it."""


def rewriter(table: dict[str, str]) -> Callable[[str], str]:
    """A function that writes `norm(text)` with every key of `table` replaced by its value, in
    one pass, longest key first; a value already written out ('epidural steroid injection')
    stays as it is."""
    names = {**{name: name for name in table.values()}, **table}
    pattern = re.compile(
        r"(?<![a-z0-9])(?:"
        + "|".join(re.escape(k) for k in sorted(names, key=len, reverse=True))
        + r")(?![a-z0-9])"
    )

    def rewrite(text: str) -> str:
        return pattern.sub(lambda m: names[m.group(0)], norm(text))

    return rewrite


LOOSE_SYNONYMS: dict[str, str] = {
    "chiropractor": "chiropractic",
    "manipulation": "chiropractic",
    "acupuncturist": "acupuncture",
    "epidural": "epidural steroid injection",
}
"""Words close enough to a treatment to match a key fact about it (the provider for the
treatment, the usual technique or route for it), but not the same thing: the eval's phrase
matching uses them on top of `SYNONYMS`; guideline retrieval does not (a guideline's
'manipulation' may be of a frozen shoulder under anaesthesia)."""

canonical = rewriter(SYNONYMS)
"""`norm(text)` with the `SYNONYMS` rewritten: 'PT 2x/week, low back' -> 'physical therapy 2x
week lumbar'."""
