"""What each document of a case file is, and the lines that say so (rules; no model).

Classes (`DocumentClass`): ``rfa`` (a DWC Form RFA / request for authorization),
``ur_determination`` (a utilization review determination letter), ``progress_report`` (a
treating physician's PR-2, Doctor's First Report, consultation or office note),
``therapy_note`` (physical / occupational therapy, chiropractic or acupuncture notes and visit
logs), ``imaging_or_edx`` (radiology, MRI, CT, ultrasound, EMG / NCS reports),
``operative_report``, ``other_claim`` (about another injury, claim or person) and ``other``
(cover sheets, billing, dental...).

How: the title lines of a document (its first lines that are not fax banners) are matched
against the wording of each form family (a title such as "REQUEST FOR AUTHORIZATION" or
"UTILIZATION REVIEW DETERMINATION" decides alone); the body adds weaker signals (a UR letter's
"Peer reviewer" and per-item determinations, a radiology report's Findings / Impression, a
therapy note's visit log). The class with the highest score wins; with no signal the
document is ``other``. A document is ``other_claim`` when a labelled claim number, date of
injury, date of birth or patient name contradicts the case's own (the value most documents
give), or when its title says it is about a non-industrial or prior injury.

Only `classify_case` looks across documents; `document_signals` scores one document alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from itertools import islice

from pydantic import Field

from imr_llm._dates import BIRTH_DATE_LABEL, INJURY_DATE_LABEL, find_dates
from imr_llm._models import Contract
from imr_llm.records._models import CaseFile, Document, DocumentClass, Line

HEAD_LINES = 14
"""Title lines looked at (after fax banners and the synthetic-record banner)."""

_BANNER = re.compile(
    r"\bfax\b|\bFROM\s*:|\bTO\s*:.*\bP\.?\s*\d{1,3}\s*/\s*\d{1,3}|\bpage\s+\d+\s+of\s+\d+\b|"
    r"^\W*synthetic record|^\W*-{2,}.*-{2,}\W*$|\bP\.\d{3}\b",
    re.I,
)


def is_banner(text: str) -> bool:
    """A fax header / footer or page banner line (not content)."""
    return len(text) < BANNER_CHARS and bool(_BANNER.search(text))


BANNER_CHARS = 140
"""A banner is a short line; longer ones (a summary paragraph) are content, never searched."""


# (class, title pattern (weight 3), body pattern (weight 1 per distinct match, max 3))
_TITLES: list[tuple[DocumentClass, re.Pattern[str]]] = [
    (
        "ur_determination",
        re.compile(
            r"utili[sz]ation\s+review\s+(?:determination|decision|notice|letter|unit|services?|"
            r"department|dept)|notice\s+of\s+(?:utili[sz]ation\s+review|adverse|"
            r"(?:non-?)?certification|modification|determination|decision|denial)|"
            r"\bUR\s+(?:determination|decision|notice|denial|letter|review)|"
            r"(?:non-?certification|adverse\s+determination|modification)\s+(?:letter|notice)|"
            r"\breview\s+determination\b|\bdetermination\s+(?:letter|notice)\b|utili[sz]ation\s+review",
            re.I,
        ),
    ),
    (
        "rfa",
        re.compile(
            r"request\s+for\s+authori[sz]ation|\bDWC\s+form\s+RFA\b|\bRFA\s+form\b|^\W*RFA\W*$|"
            r"treatment\s+authori[sz]ation\s+request",
            re.I,
        ),
    ),
    (
        "operative_report",
        re.compile(r"operative\s+(?:report|note)|\bop\s+note\b|procedure\s+note", re.I),
    ),
    (
        "imaging_or_edx",
        re.compile(
            r"radiology|\bimaging\b|\bMRI\b|\bMRA\b|\bCT\s+(?:scan|of|w/|with)|computed\s+"
            r"tomography|\bx-?ray|radiograph|ultrasound|"
            r"sonogra|\bEMG\b|\bNCV\b|\bNCS\b|nerve\s+conduction|electrodiagnos|electromyogra|"
            r"bone\s+scan|\bDEXA\b|arthrogram|myelogram",
            re.I,
        ),
    ),
    (
        "therapy_note",
        re.compile(
            r"physical\s+therapy|physiotherapy|occupational\s+therapy|\bPT\b\s+(?:daily|visit|"
            r"note|treatment|progress|re-?eval|flow)|\bOT\b\s+(?:note|visit)|chiropract|"
            r"acupunct|therapy\s+(?:daily|visit|treatment|progress)\s+note|daily\s+note|"
            r"visit\s+log|flow\s*sheet|sports\s+rehab|rehab(?:ilitation)?\s+services|"
            r"\bPT\s*/\s*OT\b|hand\s+therapy|"
            r"\btherapy\s+(?:initial\s+)?(?:evaluation|eval|note|visit)|^\W*therapist\s*:",
            re.I,
        ),
    ),
    (
        "progress_report",
        re.compile(
            r"progress\s+report|\bPR-?2\b|doctor'?s\s+first\s+report|first\s+report\s+of|"
            r"\bPR-?4\b|primary\s+treating|office\s+(?:visit|note)|follow-?\s?up\s+(?:visit|"
            r"note|evaluation|report|exam)|consultation|\bconsult\b|initial\s+(?:evaluation|"
            r"visit|report)|re-?evaluation|evaluation\s+and\s+management|clinic\s+note|"
            r"emergency\s+(?:department|room)\s+(?:note|report|record)|history\s+and\s+physical|\bH&P\b|\bQME\b|\bAME\b|"
            r"medical[\s-]+legal|treating\s+physician|narrative\s+report|visit\s+note|"
            r"\bSOAP\b|permanent\s+and\s+stationary|encounter\s+note|clinic\s+visit|"
            r"urgent\s+care\s+(?:visit|note|report)|comprehensive\s+evaluation|\bDFR\b",
            re.I,
        ),
    ),
]
_LETTERHEAD: list[tuple[DocumentClass, re.Pattern[str]]] = [
    (
        "ur_determination",
        re.compile(
            r"(?:physician|medical|peer|care|clinical)\s+review|review\s+(?:services|solutions)|"
            r"managed\s+care|utili[sz]ation\s+management",
            re.I,
        ),
    ),
    ("imaging_or_edx", re.compile(r"imaging|radiology|diagnostic\s+center|\bMRI\b", re.I)),
    ("therapy_note", re.compile(r"\brehab(?:ilitation)?\b|therapy|chiropractic", re.I)),
    (
        "progress_report",
        re.compile(
            r"occupational\s+(?:health|medicine|care)|orthop(?:a)?edic|pain\s+management|"
            r"medical\s+(?:group|center|clinic|associates)|industrial\s+(?:care|medic\w*)|"
            r"\bclinic\b|\bphysicians?\b|urgent\s+care|family\s+(?:medicine|practice)",
            re.I,
        ),
    ),
]
"""Provider names in letterheads: weaker than a document's title (a "Physician Review"
company writes UR letters; a medical center's operative report is not a progress report)."""
LETTERHEAD_WEIGHT = 4

_BODY: dict[DocumentClass, re.Pattern[str]] = {
    "ur_determination": re.compile(
        r"peer\s+reviewer|physician\s+(?:reviewer|advisor)|reviewing\s+physician|"
        r"\bdetermination\s*:|non-?certif|independent\s+medical\s+review|\bIMR\b|"
        r"peer[\s-]+to[\s-]+peer|appeal|medical\s+necessity|criteria\s+used",
        re.I,
    ),
    "rfa": re.compile(
        r"requested\s+treatment|requesting\s+physician|service\s*/\s*good|\bCPT\b|\bHCPCS\b|"
        r"employee\s+information|claims?\s+administrator\s+information|expedited\s+review|"
        r"resubmission",
        re.I,
    ),
    "imaging_or_edx": re.compile(
        r"^\W*(?:findings|impression|technique|comparison|clinical\s+history|indication)\s*:|"
        r"\bexam\s*:|nerve\s+conduction|latenc|amplitude|radiologist|electronically\s+signed",
        re.I,
    ),
    "operative_report": re.compile(
        r"pre-?operative\s+diagnos|post-?operative\s+diagnos|procedures?\s+performed|"
        r"\banesthesia\b|estimated\s+blood\s+loss|\bsurgeon\b|\bincision\b",
        re.I,
    ),
    "therapy_note": re.compile(
        r"\bvisit\s*#?\s*\d+\s*(?:of|/)\s*\d+|\bther-?ex\b|therapeutic\s+exercise|\bHEP\b|"
        r"\bPT,?\s+DPT\b|\bDPT\b|\bOTR\b|\bL\.?Ac\b|\bD\.?C\.?\b|manual\s+therapy|"
        r"modalities|\bSTM\b|\bionto|treatment\s+provided",
        re.I,
    ),
    "progress_report": re.compile(
        r"^\W*(?:subjective|objective|assessment|plan|diagnos[ie]s|work\s+status|"
        r"physical\s+exam\w*|chief\s+complaint|history\s+of\s+present)\b|\bM\.?D\.?\b|\bD\.?O\.?\b|"
        r"\bDPM\b|\bTTD\b|modified\s+duty|\bMMI\b|return\s+to\s+clinic|\bRTC\b",
        re.I,
    ),
}
_BODY_ANYWHERE = {kind: re.compile(p.pattern, p.flags | re.M) for kind, p in _BODY.items()}
"""Each body pattern over a document's lines joined by newlines: a line that matches matches
there too (line anchors made per line), so a document without a match skips the line scan."""
_PARTS = re.compile(r"\s{2,}|\s+-\s+|\s*\|\s*")
"""Where a head line splits into parts (columns, ' - ', '|')."""
_OTHER_TITLE = re.compile(
    r"claims?\s+(?:diary|file\s+note|notes?|log)|adjuster|subrogation|non-?industrial|not\s+(?:work|industrially)[\s-]+related|personal\s+(?:injury|illness)|"
    r"\bmis-?filed\b|wrong\s+(?:patient|chart|file)|\bprior\s+(?:claim|injury)\b|"
    r"\bdental\b|\bdentist|\bbilling\b|\binvoice\b|statement\s+of\s+account|cover\s+sheet",
    re.I,
)
_CLAIM = re.compile(
    r"\bclaim\s*(?:#|no\.?|number|num)?\s*[:#]?\s*([A-Z0-9][A-Z0-9-]{4,}[0-9][A-Z0-9-]*)", re.I
)
_NAME = re.compile(
    r"^\W*(?:patient|pt|employee|injured\s+worker|applicant|claimant)\s*(?:name)?\s*"
    r"(?:\([^)]*\))?\s*:\s*"
    r"([A-Za-z][A-Za-z'.,-]*(?:\s+[A-Za-z][A-Za-z'.,-]*){0,3})",
    re.I,
)
_NAME_STOP = re.compile(r"\b(?:DOB|DOI|sex|claim|date|age|MRN|employer|dr|md|provider)\b.*$", re.I)


class DocumentLabel(Contract):
    """The class of one document and the lines that decided it."""

    document_id: str
    source: str
    kind: DocumentClass
    evidence: list[int] = Field(default_factory=list, description="Line numbers that decided it.")
    reason: str = Field(description="Short account of the deciding signal.")


_COVER = re.compile(r"\bcover\s+(?:sheet|page|letter)\b|\btransmittal\b", re.I)


def head_lines(doc: Document, n: int = HEAD_LINES) -> list[Line]:
    """The document's first `n` non-blank lines that are not fax or page banners, skipping a
    first page that is only a fax cover sheet when more pages follow."""
    lines = doc.lines
    content = [ln for ln in lines if ln.text.strip()]
    if any(_COVER.search(ln.text) for ln in content[:8]):
        if doc.pages > 1:
            lines = [ln for ln in lines if ln.page > 1]
        else:  # pages marked only by fax footers ("Page 1 of 3")
            ends = [
                i
                for i, ln in enumerate(lines)
                if is_banner(ln.text) and re.search(r"page\s+1\s+of\s+\d", ln.text, re.I)
            ]
            if ends:
                lines = lines[ends[0] + 1 :]
    out = []
    for line in lines:
        text = line.text.strip()
        if text and not is_banner(text):
            out.append(line)
            if len(out) >= n:
                break
    return out


def document_signals(doc: Document) -> dict[DocumentClass, tuple[int, list[int]]]:
    """Score of each class for one document alone, with the lines that scored."""
    scores: dict[DocumentClass, tuple[int, list[int]]] = {}
    head = head_lines(doc)
    # the title-like parts (upper case or short) of each head line's first three
    head_titles = [
        [p for p in _PARTS.split(line.text.strip())[:3] if p.isupper() or len(p) <= 60]
        for line in head
    ]
    for kind, pattern in _TITLES:
        for pos, (line, titles) in enumerate(zip(head, head_titles, strict=True)):
            if any(pattern.search(t) for t in titles):
                # a title line (upper case or short) is worth more than a mention in the head,
                # and the first lines (letterhead, form title) more than later ones
                scores[kind] = (6 + 2 * max(0, 4 - pos), [line.number])
                break
    for kind, pattern in _LETTERHEAD:
        if kind in scores:
            continue
        for line, titles in zip(head[:4], head_titles[:4], strict=True):
            if any(pattern.search(t) for t in titles):
                scores[kind] = (LETTERHEAD_WEIGHT, [line.number])
                break
    content = [ln for ln in doc.lines if ln.text.strip() and not is_banner(ln.text)]
    joined = "\n".join(ln.text for ln in content)
    for kind, pattern in _BODY.items():
        if not _BODY_ANYWHERE[kind].search(joined):  # no line can match either
            continue
        # only the first three hits count
        hits = list(islice((ln.number for ln in content if pattern.search(ln.text)), 3))
        if hits:
            old = scores.get(kind, (0, []))
            scores[kind] = (old[0] + len(hits), old[1] + hits)
    return scores


def _labelled(doc: Document, label: re.Pattern[str]) -> list[tuple[str, int]]:
    """Dates written right after `label` (ISO strings) with their line numbers."""
    out: list[tuple[str, int]] = []
    for line in doc.lines:
        text = line.text
        for m in label.finditer(text):
            tail = text[m.end() : m.end() + 40]
            dates = [d.date for d in find_dates(tail) if d.date and d.start <= 16]
            if dates:
                out.append((dates[0].isoformat(), line.number))
    return out


def _claims(doc: Document) -> list[tuple[str, int]]:
    out = []
    for line in doc.lines:
        for m in _CLAIM.finditer(line.text):
            value = m.group(1).upper().strip("-")
            if sum(c.isdigit() for c in value) >= 3:
                out.append((value, line.number))
    return out


def _names(doc: Document) -> list[tuple[frozenset[str], int]]:
    out = []
    for line in head_lines(doc, 25):
        if m := _NAME.match(line.text):
            raw = _NAME_STOP.sub("", m.group(1))
            words = frozenset(w for w in re.findall(r"[a-z]+", raw.lower()) if len(w) > 2)
            if words:
                out.append((words, line.number))
    return out


def _majority(values: Iterable[str]) -> str | None:
    counts = Counter(values)
    if not counts:
        return None
    (top, n), *rest = counts.most_common()
    return top if not rest or n > rest[0][1] else None


class _Identity:
    """The case's claim number, date of injury, date of birth and patient name: the value
    most documents give (each document counted once per value)."""

    def __init__(self, docs: list[Document]) -> None:
        self.claim = _majority(v for d in docs for v in {c for c, _ in _claims(d)})
        self.doi = _majority(
            v for d in docs for v in {c for c, _ in _labelled(d, INJURY_DATE_LABEL)}
        )
        self.dob = _majority(
            v for d in docs for v in {c for c, _ in _labelled(d, BIRTH_DATE_LABEL)}
        )
        names = Counter(w for d in docs for w in {x for ws, _ in _names(d) for x in ws})
        self.name_words = {w for w, n in names.items() if n >= 2}

    def conflicts(self, doc: Document, clinical: bool = True) -> tuple[str, list[int]] | None:
        """Why `doc` is about another claim, injury or person, with the lines; or None."""
        checks = (
            ("claim number", self.claim, _claims(doc)),
            ("date of injury", self.doi, _labelled(doc, INJURY_DATE_LABEL)),
            ("date of birth", self.dob, _labelled(doc, BIRTH_DATE_LABEL)),
        )
        for what, mine, found in checks:
            if what == "claim number" and clinical is False:
                continue  # an insurer's or another carrier's number on a letter or bill
            if mine and found and all(v != mine for v, _ in found):
                return f"its {what} differs from the case's", [n for _, n in found][:2]
        names = _names(doc)
        if self.name_words and names and all(not (ws & self.name_words) for ws, _ in names):
            return "its patient name differs from the case's", [n for _, n in names][:2]
        return None


def classify_document(doc: Document) -> DocumentLabel:
    """The class of one document by its own wording (never ``other_claim``)."""
    scores = document_signals(doc)
    if not scores:
        return DocumentLabel(
            document_id=doc.id, source=doc.source, kind="other", reason="no form signal"
        )
    order = [k for k, _ in _TITLES]
    kind = max(scores, key=lambda k: (scores[k][0], -order.index(k)))
    score, lines = scores[kind]
    head = head_lines(doc)
    if score < 3 and any(_OTHER_TITLE.search(ln.text) for ln in head):
        return DocumentLabel(
            document_id=doc.id,
            source=doc.source,
            kind="other",
            evidence=[ln.number for ln in head if _OTHER_TITLE.search(ln.text)][:2],
            reason="title names a non-clinical document",
        )
    return DocumentLabel(
        document_id=doc.id,
        source=doc.source,
        kind=kind,
        evidence=sorted(set(lines))[:4],
        reason=f"{kind} wording (score {score})",
    )


def classify_case(case: CaseFile) -> list[DocumentLabel]:
    """The class of every document of `case`, in order (see the module docstring)."""
    identity = _Identity(case.documents)
    out = []
    for doc in case.documents:
        label = classify_document(doc)
        conflict = identity.conflicts(doc, clinical=label.kind != "other")
        if conflict is None:
            head = head_lines(doc, 6)
            other = [ln.number for ln in head if _OTHER_TITLE.search(ln.text)]
            if other and re.search(
                r"non-?industrial|not\s+(?:work|industrially)|personal|mis-?filed|wrong|prior",
                " ".join(ln.text for ln in head if ln.number in other),
                re.I,
            ):
                conflict = ("its title says it is about another injury or claim", other[:2])
        if conflict is not None:
            label = DocumentLabel(
                document_id=doc.id,
                source=doc.source,
                kind="other_claim",
                evidence=conflict[1],
                reason=conflict[0],
            )
        out.append(label)
    return out


def with_kinds(case: CaseFile, labels: list[DocumentLabel] | None = None) -> CaseFile:
    """`case` with each `Document.kind` set to its class."""
    labels = classify_case(case) if labels is None else labels
    kinds = {label.document_id: label.kind for label in labels}
    return case.model_copy(
        update={
            "documents": [
                d.model_copy(update={"kind": kinds.get(d.id, d.kind)}) for d in case.documents
            ]
        }
    )
