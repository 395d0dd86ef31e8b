"""Every cassette under tests/ is free of secrets and keeps only the content-type header."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

TESTS = Path(__file__).resolve().parents[1]
CASSETTES = sorted(TESTS.rglob("cassettes/*.yaml"))
SECRET_PATTERNS = {
    "api key": re.compile(r"\bsk-[A-Za-z0-9_-]{16,}"),
    "bearer token": re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    "secret header": re.compile(
        r"(?im)^\s*-?\s*['\"]?(authorization|x-api-key|api-key|openai-api-key|cookie|"
        r"set-cookie|openai-organization|openai-project)['\"]?\s*:"
    ),
}


def find_secrets(text: str) -> list[str]:
    return [name for name, pattern in SECRET_PATTERNS.items() if pattern.search(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("api_key: sk-proj-abcdefghijklmnopqrstuvwx", ["api key"]),
        ("      - Bearer eyJhbGciOiJIUzI1NiJ9.abc", ["bearer token"]),
        ("    authorization:\n    - xyz", ["secret header"]),
        ("    Set-Cookie:\n    - __cf_bm=1", ["secret header"]),
        ("    content-type:\n    - application/json", []),
    ],
)
def test_scanner_catches_secrets(text: str, found: list[str]) -> None:
    assert find_secrets(text) == found


def test_there_are_cassettes_to_scan() -> None:
    assert any(p.parent.parent.name == "llm" for p in CASSETTES)


@pytest.mark.parametrize("path", CASSETTES, ids=lambda p: str(p.relative_to(TESTS)))
def test_cassette_has_no_secrets(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert find_secrets(text) == [], f"{path}: scrub it and re-record"
    for interaction in yaml.safe_load(text)["interactions"]:
        for part in ("request", "response"):
            headers = {k.lower() for k in interaction[part].get("headers", {})}
            assert headers <= {"content-type"}, f"{path}: unscrubbed headers {headers}"
