"""Public API: letter_paths, load_letters (JSONL or letter files) and the parse CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from letters_factory import Item, make_letter

from imr_llm._errors import LetterParseError
from imr_llm.cli import main
from imr_llm.letters import DecisionLetter, letter_paths, load_letters, parse_letter, read_jsonl

SOURCES = Path(__file__).resolve().parents[2] / "evals" / "datasets" / "letters" / "sources"
SEED = SOURCES / "seeds" / "003_979208ffa62900d0.txt"
PDF = SOURCES / "pdf" / "CM16-0234202.pdf"


def test_letter_paths_files_and_directories(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.pdf", "a.TXT", "sub/c.txt", "notes.md"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in letter_paths(tmp_path)] == ["a.TXT", "b.pdf", "c.txt"]
    assert letter_paths([tmp_path / "notes.md"]) == [tmp_path / "notes.md"]
    with pytest.raises(LetterParseError, match="no such file"):
        letter_paths(tmp_path / "missing")


def test_load_letters_from_jsonl_directory_and_list(tmp_path: Path) -> None:
    letters = [parse_letter(SEED), parse_letter(PDF)]
    jsonl = tmp_path / "gold.jsonl"
    jsonl.write_text("".join(letter.model_dump_json() + "\n" for letter in letters) + "\n")
    assert load_letters(jsonl) == letters
    assert load_letters(str(jsonl)) == letters
    (tmp_path / "dir").mkdir()
    shutil.copy(SEED, tmp_path / "dir")
    assert load_letters(tmp_path / "dir") == letters[:1]
    assert load_letters([SEED, PDF]) == letters
    assert load_letters([jsonl, SEED]) == [*letters, letters[0]]


def test_read_jsonl_rejects_bad_records(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"source": "x"}\n')
    with pytest.raises(LetterParseError, match="line 1: not a DecisionLetter"):
        read_jsonl(bad)
    bad.write_text("{not json\n")
    with pytest.raises(LetterParseError, match="line 1: invalid JSON"):
        read_jsonl(bad)


def test_modified_ur_letter_and_prose_credentials() -> None:
    letter = parse_letter(PDF)
    (item,) = letter.items
    assert (item.request, item.original_request, item.decision) == (
        "Norco 10/325mg #35",
        "Norco 10/325mg #60",
        "Upheld",
    )
    seed = parse_letter(SOURCES / "seeds" / "002_c15c26fd14214241.txt")
    assert seed.reviewer.specialties == ["Neurology", "Neuromuscular Medicine"]
    assert seed.reviewer.licensure == ["California"]
    assert seed.items[0].request.endswith("(RETROSPECTIVE: 11/5/13)")


def test_cli_parse_writes_good_letters_and_exits_2_on_bad_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.txt"
    good.write_text(make_letter([Item("MRI of the knee"), Item("Acupuncture x 6", "Overturned")]))
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    out = tmp_path / "out" / "letters.jsonl"
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "parse",
                str(good),
                str(empty),
                str(PDF),
                str(tmp_path / "missing.pdf"),
                "-o",
                str(out),
            ]
        )
    assert exit_info.value.code == 2
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["source"] for r in records] == ["good.txt", "CM16-0234202.pdf"]
    assert [i["decision"] for i in records[0]["items"]] == ["Upheld", "Overturned"]
    for record in records:
        DecisionLetter.model_validate(record)
    err = capsys.readouterr().err
    assert f"{empty}: empty file" in err
    assert "missing.pdf: no such file or directory" in err


def test_cli_parse_to_stdout_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["parse", str(SEED)])
    assert exit_info.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["source"] == SEED.name
