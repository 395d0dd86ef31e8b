"""Tokenization for BM25: the words, stop words and stemmer of `imr_llm._text`, doses and
counts dropped, its synonyms applied (abbreviations expanded, other names rewritten) and a
table of related guideline terms (brand names -> drug class) expanded.

The same function tokenizes excerpts and queries, so an expansion helps in both directions
("Norco" in a letter's quote and "opioid" in a request meet on the same tokens).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from imr_llm._text import ABBREVIATIONS, PERSON_WORDS, SIDES, STOPWORDS, SYNONYMS, WORD, stem

AS_WRITTEN = frozenset(("nsaid", "nsaids", "mid back", "upper back"))
"""`imr_llm._text.SYNONYMS` keys retrieval leaves as they are: NSAIDs are indexed under 'nsaid'
(the drugs and 'anti-inflammatory' expand to it), and 'upper back' is how the MTUS chapter 'Neck
and Upper Back Complaints' names its region."""

# Phrases rewritten before splitting (hyphens and slashes would otherwise break them apart).
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bx-?rays?\b", " xray "),
        (r"\bemg\s*/\s*nc[sv]\b", " emg ncs "),
        (r"\bpost-?op(?:erative)?\b", " postoperative "),
        (r"\bpre-?op(?:erative)?\b", " preoperative "),
        (r"\bhome[- ]health\b", " homehealth "),
        (r"\bwork[- ]hardening\b", " workhardening "),
        (r"\bwork[- ]conditioning\b", " workconditioning "),
        (r"\banti-inflammator", "antiinflammator"),
        (r"\bnon-steroidal\b", "nonsteroidal"),
        (r"\besis\b", " esi "),
        (r"\bmri'?s\b", " mri "),
        # other names are rewritten, never expanded (a body part must not outweigh the treatment)
        *(
            (r"\b" + r"[- ]".join(name.split()) + r"\b", f" {same} ")
            for name, same in SYNONYMS.items()
            if name not in ABBREVIATIONS and name not in AS_WRITTEN
        ),
    )
)

RELATED: dict[str, tuple[str, ...]] = {
    # therapies
    "chiro": ("manipulation", "manual"),
    "chiropractic": ("manipulation", "manual"),
    "cmt": ("chiropractic", "manipulation"),
    "acupuncture": ("acupuncture",),
    "electroacupuncture": ("acupuncture", "electrical", "stimulation"),
    "estim": ("electrical", "stimulation"),
    "workhardening": ("work", "hardening", "conditioning"),
    "workconditioning": ("work", "conditioning", "hardening"),
    "frp": ("functional", "restoration", "program"),
    "fce": ("functional", "capacity", "evaluation"),
    "cbt": ("cognitive", "behavioral", "psychological", "therapy"),
    "homehealth": ("home", "health", "services"),
    # medications
    "norco": ("opioid", "hydrocodone"),
    "vicodin": ("opioid", "hydrocodone"),
    "hydrocodone": ("opioid",),
    "percocet": ("opioid", "oxycodone"),
    "oxycodone": ("opioid",),
    "oxycontin": ("opioid", "oxycodone"),
    "ultram": ("opioid", "tramadol"),
    "tramadol": ("opioid",),
    "morphine": ("opioid",),
    "opiate": ("opioid",),
    "narcotic": ("opioid",),
    "flexeril": ("muscle", "relaxant", "cyclobenzaprine"),
    "cyclobenzaprine": ("muscle", "relaxant"),
    "soma": ("muscle", "relaxant", "carisoprodol"),
    "carisoprodol": ("muscle", "relaxant"),
    "tizanidine": ("muscle", "relaxant"),
    "zanaflex": ("muscle", "relaxant", "tizanidine"),
    "baclofen": ("muscle", "relaxant"),
    "methocarbamol": ("muscle", "relaxant"),
    "motrin": ("nsaid", "ibuprofen"),
    "ibuprofen": ("nsaid",),
    "naproxen": ("nsaid",),
    "anaprox": ("nsaid", "naproxen"),
    "meloxicam": ("nsaid",),
    "mobic": ("nsaid", "meloxicam"),
    "celebrex": ("nsaid",),
    "diclofenac": ("nsaid",),
    "antiinflammatory": ("nsaid",),
    "omeprazole": ("proton", "pump", "inhibitor", "gastrointestinal"),
    "prilosec": ("proton", "pump", "inhibitor", "gastrointestinal"),
    "ppi": ("proton", "pump", "inhibitor", "gastrointestinal"),
    "lidoderm": ("topical", "lidocaine"),
    "compound": ("topical", "compounded"),
    "compounded": ("topical",),
    "cream": ("topical",),
    "flurbiprofen": ("topical", "nsaid"),
    "gabapentin": ("antiepilepsy", "neuropathic"),
    "neurontin": ("antiepilepsy", "gabapentin"),
    "lyrica": ("antiepilepsy", "pregabalin"),
    "ambien": ("insomnia", "sleep"),
    "zolpidem": ("insomnia", "sleep"),
    # tests and imaging
    "ct": ("computed", "tomography", "imaging"),
    "xray": ("xray", "radiograph", "imaging"),
    "radiograph": ("xray", "imaging"),
    "emg": ("electrodiagnostic",),
    "ncs": ("electrodiagnostic",),
    "ncv": ("electrodiagnostic",),
    "electrodiagnostic": ("emg",),
    "udt": ("urine", "drug", "testing"),
    "uds": ("urine", "drug", "testing"),
    "tox": ("urine", "drug", "testing"),
    "ekg": ("electrocardiogram",),
    "ecg": ("electrocardiogram",),
    # procedures and equipment
    "epidural": ("injection",),
    "prp": ("platelet", "rich", "plasma", "injection"),
    "dme": ("durable", "medical", "equipment"),
    "orthosis": ("brace",),
    "arthroscopy": ("surgery", "arthroscopic"),
    "arthroscopic": ("surgery",),
    "meniscectomy": ("surgery", "meniscus"),
    "postoperative": ("postoperative", "postsurgical", "surgery"),
    "preoperative": ("preoperative", "surgery", "clearance"),
}
"""Terms a guideline uses for what a word names or belongs to (brand -> drug, drug -> class),
added at `SYNONYM_WEIGHT` after what `imr_llm._text.ABBREVIATIONS` says an abbreviation stands
for."""

EXPANSIONS: dict[str, tuple[str, ...]] = {
    **{
        short: (*name.split(), *RELATED.get(short, ()))
        for short, name in ABBREVIATIONS.items()
        if short not in AS_WRITTEN
    },
    **{word: related for word, related in RELATED.items() if word not in ABBREVIATIONS},
}
"""Words added after a word (at `SYNONYM_WEIGHT` in a query): what an abbreviation stands for,
then `RELATED` terms."""

# fmt: off
BODY_PARTS = frozenset((
    "lumbar", "cervical", "thoracic", "spine", "back", "knee", "shoulder", "elbow", "wrist",
    "hand", "finger", "hip", "pelvis", "ankle", "foot", "toe", "head", "extremity", "extremitie",
    "upper", "lower", "leg", "arm",
))
"""Body-part tokens: they break ties between excerpts of one treatment but must not decide the
treatment topic (an MRI excerpt mentions 'lumbar' more than a physical therapy one does)."""

IGNORED = STOPWORDS | SIDES | PERSON_WORDS | frozenset((
    "not", "without", "times", "time", "x", "request", "requested", "additional",
    "unspecified", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "twelve", "week", "session", "visit", "guideline", "state", "mtus", "ca",
))
"""Words no excerpt is found by: stop words, negations (an excerpt is found by its topic),
sides, the worker, counts and request wording."""
# fmt: on

MODIFIERS = frozenset(("postoperative", "postsurgical", "preoperative"))
"""Timing words that qualify a treatment ("postoperative physical therapy"): they must not
decide the topic when the query names a treatment (the post-operative opioid excerpt is not
about physical therapy)."""

MODIFIER_WEIGHT = 0.2
"""Query weight of a modifier term when the query has other (treatment) terms."""

BODY_PART_WEIGHT = 0.6
"""Query weight of a body-part term (a treatment term weighs 1)."""

BODY_PART_BUDGET = 1.0
"""Total query weight shared by all body-part terms of a query."""

SYNONYM_WEIGHT = 0.5
"""Query weight of a term added by synonym expansion ('Norco' -> 'opioid', 'hydrocodone')."""

_NUMBERISH = re.compile(r"^(?:\d+[a-z]{0,3}|\d+x\d+|x\d+)$")


def _iter_tokens(text: str) -> Iterator[tuple[str, bool]]:
    """(token, added_by_expansion) pairs in text order."""
    lowered = text.lower().replace("'s", "")
    for pattern, replacement in _PHRASES:
        lowered = pattern.sub(replacement, lowered)
    for raw in WORD.findall(lowered):
        if raw in IGNORED or _NUMBERISH.match(raw):
            continue
        token = raw if raw in EXPANSIONS else stem(raw)
        if token in IGNORED:
            continue
        yield token, False
        for extra in EXPANSIONS.get(token, ()):
            if extra != token:
                yield extra, True


def tokenize(text: str) -> list[str]:
    """Tokens for BM25 (order kept, duplicates kept: BM25 counts term frequency)."""
    return [token for token, _ in _iter_tokens(text)]


def query_terms(text: str) -> dict[str, float]:
    """A query's distinct terms and their weights: 1 for a term the query says, less for a
    synonym expansion, a body part or a timing modifier such as "postoperative" (see
    `SYNONYM_WEIGHT`, `BODY_PART_WEIGHT`, `MODIFIER_WEIGHT`)."""
    weights: dict[str, float] = {}
    for token, expanded in _iter_tokens(text):
        weight = SYNONYM_WEIGHT if expanded else 1.0
        if token in BODY_PARTS:
            weight = min(weight, BODY_PART_WEIGHT)
        weights[token] = max(weights.get(token, 0.0), weight)
    modifiers = [t for t in weights if t in MODIFIERS]
    if modifiers and any(t not in MODIFIERS and t not in BODY_PARTS for t in weights):
        for token in modifiers:
            weights[token] = min(weights[token], MODIFIER_WEIGHT)
    body = [t for t in weights if t in BODY_PARTS]
    for token in body:  # many body parts ("cervical, thoracic and lumbar spine") share one budget
        weights[token] = min(weights[token], BODY_PART_BUDGET / len(body))
    return weights
