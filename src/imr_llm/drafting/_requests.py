"""Helpers for merging the extraction calls' answers: normalised text, overlap, and the
requests named on labelled record lines (a UR determination's "Request: ...")."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

from imr_llm._text import norm
from imr_llm.drafting._record_facts import is_ur_document
from imr_llm.records import CaseFile, Document


def first(values: Sequence[Any]) -> Any:
    return next((v for v in values if v not in (None, "", [])), None)


def union(lists: Sequence[list[str]]) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for items in lists:
        for item in items:
            if norm(item) and norm(item) not in seen:
                seen.add(norm(item))
                out.append(item)
    return out


def outcome(raw: str | None) -> Literal["non-certified", "modified", "certified", "unknown"]:
    text = (raw or "").lower()
    if "modif" in text:
        return "modified"
    if any(w in text for w in ("non", "not cert", "denied", "deny", "denial")):
        return "non-certified"
    if any(w in text for w in ("certif", "approv", "authoriz")):
        return "certified"
    return "unknown"


REQUEST_LINE = re.compile(
    r"^\W*(?:requested (?:treatment|service|item)s?|request(?:s|ed)?|service(?:s)? requested|"
    r"services?|treatment requested|disputed (?:item|service|treatment)s?)\s*:\s*(\S.{3,})$",
    re.I,
)
_TRAILER = re.compile(r"\s{3,}|\b(?:determination|decision|outcome|status|date)\s*:", re.I)


def overlap(a: str, b: str) -> float:
    ta, tb = set(norm(a).split()), set(norm(b).split())
    return len(ta & tb) / max(1, min(len(ta), len(tb)))


_SITE = frozenset(
    [
        "left",
        "right",
        "bilateral",
        "the",
        "of",
        "for",
        "and",
        "to",
        "with",
        "x",
        "lumbar",
        "cervical",
        "thoracic",
        "spine",
        "back",
        "knee",
        "shoulder",
        "elbow",
        "wrist",
        "hand",
        "hip",
        "ankle",
        "foot",
        "neck",
        "upper",
        "lower",
        "extremity",
        "extremities",
    ]
)


def request_overlap(a: str, b: str) -> float:
    """`overlap` on the words that name a treatment: shared body parts and sides ("right
    knee") do not make a diagnosis match a request for a knee brace."""
    ta = set(norm(a).split()) - _SITE
    tb = set(norm(b).split()) - _SITE
    if not ta or not tb:
        return overlap(a, b)
    return len(ta & tb) / min(len(ta), len(tb))


def labelled_requests(case: CaseFile) -> list[str]:
    """Requests named on labelled lines ("Request: ...", "Service: ..."), UR documents first;
    near-duplicates (e.g. the RFA's wording of the UR's request) are kept once."""
    ur_docs: list[Document] = []
    other_docs: list[Document] = []
    for doc in case.documents:
        (ur_docs if is_ur_document(doc) else other_docs).append(doc)
    for docs in (ur_docs, other_docs):
        found: list[str] = []
        for doc in docs:
            for line in doc.lines:
                m = REQUEST_LINE.match(line.text.strip())
                value = _TRAILER.split(m.group(1))[0].strip(" .;,") if m else ""
                if len(value) > 3 and not any(overlap(value, f) >= 0.7 for f in found):
                    found.append(" ".join(value.split()))
        if found:
            return found
    return []
