"""Redaction before a remote call (opt-in) and the per-run audit log.

`Redactor` finds personal data with presidio-analyzer's recognizers and replaces each value with
a stable placeholder (`<PERSON_1>`, `<US_SSN_1>`...): the same value gets the same placeholder in
every message of the run, and the model's answer is restored from the placeholders, so quotes
and evidence are checked against the original records. presidio's own recognizers find SSNs,
phone numbers (Google's libphonenumber) and emails; names, dates of birth, claim numbers and
addresses are found by presidio `PatternRecognizer`s anchored on the labels the records use
(`Patient:`, `DOB:`, `Claim #:`, `Address:`, `Mr./Ms./Dr.`). Every occurrence of a value found
once is replaced, labelled or not, and a name's parts (given name, surname) too.

Needs the `redact` extra (`pip install 'imr-llm[redact]'`); nothing here downloads anything
(presidio's email check is pointed at tldextract's bundled suffix list, never the network).

`AuditLog` appends one JSON line per request: when, which endpoint (secrets masked), which
model, a SHA-256 of what was sent, its size and what was redacted (counts); never the text.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from imr_llm._errors import ModelConfigError
from imr_llm._private import open_private, private_dir

PLACEHOLDER = re.compile(r"<([A-Z_]+)_(\d+)>")
_NAME = r"[A-Z][a-zA-Z'\-]+(?: [A-Z]\.)?(?: [A-Z][a-zA-Z'\-]+){0,2}"
_DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4})"
)
_LABELLED: list[tuple[str, str, str]] = [
    # (entity, label alternatives, value pattern); the label itself is kept
    (
        "PERSON",
        r"patient(?:'s)?(?:\s+name)?|name|injured\s+worker|employee|applicant|claimant",
        _NAME,
    ),
    ("PERSON", r"mr\.?|mrs\.?|ms\.?|miss|dr\.?", r"[A-Z][a-zA-Z'\-]+(?: [A-Z][a-zA-Z'\-]+)?"),
    ("DATE_OF_BIRTH", r"dob|d\.o\.b\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?", _DATE),
    (
        "US_SSN",
        r"ssn|ss\#|social\s+security(?:\s+(?:no\.?|number|\#))?",
        r"\d{3}[\- ]?\d{2}[\- ]?\d{4}",
    ),
    (
        "CLAIM_NUMBER",
        r"claim(?:\s*(?:\#|no\.?|number))?|wcab(?:\s*(?:\#|no\.?|number))?|adj(?:\s*\#)?",
        r"[A-Z0-9]*\d[A-Z0-9\-]{3,}",
    ),
    ("ADDRESS", r"address|addr\.?|residence|resides\s+at", r"[0-9A-Z][^\n]{3,120}"),
]
_STREET = (
    r"\b\d{1,6}\s+(?:[A-Z][a-zA-Z]+\s+){1,3}(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|"
    r"Drive|Lane|Ln|Way|Court|Ct|Place|Pl|Circle|Cir|Parkway|Pkwy|Highway|Hwy)\b\.?"
    r"(?:,?\s+(?:Apt|Suite|Ste|Unit|\#)\.?\s*[A-Za-z0-9\-]+)?"
)
MIN_SCORE = 0.4


def _offline_tldextract() -> None:
    """presidio's email check calls tldextract, which would fetch the public suffix list over
    the network; use the snapshot bundled with tldextract instead."""
    import tldextract
    import tldextract.tldextract as tt

    tt.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _recognizers() -> list[Any]:
    try:
        import regex
        from presidio_analyzer import Pattern, PatternRecognizer
        from presidio_analyzer.predefined_recognizers import (
            EmailRecognizer,
            PhoneRecognizer,
            UsSsnRecognizer,
        )
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelConfigError(
            "--redact needs presidio-analyzer: pip install 'imr-llm[redact]'"
        ) from exc
    _offline_tldextract()
    flags = regex.DOTALL | regex.MULTILINE  # case-sensitive values; labels say (?i:) themselves
    found: list[Any] = [UsSsnRecognizer(), PhoneRecognizer(), EmailRecognizer()]
    for i, (entity, labels, value) in enumerate(_LABELLED):
        pattern = rf"(?<=\b(?i:{labels})(?![A-Za-z])\s*[:\#]?\s*){value}"
        found.append(
            PatternRecognizer(
                supported_entity=entity,
                name=f"imr_llm_labelled_{i}",
                patterns=[Pattern(f"{entity.lower()}_labelled", pattern, 0.9)],
                global_regex_flags=flags,
            )
        )
    found.append(
        PatternRecognizer(
            supported_entity="ADDRESS",
            name="imr_llm_street",
            patterns=[Pattern("street", _STREET, 0.8)],
            global_regex_flags=flags,
        )
    )
    return found


class Redactor:
    """Stable placeholders for one run; thread-safe. See the module docstring."""

    def __init__(self) -> None:
        self._recognizers = _recognizers()
        self._lock = threading.Lock()
        self._by_value: dict[str, str] = {}
        self._by_placeholder: dict[str, str] = {}
        self._numbers: Counter[str] = Counter()

    def _placeholder(self, entity: str, value: str) -> str:
        if value not in self._by_value:
            self._numbers[entity] += 1
            token = f"<{entity}_{self._numbers[entity]}>"
            self._by_value[value] = token
            self._by_placeholder[token] = value
        return self._by_value[value]

    def _find(self, text: str) -> list[tuple[str, str]]:
        spans: list[tuple[int, int, str, float]] = []
        for recognizer in self._recognizers:
            for hit in recognizer.analyze(text, recognizer.supported_entities, None):
                if hit.score >= MIN_SCORE:
                    spans.append((hit.start, hit.end, hit.entity_type, hit.score))
        found: list[tuple[str, str]] = []
        for start, end, entity, _ in spans:
            value = text[start:end].strip().rstrip(".,;")
            if len(value) >= 3 and not PLACEHOLDER.fullmatch(value):
                found.append((entity, value))
        return found

    def redact(self, text: str) -> tuple[str, Counter[str]]:
        """`text` with every known or newly found value replaced; counts per entity."""
        with self._lock:
            for entity, value in self._find(text):
                self._placeholder(entity, value)
                if entity == "PERSON":  # its parts, wherever they appear alone
                    words = [w for w in value.split() if len(w.rstrip(".")) >= 3]
                    for word in (words[0], words[-1]) if len(words) > 1 else ():
                        self._placeholder("PERSON", word)
            values = sorted(self._by_value, key=len, reverse=True)
            mapping = dict(self._by_value)
        counts: Counter[str] = Counter()
        if not values:
            return text, counts
        pattern = re.compile(
            r"(?<![\w])(?:" + "|".join(re.escape(v) for v in values) + r")(?![\w])"
        )

        def swap(match: re.Match[str]) -> str:
            token = mapping[match.group(0)]
            # the mapping's values are placeholders: fullmatch always matches
            counts[PLACEHOLDER.fullmatch(token).group(1)] += 1  # type: ignore[union-attr]
            return token

        return pattern.sub(swap, text), counts

    def restore(self, text: str) -> str:
        """Placeholders back to the original values."""
        with self._lock:
            back = dict(self._by_placeholder)
        return PLACEHOLDER.sub(lambda m: back.get(m.group(0), m.group(0)), text)

    def restore_value(self, value: Any) -> Any:
        """Restore every string inside a JSON-like value."""
        if isinstance(value, str):
            return self.restore(value)
        if isinstance(value, list):
            return [self.restore_value(v) for v in value]
        if isinstance(value, dict):
            return {k: self.restore_value(v) for k, v in value.items()}
        return value

    def redact_messages(self, messages: list[dict[str, Any]]) -> tuple[list[Any], Counter[str]]:
        total: Counter[str] = Counter()
        out: list[Any] = []
        for message in messages:
            content = message.get("content")
            if isinstance(content, str):
                text, counts = self.redact(content)
                total.update(counts)
                message = {**message, "content": text}
            out.append(message)
        return out, total


class AuditLog:
    """One private JSON line per request (see the module docstring)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(
        self, *, endpoint: str, model: str, messages: Any, redacted: Counter[str] | None
    ) -> None:
        blob = json.dumps(messages, sort_keys=True, ensure_ascii=False, default=str)
        entry = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "endpoint": endpoint,
            "model": model,
            "sha256": hashlib.sha256(blob.encode("utf-8")).hexdigest(),
            "chars": len(blob),
            "redacted": dict(sorted((redacted or {}).items())),
        }
        with self._lock:
            private_dir(self.path.parent)
            with open_private(self.path, "a") as handle:
                handle.write(json.dumps(entry) + "\n")
