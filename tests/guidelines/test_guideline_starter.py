"""The shipped starter library loads, is package data, and covers the letters' topics."""

from __future__ import annotations

from imr_llm.guidelines import load_library, starter_dir


def test_starter_loads_and_is_documented() -> None:
    library = load_library()
    assert len(library) >= 10
    assert (starter_dir() / "README.md").is_file()
    assert load_library(None).source == str(starter_dir())


def test_every_excerpt_cites_line_in_letter_format() -> None:
    for excerpt in load_library():
        text = excerpt.citation().text
        if excerpt.basis == "MTUS":
            assert text.startswith(f"Decision based on MTUS {excerpt.guideline}"), excerpt.id
        else:
            assert "Decision based on Non-MTUS Citation" in text, excerpt.id
        assert text.endswith("."), excerpt.id


def test_package_data_glob_covers_starter() -> None:
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    globs = tomllib.loads(pyproject.read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["imr_llm"]
    assert "guidelines/starter/*.toml" in globs
    assert "guidelines/starter/README.md" in globs
    files = list(starter_dir().rglob("*.toml"))
    assert all(f.parent == starter_dir() for f in files), "package-data glob is not recursive"


def test_starter_excerpts_list_their_criteria() -> None:
    """Drafting turns the top excerpt's criteria into its checklist."""
    without = {e.id for e in load_library() if not e.criteria}
    assert without <= {"opioids-tapering-disclaimer"}
