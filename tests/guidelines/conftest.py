"""Shared helpers for guideline tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

VALID = {
    "id": "demo-pt",
    "guideline": "Chronic Pain Medical Treatment",
    "basis": "MTUS",
    "topic": "physical medicine",
    "year": 2016,
    "sections": ["Physical medicine treatment"],
    "kind": "decision-quote",
    "source": "IMR letter CM17-0005177",
    "source_letter": "CM17-0005177",
    "keywords": ["physical therapy"],
    "text": "Allow for fading of treatment frequency, plus active self-directed home "
    "Physical Medicine.",
}


def toml_value(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_excerpt(directory: Path, fields: dict[str, object], name: str | None = None) -> Path:
    """Write `fields` as a TOML excerpt file named after its id (or `name`)."""
    path = directory / f"{name or fields['id']}.toml"
    path.write_text(
        "\n".join(f"{k} = {toml_value(v)}" for k, v in fields.items()) + "\n", encoding="utf-8"
    )
    return path


@pytest.fixture
def valid_fields() -> dict[str, object]:
    return dict(VALID)


@pytest.fixture
def write_excerpt() -> Callable[..., Path]:
    """`write_excerpt(directory, fields, name=None)` writes a TOML excerpt file."""
    return _write_excerpt
