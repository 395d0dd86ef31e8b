"""Facts read from the records in code, from the documents that carry them (no model).

The documents are classified first (`imr_llm.records.classify_case`); nothing is read from a
document about another claim, injury or person (``other_claim``). Each function returns the
value, the line that gives it and how it was obtained (`Found.method`), or None:

- `written_age` / `birth_date` / `patient_age`: an age written in the records ("42-year-old",
  "42 y/o", "Age: 42"; the latest document's), else computed from the labelled date of birth
  at the UR determination's date (else the latest exam, else the date of injury);
- `patient_sex`: labelled fields ("Sex: F", "Gender: Male"), then "NN-year-old ... woman", then
  titles (Mr. / Ms. / Mrs.), then the majority of pronouns;
- `injury_date_found`: the date of injury most documents label, else one stated in prose;
- `ur_items` / `ur_date_found`: the requests a UR determination lists with its outcome for each
  (certified, modified, non-certified), from labelled lines ("Request 1: ... / Determination:
  NON-CERTIFIED"), tables ("EMG left upper extremity    NON-CERTIFIED") or outcome-first lines
  ("Non-certified: lumbar MRI"); the determination's date from its labelled date line;
- `rfa_items`: the requests an RFA lists (labelled lines, rows of its requested-treatment table,
  numbered lines), used when no UR determination names them.

Scanned pages are read with OCR-tolerant wording (0/O and 1/l inside words).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field

from imr_llm._dates import BIRTH_DATE_LABEL, INJURY_DATE_LABEL, find_dates, range_end
from imr_llm._text import norm
from imr_llm.records import CaseFile, Document, Line
from imr_llm.records._classify import DocumentLabel, head_lines, is_banner

Outcome = str  # "certified" | "modified" | "non-certified"


@dataclass(frozen=True)
class Found:
    value: object
    doc: Document
    line: Line
    method: str


@dataclass
class URItem:
    request: str
    outcome: Outcome
    doc: Document
    line: Line
    date: dt.date | None = None
    lines: list[Line] = field(default_factory=list)


def _fold(text: str) -> str:
    """OCR-tolerant lower case: digits inside words read as letters (UTILIZATI0N, consu1t)."""

    def fix(m: re.Match[str]) -> str:
        return m.group(0).replace("0", "o").replace("1", "l").replace("5", "s")

    text = re.sub(r"[A-Za-z]*[A-Za-z][015][A-Za-z015]*|[015][A-Za-z]{2,}", fix, text)
    return text.lower()


# ------------------------------------------------------------------ documents by class


def _docs(case: CaseFile, labels: list[DocumentLabel], *kinds: str) -> list[Document]:
    wanted = {lab.document_id for lab in labels if not kinds or lab.kind in kinds}
    return [d for d in case.documents if d.id in wanted]


def related_docs(case: CaseFile, labels: list[DocumentLabel]) -> list[Document]:
    """Every document but those about another claim, injury or person."""
    keep = {lab.document_id for lab in labels if lab.kind != "other_claim"}
    return [d for d in case.documents if d.id in keep]


def _lines(docs: list[Document]) -> list[tuple[Document, Line]]:
    return [(d, ln) for d in docs for ln in d.lines if ln.text.strip()]


def document_date(doc: Document) -> dt.date | None:
    """The date a document is dated (its labelled date / visit date, else the first date of
    its head that is not a date of birth or of injury)."""
    label = re.compile(
        r"(?:date of (?:visit|exam\w*|service|report|determination|decision|review|notice|"
        r"letter)|visit date|exam date|\bDOS\b|report date|determination date|decision date|"
        r"^\W*date|\bdated)\s*[:#-]?\s*$",
        re.I,
    )
    skip = re.compile(r"birth|\bDOB|injury|\bDOI|received|rec'?d|\bRFA\b|request", re.I)
    head = head_lines(doc, 14)
    for line in head:
        for m in find_dates(line.text):
            if m.date and label.search(line.text[max(0, m.start - 40) : m.start]):
                return m.date
    for line in head:
        for m in find_dates(line.text):
            before = line.text[max(0, m.start - 30) : m.start]
            if m.date and not skip.search(before):
                return m.date
    return None


# ------------------------------------------------------------------ age, sex, dates

_AGE = re.compile(
    r"\b(\d{1,3})\s*[- ]?\s*(?:years?|yrs?)[- ]?old\b|\b(\d{1,3})\s*(?:y/o|y\.o\.|yo|yof|yom)\b|"
    r"\bage[d]?\s*[:=]?\s*(\d{1,3})\b",
    re.I,
)


def written_age(docs: list[Document]) -> Found | None:
    """The age written in the records; where documents differ, the latest document's."""
    best: tuple[tuple[dt.date, int], Found] | None = None
    for order, doc in enumerate(docs):
        date = document_date(doc) or dt.date.min
        for line in doc.lines:
            for m in _AGE.finditer(line.text):
                age = int(next(g for g in m.groups() if g))
                if 14 <= age <= 100:
                    key = (date, order)
                    if best is None or key > best[0]:
                        best = (key, Found(age, doc, line, "written in the records"))
                    break
            else:
                continue
            break
    return best[1] if best else None


_QUALIFIER = re.compile(r"^\s*\([^)]{0,40}\)")
"""A qualifier between a label and its date: "Date of injury (cumulative trauma): ..."."""


def _labelled_dates(
    docs: list[Document], label: re.Pattern[str], *, ends_range: bool = False
) -> list[tuple[dt.date, Document, Line]]:
    """Dates written right after `label` (a parenthetical qualifier between them is skipped).
    With `ends_range`, a range ("CT 01/01/2014 - 03/14/2015") gives its end: a cumulative-trauma
    injury is dated at the end of the exposure, and the later date is the cautious one for
    days since the injury."""
    out: list[tuple[dt.date, Document, Line]] = []
    for doc, line in _lines(docs):
        for m in label.finditer(line.text):
            tail = line.text[m.end() : m.end() + 80]
            skip = _QUALIFIER.match(tail)
            offset = skip.end() if skip else 0
            found = [d for d in find_dates(tail) if d.date]
            first = next((d for d in found if offset <= d.start <= offset + 20), None)
            if first is None:
                continue
            chosen = range_end(tail, first, found) if ends_range else first
            if chosen.date is not None:
                out.append((chosen.date, doc, line))
    return out


def _voted(found: list[tuple[dt.date, Document, Line]]) -> tuple[dt.date, Document, Line] | None:
    """The value most documents give (ties: the first found); with its first line."""
    if not found:
        return None
    per_doc = Counter(v for v in {(d, doc.id) for d, doc, _ in found})
    votes = Counter(d for d, _ in per_doc)
    top = max(votes, key=lambda d: (votes[d], -[f[0] for f in found].index(d)))
    return next(f for f in found if f[0] == top)


def birth_date(docs: list[Document]) -> tuple[dt.date, Document, Line] | None:
    return _voted(_labelled_dates(docs, BIRTH_DATE_LABEL))


def injury_date_found(docs: list[Document]) -> Found | None:
    """The labelled date of injury most documents give, else one stated in prose."""
    voted = _voted(_labelled_dates(docs, INJURY_DATE_LABEL, ends_range=True))
    if voted:
        return Found(voted[0], voted[1], voted[2], "labelled date of injury")
    from imr_llm.drafting._record_facts import injury_date

    prose = injury_date(CaseFile(documents=docs)) if docs else None
    if prose:
        return Found(prose[0], prose[1], prose[2], "date of injury stated in prose")
    return None


def age_on(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def patient_age(docs: list[Document], reference: list[tuple[str, dt.date | None]]) -> Found | None:
    """A written age, else the age computed from the date of birth at the first reference date
    given (name, date), e.g. [("UR date", ...), ("exam date", ...)]."""
    written = written_age(docs)
    if written:
        return written
    born = birth_date(docs)
    if born is None:
        return None
    for name, on in reference:
        if on is not None and on > born[0]:
            age = age_on(born[0], on)
            method = (
                f"computed from the date of birth ({born[0].isoformat()}) at the {name} "
                f"({on.isoformat()})"
            )
            return Found(age, born[1], born[2], method)
    return None


_SEX_LABEL = re.compile(r"\b(?:sex|gender)\s*[:=/]?\s*(female|male|f|m)\b", re.I)
_SEX_WORD = re.compile(
    r"\b\d{1,3}\s*[- ]?(?:years?[- ]old|yrs?[- ]old|y/o|y\.o\.|yo)\s*,?\s+(?:[\w-]+\s+){0,3}?"
    r"(female|male|woman|man|gentleman|lady)\b",
    re.I,
)
_TITLE = {"male": re.compile(r"\bMr\.?\s+[A-Z]"), "female": re.compile(r"\bM(?:s|rs)\.?\s+[A-Z]")}
_PRONOUN = {
    "male": re.compile(r"\b(?:he|his|him|himself)\b", re.I),
    "female": re.compile(r"\b(?:she|her|hers|herself)\b", re.I),
}
_SEX_OF = {"f": "female", "female": "female", "woman": "female", "lady": "female"}


def _sex_of(word: str) -> str:
    return _SEX_OF.get(word.lower(), "male")


def patient_sex(docs: list[Document]) -> Found | None:
    """Labelled fields, then 'NN-year-old ... woman', then titles, then pronouns (majority)."""
    lines = _lines(docs)
    for pattern, method in ((_SEX_LABEL, "labelled field"), (_SEX_WORD, "stated with the age")):
        votes: Counter[str] = Counter()
        first: dict[str, tuple[Document, Line]] = {}
        for doc, line in lines:
            for m in pattern.finditer(line.text):
                sex = _sex_of(m.group(1))
                votes[sex] += 1
                first.setdefault(sex, (doc, line))
        if votes:
            sex = votes.most_common(1)[0][0]
            if len(votes) == 1 or votes[sex] > min(votes.values()):
                return Found(sex, *first[sex], method)
    for patterns, what in ((_TITLE, "titles"), (_PRONOUN, "pronouns")):
        counts = {s: 0 for s in patterns}
        where: dict[str, tuple[Document, Line]] = {}
        for doc, line in lines:
            if what == "pronouns" and re.search(
                r"\b(?:dr|doctor|therapist|pt|dpt)\b", line.text, re.I
            ):
                continue
            for sex, pattern in patterns.items():
                n = len(pattern.findall(line.text))
                counts[sex] += n
                if n:
                    where.setdefault(sex, (doc, line))
        male, female = counts["male"], counts["female"]
        if male != female and max(male, female) >= 1:
            sex = "male" if male > female else "female"
            return Found(sex, *where[sex], f"{what} ({female} female, {male} male)")
    return None


# ------------------------------------------------------------------ UR determination

_MOD = re.compile(
    r"\bmodif\w*|\bpartial(?:ly)?\s+(?:certif|approv|authori)\w*|\bapproved\s+in\s+part\b", re.I
)
_NON = re.compile(
    r"\bnon\s*-?\s*certif\w*|\bnot\s+(?:medically\s+necessary|certif\w*|approved|authori\w*|"
    r"recommended|supported)|\bden(?:ied|y|ial)\b|\bnon\s*-?\s*authori\w*|\badverse\b|"
    r"\bnon\s*-?\s*approv\w*|\bnon\s*-?\s*cert\b|\bdisapprov\w*",
    re.I,
)
_CERT = re.compile(r"\bcertif\w*|\bapproved\b|\bauthori[sz]ed\b|\bmedically\s+necessary\b", re.I)


def outcome_in(text: str) -> Outcome | None:
    """The UR outcome a short text states (modified wins over non-certified over certified)."""
    folded = _fold(text)
    for outcome, pattern in (("modified", _MOD), ("non-certified", _NON), ("certified", _CERT)):
        if pattern.search(folded):
            return outcome
    return None


_OUTCOME_LABEL = re.compile(
    r"^\W*(?:UR\s+|final\s+)?(?:determination|decision|outcome|status|result|disposition|"
    r"recommendation|action)\s*(?:[:=-]|\s{2,})\s*(\S.*)$",
    re.I,
)
_ITEM_LABEL = re.compile(
    r"^\W*(?:(?:item|request|service|treatment|procedure|requested\s+(?:item|service|"
    r"treatment))\s*(?:#|no\.?)?\s*\d{1,2}\s*[:.)-]|(?:requested\s+(?:treatment|services?|"
    r"items?|procedures?)|services?\s+requested|treatment\s+requested|"
    r"request(?:ed|s)?(?:\s+under\s+review|\s+items?)?|"
    r"disputed\s+(?:item|service|treatment)s?)\s*(?:\([^)]{0,30}\))?\s*:|#?\d{1,2}\s*[.):]|[-*•]\s+)\s*(\S.*)$",
    re.I,
)
_OUTCOME_FIRST = re.compile(
    r"^\W*((?:non-?\s*certified|certified|modified|denied|approved|not\s+certified)"
    r"(?:\s+(?:as|with)\s+modification)?)\s*[:-]\s*(\S.*)$",
    re.I,
)
_NOT_ITEM = re.compile(
    r"^\W*(?:date|employee|patient|claimant|claim|doi|dob|provider|physician|requesting|"
    r"employer|re|to|from|cc|ur|reference|peer|reviewer|rationale|clinical|"
    r"records|criteria|guideline|appeal|phone|fax|signed|sincerely|dear|utili[sz]ation|"
    r"notice|summary|"
    r"diagnos[ie]s|dx|icd)\b",
    re.I,
)
_CELL_SPLIT = re.compile(r"\s*\|\s*|\t+|\s{3,}|\s+[~.]{2,}\s*|\s+[-–—]+\s+")
_SECTION_END = re.compile(
    r"^\W*(?:rationale|clinical\s+(?:summary|history)|basis|criteria|guidelines?\s+(?:used|"
    r"cited)|summary\s+of\s+records|records\s+reviewed|peer[\s-]+reviewer|appeal)",
    re.I,
)


def _split_items(text: str) -> list[str]:
    """Several requests on one labelled line ("A; B") as separate requests."""
    parts = [_clean_item(p) for p in text.split(";")]
    quantity = re.compile(
        r"(?:sessions?|visits?|weeks?|times|months?|days?|supply|quantity|units?|total|each)$", re.I
    )
    named = [
        p
        for p in parts
        if _is_item_text(p)
        and any(len(w) >= 4 and not quantity.match(w) for w in re.findall(r"[A-Za-z]+", p))
    ]
    return named if len(named) > 1 and len(named) == len(parts) else [text]


def _same_item(a: str, b: str) -> bool:
    """The same request written twice (not two requests that share words)."""
    ta, tb = set(norm(a).split()), set(norm(b).split())
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= 0.9


def _clean_item(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" .;:,-–—|*")
    text = re.sub(r"^(?:#?\d{1,2}[.):]?\s+)", "", text)
    text = re.sub(r"^(?:the\s+)?request(?:ed)?\s+(?:for|of)\s+", "", text, flags=re.I)
    text = re.sub(r"\s*\((?:CPT|HCPCS)[^)]*\)", "", text, flags=re.I)
    return text.strip(" .;:,-–—|*")


def _strip_outcome(text: str) -> str:
    """`text` up to the outcome phrase ("PRP x1 - NON-CERTIFIED" -> "PRP x1")."""
    folded = _fold(text)
    cut = len(text)
    for pattern in (_MOD, _NON, _CERT):
        if m := pattern.search(folded):
            cut = min(cut, m.start())
    head = text[:cut]
    head = re.sub(r"(?:determination|decision|outcome|status)\s*[:=-]?\s*$", "", head, flags=re.I)
    return head


def label_like(text: str) -> bool:
    return bool(re.match(r"^\W*[A-Za-z][\w /()#'-]{0,40}:", text))


def _is_item_text(text: str) -> bool:
    words = re.findall(r"[A-Za-z]{2,}", text)
    return 1 <= len(words) <= 25 and len(text) <= 160 and not _NOT_ITEM.match(text)


def _table_item(text: str) -> tuple[str, Outcome] | None:
    cells = [c for c in _CELL_SPLIT.split(text.strip()) if c.strip(" |")]
    if len(cells) < 2 or cells[0].rstrip().endswith(":"):
        return None
    outcome_cells = [c for c in cells if outcome_in(c) and len(c) <= 40]
    if not outcome_cells:
        return None
    others = [
        c
        for c in cells
        if c not in outcome_cells
        and re.search(r"[A-Za-z]{3,}", c)
        and not re.fullmatch(r"[A-Z]?\d[\w.]*", c.strip())
    ]
    if not others:
        return None
    item = max(others, key=len)
    if re.fullmatch(
        r"(?:item|request\w*|service\w*|treatment|decision|determination)s?", item.strip(), re.I
    ):
        return None
    # outcome_cells holds only cells that state an outcome: outcome_in() is not None here
    return item, outcome_in(outcome_cells[0])  # type: ignore[return-value]


def _joined(lines: list[Line]) -> list[Line]:
    """A labelled request line whose text runs on to a next line starting in lower case
    ("...; EMG/NCS of the bilateral lower" + "extremities.  Determination: ...") is read as
    one line (numbered as the first)."""
    out: list[Line] = []
    for line in lines:
        prev = out[-1] if out else None
        text = line.text.strip()
        if (
            prev is not None
            and text[:1].islower()
            and _ITEM_LABEL.match(prev.text.strip())
            and not re.search(r"[.:;]\s*$", prev.text)
        ):
            joined = f"{prev.text.rstrip()} {text}"
            if m := re.search(r"\s{2,}((?:determination|decision|outcome)\s*:.*)$", joined, re.I):
                out[-1] = prev.model_copy(update={"text": joined[: m.start()]})
                out.append(line.model_copy(update={"text": m.group(1)}))
            else:
                out[-1] = prev.model_copy(update={"text": joined})
            continue
        out.append(line)
    return out


_ITEM_HEAD = re.compile(
    r"^(?:#\s*)?(?:(?:items?|requests?|services?|treatments?|procedures?)(?:\s+(?:requested|"
    r"under\s+review|items?|services?|treatments?))?|requested\s+(?:items?|services?|"
    r"treatments?)|item\s+requested)$",
    re.I,
)
_OUTCOME_HEAD = re.compile(
    r"^(?:(?:UR\s+)?(?:decision|determination|outcome|status|result|disposition))$", re.I
)


@dataclass
class _Table:
    """A table of requests and outcomes: by '|' cells, or by the header's column offsets."""

    pipes: bool
    item: int
    outcome: int
    ends: tuple[int, int]
    """Positional: (end of the item column, end of the outcome column; -1 = line end)."""

    @classmethod
    def header(cls, text: str) -> _Table | None:
        if "|" in text:
            cells = [c.strip() for c in text.split("|")]
            items = [i for i, c in enumerate(cells) if _ITEM_HEAD.match(c)]
            outs = [i for i, c in enumerate(cells) if _OUTCOME_HEAD.match(c)]
            if items and outs:
                return cls(True, items[0], outs[0], (0, 0))
            return None
        spans = [(m.start(), m.group()) for m in re.finditer(r"\S+(?: \S+)*", text)]
        items = [i for i, (_, c) in enumerate(spans) if _ITEM_HEAD.match(c)]
        outs = [i for i, (_, c) in enumerate(spans) if _OUTCOME_HEAD.match(c)]
        if not (items and outs) or len(spans) > 6:
            return None
        i, o = items[0], outs[0]
        item_end = spans[i + 1][0] if i + 1 < len(spans) else -1
        out_end = spans[o + 1][0] if o + 1 < len(spans) else -1
        start = min(spans[i][0], 0 if i == 0 else spans[i][0])
        return cls(False, start, spans[o][0], (item_end, out_end))

    def row(self, text: str) -> tuple[str, str]:
        if self.pipes:
            cells = [c.strip() for c in text.split("|")]

            def get(k: int) -> str:
                return cells[k] if k < len(cells) else ""

            return get(self.item), get(self.outcome)
        item_end, out_end = self.ends
        item = text[self.item : item_end if item_end >= 0 else None]
        outcome = text[self.outcome - 2 : out_end if out_end >= 0 else None]
        return item.strip(), outcome.strip()


def _document_items(doc: Document) -> list[URItem]:
    items: list[URItem] = []
    lines = _joined([ln for ln in doc.lines if ln.text.strip() and not is_banner(ln.text)])
    pending: tuple[str, Line] | None = None
    pending_age = 0
    in_rationale = False
    table: _Table | None = None
    for line in lines:
        text = line.text.strip()
        if _SECTION_END.match(text):
            in_rationale = True
            table = None
        if (head := _Table.header(line.text)) is not None:
            table = head
            continue
        if table is not None:
            if re.fullmatch(r"[-=+|:~\s]+", text):
                continue
            cell, verdict = table.row(line.text)
            oc = outcome_in(verdict) if verdict else None
            item = _clean_item(cell)
            if oc and _is_item_text(item):
                if not any(_same_item(item, x.request) for x in items):
                    items.append(URItem(request=item, outcome=oc, doc=doc, line=line, lines=[line]))
                continue
            if not verdict and item and items and items[-1].doc is doc and not label_like(text):
                items[-1].request = f"{items[-1].request} {item}"  # a wrapped cell
                continue
            table = None
        label = _ITEM_LABEL.match(text)
        out_label = _OUTCOME_LABEL.match(text)
        first = _OUTCOME_FIRST.match(text)
        found: tuple[str, Outcome, Line] | None = None
        if pending is not None and (
            (out_label and (oc := outcome_in(out_label.group(1))))
            or (first and (oc := outcome_in(first.group(1))))
            or (len(text) <= 60 and not label and (oc := outcome_in(text)))
        ):
            found = (pending[0], oc, pending[1])
            pending = None
        elif (
            pending is not None
            and not label
            and (oc := outcome_in(text))
            and len((tail := _strip_outcome(text)).split()) <= 8
        ):
            # the item wrapped onto the line that gives its outcome
            found = (
                _clean_item(f"{pending[0].rstrip('-')} {tail}".replace("- ", "-")),
                oc,
                pending[1],
            )
            pending = None
        elif label and not _NOT_ITEM.match(label.group(1)):
            rest = label.group(1)
            oc = outcome_in(rest)
            item = _clean_item(_strip_outcome(rest) if oc else rest)
            if oc and _is_item_text(item):
                found = (item, oc, line)
            elif _is_item_text(item) and not (in_rationale and items):
                pending, pending_age = (item, line), 0
        elif first and _is_item_text(first.group(2)):
            if oc := outcome_in(first.group(1)):
                found = (_clean_item(first.group(2)), oc, line)
        elif row := _table_item(text):
            item = _clean_item(row[0])
            if _is_item_text(item):
                found = (item, row[1], line)
        if found and in_rationale and items:
            found = None  # the rationale discusses the items already listed
        if found:
            item, oc, at = found
            for part in _split_items(item):
                if not any(_same_item(part, x.request) for x in items):
                    items.append(
                        URItem(request=part, outcome=oc, doc=doc, line=at, lines=[at, line])
                    )
        elif pending is not None:
            pending_age += 1
            if pending_age > 4:
                pending = None
    return items


def ur_items(docs: list[Document]) -> list[URItem]:
    """Per-request outcomes of the UR determinations (see the module docstring), each with the
    date of its determination."""
    out: list[URItem] = []
    for doc in docs:
        date = ur_date_of(doc)
        for item in _document_items(doc):
            item.date = date[0] if date else None
            out.append(item)
    return out


_UR_DATE_LABEL = re.compile(
    r"(?:date\s+of\s+(?:determination|decision|review|notice|letter)|"
    r"(?:determination|decision|review|notice|letter)\s+date|^\W*date(?:\s+sent|\s+issued)?)"
    r"\s*[:#-]?\s*$",
    re.I,
)
_NOT_UR_DATE = re.compile(
    r"birth|\bDOB|injur|\bDOI|receiv|rec'?d|\bRFA\b|request|exam|visit|\bDOS\b|peer|"
    r"attempt|call|signed",
    re.I,
)


def ur_date_of(doc: Document) -> tuple[dt.date, Line] | None:
    """A UR determination's date: its labelled date line, else the first date of its head
    that is not a date of injury, birth, request, receipt or exam."""
    head = head_lines(doc, 20)
    for line in head:
        for m in find_dates(line.text):
            before = line.text[max(0, m.start - 40) : m.start]
            if m.date and _UR_DATE_LABEL.search(before) and not _NOT_UR_DATE.search(before[-25:]):
                return m.date, line
    for line in head:
        for m in find_dates(line.text):
            before = line.text[max(0, m.start - 40) : m.start]
            if m.date and not _NOT_UR_DATE.search(before):
                return m.date, line
    return None


def ur_date_found(ur_docs: list[Document], items: list[URItem]) -> Found | None:
    """The date of the latest UR determination that non-certified or modified a request (of
    the latest UR determination when none names its items)."""
    adverse = [i for i in items if i.outcome != "certified" and i.date]
    if adverse:
        # every entry of `adverse` has a date; the filter does not narrow i.date
        latest = max(adverse, key=lambda i: i.date)  # type: ignore[arg-type, return-value]
        dated = ur_date_of(latest.doc)
        if dated:
            return Found(dated[0], latest.doc, dated[1], "date of the UR determination")
    dates = [(d, doc) for doc in ur_docs if (d := ur_date_of(doc))]
    if dates:
        (date, line), doc = max(dates, key=lambda x: x[0][0])
        return Found(date, doc, line, "date of the UR determination")
    return None


def ur_overall_outcome(ur_docs: list[Document]) -> Found | None:
    """The outcome a UR determination states as a whole (its first decision line or title)."""
    for doc in ur_docs:
        for line in doc.lines:
            text = line.text.strip()
            if not text or is_banner(text):
                continue
            m = _OUTCOME_LABEL.match(text)
            head = line in head_lines(doc, 8)
            if (m and (oc := outcome_in(m.group(1)))) or (head and (oc := outcome_in(text))):
                return Found(oc, doc, line, "stated by the UR determination")
    return None


# ------------------------------------------------------------------ RFA

_RFA_HEADER = re.compile(
    r"(?:service|good|treatment|procedure|item)s?\s*(?:/\s*good)?\s*(?:requested|\(req)|"
    r"requested\s+(?:treatment|service|item)",
    re.I,
)


def rfa_items(docs: list[Document]) -> list[tuple[str, Document, Line]]:
    """Requests an RFA lists: labelled lines, rows under its requested-treatment header, or
    numbered lines there."""
    out: list[tuple[str, Document, Line]] = []
    for doc in docs:
        lines = [ln for ln in doc.lines if ln.text.strip() and not is_banner(ln.text)]
        in_table = False
        header_cells: list[str] = []
        for line in lines:
            text = line.text.strip()
            if re.match(r"^\|?\s*[-=|: ]+$", text):
                continue
            if _RFA_HEADER.search(text) and not re.search(r":\s*\S", text.split("|")[0][-3:] + " "):
                cells = [c for c in _CELL_SPLIT.split(text) if c.strip(" |")]
                if len(cells) >= 2:
                    in_table, header_cells = True, cells
                    continue
            item = None
            if in_table:
                cells = [c for c in _CELL_SPLIT.split(text) if c.strip(" |")]
                if len(cells) >= 2 and header_cells:
                    col = next(
                        (i for i, h in enumerate(header_cells) if _RFA_HEADER.search(h)), None
                    )
                    if col is not None and col < len(cells):
                        item = cells[col]
                elif len(cells) < 2:
                    in_table = False
            if item is None:
                m = _ITEM_LABEL.match(text)
                if m and not _NOT_ITEM.match(m.group(1)):
                    item = m.group(1)
            if item:
                item = _clean_item(re.split(r"\s{3,}|\bCPT\b|\bHCPCS\b", item)[0])
                if _is_item_text(item) and not any(_same_item(item, x) for x, _, _ in out):
                    out.append((item, doc, line))
    return out


_UR_SECTION = re.compile(
    r"utili[sz]ation\s+review|\bUR\s+(?:determination|decision|notice|denial|letter)|"
    r"notice\s+of\s+(?:adverse|non-?certification|modification|determination|decision)",
    re.I,
)


def ur_sections(docs: list[Document]) -> list[Document]:
    """UR determinations inside combined files: from a short heading line naming one to the
    end of the document (same id and line numbers)."""
    out = []
    for doc in docs:
        for i, line in enumerate(doc.lines):
            text = line.text.strip()
            if text and len(text) <= 70 and _UR_SECTION.search(text) and not is_banner(text):
                out.append(doc.model_copy(update={"lines": doc.lines[i:]}))
                break
    return out


# ------------------------------------------------------------------ all together


@dataclass
class Request:
    """A disputed request read from the records, with the UR outcome if the UR names it."""

    text: str
    doc: Document
    line: Line
    outcome: Outcome | None
    method: str


_WORK_STATUS = re.compile(r"^\W*(?:\d+\.\s*)?work\s+status\s*[:=-]\s*(\S.{3,})$", re.I)
_MECHANISM = re.compile(
    r"^\W*(?:\d+\.\s*)?(?:mechanism(?:\s+of\s+injury)?|MOI|how\s+did\s+(?:the\s+)?injury"
    r"\s+occur\??)\s*[:=-]?\s*(\S.{5,})$",
    re.I,
)


def labelled_phrase(
    docs: list[Document], pattern: re.Pattern[str], method: str, latest: bool = False
) -> Found | None:
    """The value of a labelled line ("Work status: modified duty"), the first (or the
    latest document's) found; the value is cut at the first sentence end."""
    found = []
    for doc, line in _lines(docs):
        if m := pattern.match(line.text):
            value = re.split(r"(?<=[a-z)])\.\s", m.group(1).strip())[0].strip(" .")[:120]
            if len(value) > 3:
                found.append((document_date(doc) or dt.date.min, Found(value, doc, line, method)))
    if not found:
        return None
    return max(found, key=lambda f: f[0])[1] if latest else found[0][1]


@dataclass
class CaseFacts:
    """The facts `case_facts` read in code (None / [] where the records do not say)."""

    related: list[Document]
    age: Found | None = None
    sex: Found | None = None
    injury: Found | None = None
    ur_date: Found | None = None
    ur_outcome: Found | None = None
    ur_doc: Document | None = None
    items: list[URItem] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    work_status: Found | None = None
    mechanism: Found | None = None

    def any(self) -> bool:
        return any(x is not None for x in (self.age, self.sex, self.injury, self.ur_date)) or bool(
            self.requests
        )


def case_facts(case: CaseFile, labels: list[DocumentLabel]) -> CaseFacts:
    """Every fact this module reads, from the documents that carry it (module docstring)."""
    related = related_docs(case, labels)
    kinds = {lab.document_id: lab.kind for lab in labels}
    ur_docs = [d for d in related if kinds.get(d.id) == "ur_determination"]
    if not ur_docs:
        ur_docs = ur_sections(related)
    rfa_docs = [d for d in related if kinds.get(d.id) == "rfa"]
    items = ur_items(ur_docs)
    ur_date = ur_date_found(ur_docs, items)
    ur_doc = ur_date.doc if ur_date else (ur_docs[-1] if ur_docs else None)
    mine = [i for i in items if ur_doc is not None and i.doc is ur_doc]
    overall = ur_overall_outcome([ur_doc]) if ur_doc is not None else None
    adverse = [i for i in mine if i.outcome != "certified"]
    if adverse:
        outcome = "modified" if any(i.outcome == "modified" for i in adverse) else "non-certified"
        overall = Found(outcome, adverse[0].doc, adverse[0].line, "per-item UR outcomes")
    requests = [
        Request(i.request, i.doc, i.line, i.outcome, "listed by the UR determination")
        for i in adverse
    ]
    if not mine:
        stated = overall.value if overall else None
        requests = [
            # Found.value is untyped (object); the overall outcome's is an Outcome
            Request(text, doc, line, stated, "listed by the request for authorization")  # type: ignore[arg-type]
            for text, doc, line in rfa_items(rfa_docs)
        ]
    exam_dates = [
        d for doc in related if kinds.get(doc.id) == "progress_report" if (d := document_date(doc))
    ]
    injury = injury_date_found(related)
    reference: list[tuple[str, dt.date | None]] = [
        # Found.value is untyped (object); these two hold dates
        ("UR date", ur_date.value if ur_date else None),  # type: ignore[list-item]
        ("latest exam date", max(exam_dates) if exam_dates else None),
        ("date of injury", injury.value if injury else None),  # type: ignore[list-item]
    ]
    return CaseFacts(
        related=related,
        age=patient_age(related, reference),
        sex=patient_sex(related),
        injury=injury,
        ur_date=ur_date,
        ur_outcome=overall,
        ur_doc=ur_doc,
        items=items,
        requests=requests,
        work_status=labelled_phrase(related, _WORK_STATUS, "labelled line", latest=True),
        mechanism=labelled_phrase(related, _MECHANISM, "labelled line"),
    )
