"""The committed JSON Schemas match the models they are generated from."""

from pathlib import Path

import pytest

from imr_llm._schemas import SCHEMAS, render

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_has_no_drift(name: str) -> None:
    path = SCHEMA_DIR / f"{name}.json"
    assert path.exists(), f"{path} missing: run `make schemas`"
    assert path.read_text(encoding="utf-8") == render(SCHEMAS[name]), (
        f"{path} is stale: run `make schemas`"
    )


def test_no_orphan_schema_files() -> None:
    names = {p.stem for p in SCHEMA_DIR.glob("*.json")}
    assert names == set(SCHEMAS)
