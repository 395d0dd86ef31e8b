"""Loading excerpt directories: valid files load, invalid ones name the file and the problem."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from imr_llm._errors import GuidelineLibraryError, InputError
from imr_llm.guidelines import Excerpt, load_library

Writer = Callable[..., Path]


def test_user_directory_loads(
    write_excerpt: Writer, tmp_path: Path, valid_fields: dict[str, object]
) -> None:
    write_excerpt(tmp_path, valid_fields)
    other = dict(
        valid_fields,
        id="demo-tens",
        topic="TENS",
        keywords=["TENS unit"],
        text="A one-month home-based TENS trial may be considered.",
    )
    (tmp_path / "demo-tens.json").write_text(json.dumps(other), encoding="utf-8")
    (tmp_path / "README.md").write_text("not an excerpt", encoding="utf-8")
    library = load_library(tmp_path)
    assert sorted(e.id for e in library) == ["demo-pt", "demo-tens"]
    assert library.retrieve("TENS unit rental", k=1)[0].id == "demo-tens"


def test_subdirectories_are_loaded(
    write_excerpt: Writer, tmp_path: Path, valid_fields: dict[str, object]
) -> None:
    (tmp_path / "pt").mkdir()
    write_excerpt(tmp_path / "pt", valid_fields)
    assert len(load_library(tmp_path)) == 1


@pytest.mark.parametrize("field", ["text", "guideline", "basis", "kind", "source", "id"])
def test_missing_field_names_file_and_field(
    write_excerpt: Writer, tmp_path: Path, valid_fields: dict[str, object], field: str
) -> None:
    del valid_fields[field]
    path = write_excerpt(tmp_path, valid_fields, name="demo-pt")
    with pytest.raises(GuidelineLibraryError) as info:
        load_library(tmp_path)
    message = str(info.value)
    assert str(path) in message
    assert f"{field}: missing field" in message
    assert info.value.path == str(path)


@pytest.mark.parametrize("year", [1850, 3000, "twenty-sixteen"])
def test_bad_year(
    write_excerpt: Writer, tmp_path: Path, valid_fields: dict[str, object], year: object
) -> None:
    valid_fields["year"] = year
    write_excerpt(tmp_path, valid_fields)
    with pytest.raises(GuidelineLibraryError, match="year"):
        load_library(tmp_path)


def test_unknown_field_is_rejected(
    write_excerpt: Writer, tmp_path: Path, valid_fields: dict[str, object]
) -> None:
    valid_fields["chapterr"] = "typo"
    write_excerpt(tmp_path, valid_fields)
    with pytest.raises(GuidelineLibraryError, match="chapterr"):
        load_library(tmp_path)


def test_bad_basis_and_kind(
    write_excerpt: Writer, tmp_path: Path, valid_fields: dict[str, object]
) -> None:
    valid_fields["basis"] = "ODG"
    write_excerpt(tmp_path, valid_fields)
    with pytest.raises(GuidelineLibraryError, match="basis"):
        load_library(tmp_path)


def test_decision_quote_needs_source_letter(
    write_excerpt: Writer, tmp_path: Path, valid_fields: dict[str, object]
) -> None:
    del valid_fields["source_letter"]
    write_excerpt(tmp_path, valid_fields)
    with pytest.raises(GuidelineLibraryError, match="source_letter"):
        load_library(tmp_path)


def test_criteria_must_be_verbatim(
    write_excerpt: Writer, tmp_path: Path, valid_fields: dict[str, object]
) -> None:
    valid_fields["criteria"] = ["Allow for fading of treatment frequency", "an invented rule"]
    write_excerpt(tmp_path, valid_fields)
    with pytest.raises(GuidelineLibraryError, match="criterion not verbatim"):
        load_library(tmp_path)


def test_id_must_match_file_name(
    write_excerpt: Writer, tmp_path: Path, valid_fields: dict[str, object]
) -> None:
    write_excerpt(tmp_path, valid_fields, name="other-name")
    with pytest.raises(GuidelineLibraryError, match="does not match the file name"):
        load_library(tmp_path)


def test_duplicate_ids(
    write_excerpt: Writer, tmp_path: Path, valid_fields: dict[str, object]
) -> None:
    write_excerpt(tmp_path, valid_fields)
    (tmp_path / "demo-pt.json").write_text(json.dumps(valid_fields), encoding="utf-8")
    with pytest.raises(GuidelineLibraryError, match="duplicate excerpt id"):
        load_library(tmp_path)


def test_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('id = "broken\ntext = ', encoding="utf-8")
    with pytest.raises(GuidelineLibraryError, match="invalid TOML") as info:
        load_library(tmp_path)
    assert info.value.path == str(path)


def test_json_must_be_an_object(tmp_path: Path) -> None:
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(GuidelineLibraryError, match="table/object"):
        load_library(tmp_path)


def test_not_a_directory_and_empty(tmp_path: Path) -> None:
    with pytest.raises(GuidelineLibraryError, match="not a directory"):
        load_library(tmp_path / "absent")
    with pytest.raises(GuidelineLibraryError, match="no excerpt files"):
        load_library(tmp_path)


def test_error_is_bad_input_exit_code_2(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_library(tmp_path / "absent")
    assert info.value.exit_code == 2


def test_excerpt_model_forbids_extra_fields(valid_fields: dict[str, object]) -> None:
    assert Excerpt.model_config.get("extra") == "forbid"
    Excerpt.model_validate(valid_fields)
