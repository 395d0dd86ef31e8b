"""Load a guideline library: a directory of excerpt files, one excerpt per file.

A file is TOML (`*.toml`) or JSON (`*.json`) holding the `Excerpt` fields at top level; its name
without extension must equal its `id`. Other files (README.md, notes) are ignored. Files in
subdirectories are loaded too, so a library can be grouped by topic.
"""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from imr_llm._errors import GuidelineLibraryError
from imr_llm.guidelines._library import Library
from imr_llm.guidelines._models import Excerpt

SUFFIXES = (".toml", ".json")


def starter_dir() -> Path:
    """The starter library shipped inside the package."""
    return Path(str(resources.files("imr_llm.guidelines") / "starter"))


def _describe(error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "file"
        problems.append("missing field" if item["type"] == "missing" else item["msg"])
        problems[-1] = f"{where}: {problems[-1]}"
    return "; ".join(problems)


def _read(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise GuidelineLibraryError(f"cannot read excerpt file ({exc})", path=path) from exc
    try:
        data = tomllib.loads(raw) if path.suffix == ".toml" else json.loads(raw)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise GuidelineLibraryError(f"invalid {path.suffix[1:].upper()}: {exc}", path=path) from exc
    if not isinstance(data, dict):
        raise GuidelineLibraryError("expected a table/object of excerpt fields", path=path)
    return data


def load_excerpt(path: Path) -> Excerpt:
    """Read and validate one excerpt file."""
    data = _read(path)
    try:
        excerpt = Excerpt.model_validate(data)
    except ValidationError as exc:
        raise GuidelineLibraryError(f"invalid excerpt: {_describe(exc)}", path=path) from exc
    if excerpt.id != path.stem:
        raise GuidelineLibraryError(
            f"id {excerpt.id!r} does not match the file name {path.stem!r}", path=path
        )
    return excerpt


def load_library(path: Path | None = None) -> Library:
    """Load and validate every excerpt file under `path` (None: the shipped starter library).

    Raises `GuidelineLibraryError` naming the file and the problem.
    """
    directory = Path(path) if path is not None else starter_dir()
    if not directory.is_dir():
        raise GuidelineLibraryError("guideline library is not a directory", path=directory)
    files = sorted(p for p in directory.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    if not files:
        raise GuidelineLibraryError(
            "no excerpt files (*.toml, *.json) in guideline library", path=directory
        )
    excerpts: list[Excerpt] = []
    seen: dict[str, Path] = {}
    for file in files:
        excerpt = load_excerpt(file)
        if excerpt.id in seen:
            raise GuidelineLibraryError(
                f"duplicate excerpt id {excerpt.id!r} (also in {seen[excerpt.id]})", path=file
            )
        seen[excerpt.id] = file
        excerpts.append(excerpt)
    return Library(excerpts, source=str(directory))
