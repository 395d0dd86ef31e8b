"""Tokenization for BM25: lowercase, strip punctuation, drop doses and counts, light stemming,
and a small table of medical abbreviations and brand names expanded to guideline terms.

The same function tokenizes excerpts and queries, so an expansion helps in both directions
("Norco" in a letter's quote and "opioid" in a request meet on the same tokens).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

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
        # body parts are canonicalized, never expanded, so they do not outweigh the treatment
        (r"\blow(?:er)?[- ]back\b", " lumbar "),
        (r"\blumbosacral\b", " lumbar "),
        (r"\bneck\b", " cervical "),
        (r"\bphysio(?:therapy)?\b", " physical therapy "),
    )
)

SYNONYMS: dict[str, tuple[str, ...]] = {
    # therapies
    "pt": ("physical", "therapy"),
    "ot": ("occupational", "therapy"),
    "chiro": ("chiropractic", "manipulation", "manual"),
    "chiropractic": ("manipulation", "manual"),
    "cmt": ("chiropractic", "manipulation"),
    "acupuncture": ("acupuncture",),
    "electroacupuncture": ("acupuncture", "electrical", "stimulation"),
    "tens": ("transcutaneous", "electrical", "nerve", "stimulation", "tens"),
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
    "mri": ("mri", "magnetic", "resonance", "imaging"),
    "ct": ("computed", "tomography", "imaging"),
    "xray": ("xray", "radiograph", "imaging"),
    "radiograph": ("xray", "imaging"),
    "emg": ("electromyography", "electrodiagnostic", "emg"),
    "ncs": ("nerve", "conduction", "electrodiagnostic"),
    "ncv": ("nerve", "conduction", "electrodiagnostic"),
    "electrodiagnostic": ("emg",),
    "udt": ("urine", "drug", "testing"),
    "uds": ("urine", "drug", "testing"),
    "tox": ("urine", "drug", "testing"),
    "ekg": ("electrocardiogram",),
    "ecg": ("electrocardiogram",),
    # procedures and equipment
    "esi": ("epidural", "steroid", "injection"),
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

# fmt: off
BODY_PARTS = frozenset((
    "lumbar", "cervical", "thoracic", "spine", "back", "knee", "shoulder", "elbow", "wrist",
    "hand", "finger", "hip", "pelvis", "ankle", "foot", "toe", "head", "extremity", "extremitie",
    "upper", "lower", "leg", "arm",
))
"""Body-part tokens: they break ties between excerpts of one treatment but must not decide the
treatment topic (an MRI excerpt mentions 'lumbar' more than a physical therapy one does)."""

STOPWORDS = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "by", "do", "for", "from", "has", "have", "if",
    "in", "is", "it", "not", "of", "on", "or", "per", "such", "that", "the", "there", "this",
    "to", "was", "which", "who", "with", "without", "would", "times", "time", "x", "request",
    "requested", "additional", "left", "right", "bilateral", "unspecified", "one", "two",
    "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twelve", "week",
    "session", "visit", "patient", "injured", "worker", "guideline", "state", "mtus", "ca",
))
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

_TOKEN = re.compile(r"[a-z0-9]+")
_NUMBERISH = re.compile(r"^(?:\d+[a-z]{0,3}|\d+x\d+|x\d+)$")
_SUFFIX_EXCEPTIONS = ("ss", "us", "is", "ys")


def stem(token: str) -> str:
    """Very light plural stripping: 'injections' -> 'injection', 'studies' -> 'study'."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(_SUFFIX_EXCEPTIONS):
        return token[:-1]
    return token


def _iter_tokens(text: str) -> Iterator[tuple[str, bool]]:
    """(token, added_by_expansion) pairs in text order."""
    lowered = text.lower().replace("'s", "")
    for pattern, replacement in _PHRASES:
        lowered = pattern.sub(replacement, lowered)
    for raw in _TOKEN.findall(lowered):
        if raw in STOPWORDS or _NUMBERISH.match(raw):
            continue
        token = raw if raw in SYNONYMS else stem(raw)
        if token in STOPWORDS:
            continue
        yield token, False
        for extra in SYNONYMS.get(token, ()):
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
