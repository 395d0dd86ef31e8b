"""The expert reviewer's credentials, in either of the two styles letters use.

* Labelled (2015 on): "State(s) of Licensure: Texas, New York" and
  "Certification(s)/Specialty: Internal Medicine, Rheumatology" (values may wrap).
* Prose (2013-2014): "The expert reviewer is Board Certified in Neurology, has a subspecialty in
  Neuromuscular Medicine, and is licensed to practice in California."
"""

from __future__ import annotations

import re

from imr_llm.letters._models import Reviewer

_LICENSURE = re.compile(
    r"State\s*\(s\)\s*of\s+Licensure\s*:\s*(?P<v>.*?)(?=Certification|$)", re.IGNORECASE | re.DOTALL
)
_SPECIALTY = re.compile(
    r"Certification\s*\(s\)\s*/\s*Specialt(?:y|ies)\s*:\s*(?P<v>.*?)(?=State\s*\(s\)|$)",
    re.IGNORECASE | re.DOTALL,
)
_PROSE = re.compile(
    r"expert\s+reviewer\s+is\s+(?P<v>.*?(?:licensed|certified).*?)\.(?=\s+[A-Z]|$)",
    re.IGNORECASE | re.DOTALL,
)
_BOARD = re.compile(
    r"Board[\s-]+Certified\s+in\s+(?P<v>.+?)(?=,?\s+(?:and\s+)?(?:has|is|with|holds)\b|$)",
    re.IGNORECASE,
)
_SUBSPECIALTY = re.compile(
    r"(?:sub-?specialty|subspecialties|specialty)\s+(?:certification\s+)?in\s+(?P<v>.+?)"
    r"(?=,?\s+(?:and\s+)?(?:has|is|with|holds)\b|$)",
    re.IGNORECASE,
)
_TITLE = re.compile(r"^(?:an?|the)\s+(?P<v>.+)$", re.IGNORECASE)
_LICENSED = re.compile(r"licensed\s+to\s+practice\s+in\s+(?P<v>.+?)\s*$", re.IGNORECASE)


def split_list(text: str) -> list[str]:
    """'Texas,New York and Ohio' -> ['Texas', 'New York', 'Ohio']; commas inside parentheses
    are kept."""
    text = re.sub(r"\s+", " ", text).strip().rstrip(".;,")
    parts: list[str] = []
    depth, current = 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if (ch in ",;") and depth <= 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    out: list[str] = []
    for part in parts:
        out.extend(re.split(r"\s+and\s+(?=[A-Z])", part.strip()) if "&" not in part else [part])
    return [re.sub(r"^(?:and|or)\s+", "", p).strip() for p in out if p.strip()]


def parse_reviewer(text: str) -> Reviewer:
    """Credentials from the text between the first heading and CLINICAL CASE SUMMARY."""
    licensure: list[str] = []
    specialties: list[str] = []
    lic = _LICENSURE.search(text)
    spec = _SPECIALTY.search(text)
    if lic or spec:
        if lic:
            licensure = [s for s in split_list(lic.group("v")) if s]
        if spec:
            flat = _flat(spec.group("v"))
            specialties = [s.strip() for s in re.split(r"[,;]", flat) if s.strip()]
        return Reviewer(licensure=licensure, specialties=specialties)
    prose = _PROSE.search(text)
    if prose:
        sentence = _flat(prose.group("v"))
        clauses = re.split(
            r",\s*(?=(?:and\s+)?(?:has|is|holds)\b)|\s+and\s+(?=(?:has|is)\b)", sentence
        )
        for n, raw in enumerate(clauses):
            clause = re.sub(r"^(?:and\s+)", "", raw.strip())
            if (m := _BOARD.search(clause)) or (m := _SUBSPECIALTY.search(clause)):
                specialties.append(_flat(m.group("v")))  # one specialty: 'and' is part of names
            elif m := _LICENSED.search(clause):
                licensure.extend(split_list(m.group("v")))
            elif n == 0 and (m := _TITLE.match(clause)):
                specialties.append(_flat(m.group("v")))  # 'a Doctor of Chiropractic'
    return Reviewer(licensure=licensure, specialties=specialties)


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".")
