"""`imr-llm review` refuses what it must before serving anything; the templates show fields
other steps are adding (document class, quarantined lines, P(Overturned), precedents) when
present and nothing when absent."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import Markup

from imr_llm.cli import main
from imr_llm.drafting import GroundingIssue
from imr_llm.drafting._models import PrecedentRef
from imr_llm.review import Workbench
from imr_llm.review._view import (
    document_class,
    environment,
    precedents,
    probability,
    quarantined_lines,
    rich,
)

from .conftest import CASE_RECORDS


def test_non_loopback_host_needs_an_explicit_flag(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["review", str(CASE_RECORDS), "--host", "0.0.0.0", "--state-dir", str(tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("imr-llm: error: --host 0.0.0.0 is not a loopback address")
    assert not any(tmp_path.iterdir())  # nothing created before the refusal


def test_bad_records_exit_2_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "scan.docx"
    bad.write_text("PHI text", "utf-8")
    with pytest.raises(SystemExit) as info:
        main(["review", str(bad), "--state-dir", str(tmp_path / "s"), "--no-browser"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "scan.docx" in err and "PHI" not in err


def test_rich_links_references_and_marks_issues() -> None:
    issues = [GroundingIssue(field="prose", value="11-2-16", problem="date not found")]
    html = rich("<b>seen</b> [D3:16-18] on 11-2-16", issues)
    assert isinstance(html, Markup)
    assert html.startswith('&lt;b&gt;seen&lt;/b&gt; <a class="ref" href="#D3-L16"')
    assert 'data-end="18">[D3:16-18]</a>' in html
    assert '<mark class="issue" title="date not found">11-2-16</mark>' in html


def test_future_fields_are_read_when_present_and_absent_otherwise() -> None:
    bare = SimpleNamespace(id="D1", kind=None)
    assert document_class(bare) is None and quarantined_lines(bare) == {}
    doc = SimpleNamespace(
        doc_class="ur_determination",
        quarantined=[3, SimpleNamespace(line_start=5, line_end=6, reason="instruction")],
    )
    assert document_class(doc) == "ur determination"
    assert quarantined_lines(doc) == {3: "quarantined", 5: "instruction", 6: "instruction"}
    assert probability(SimpleNamespace()) is None
    assert probability(SimpleNamespace(p_overturned=0.27)) == 0.27
    item = SimpleNamespace(
        precedents=[SimpleNamespace(case_number="CM16-0001", request="PT x6", decision="Upheld")]
    )
    (p,) = precedents(item)
    assert (p.label, p.decision) == ("CM16-0001 PT x6", "Upheld")


def _render(bench: Workbench, **letter_update: Any) -> str:
    version = bench.store.latest()
    assert version is not None
    letter = version.letter.model_copy(update=letter_update)
    env = environment()
    env.globals.update(token="t", statuses=["met", "not met"], decisions=["Upheld", "Overturned"])
    case = bench.case.model_copy(
        update={
            "documents": [
                SimpleNamespace(**d.__dict__, doc_class="rfa", quarantined=[2])
                for d in bench.case.documents
            ]
        }
    )
    return env.get_template("case.html").render(
        case=case,
        version=version.model_copy(update={"letter": letter}),
        versions=[version],
        latest=version.number,
        machine=version,
        cited=set(),
        excerpts={},
        job=None,
        model_spec="",
    )


def test_template_shows_future_fields(drafted: Workbench) -> None:
    item = drafted.store.latest().letter.items[0]  # type: ignore[union-attr]
    bare = item.model_copy(update={"p_overturned": None, "precedents": []})
    plain = _render(drafted, items=[bare])
    assert "P(Overturned)" not in plain and "Precedents used" not in plain
    extra = item.model_copy(
        update={
            "p_overturned": 0.31,
            "precedents": [
                PrecedentRef(case_number="CM16-0235869", request="PT", decision="Upheld")
            ],
        }
    )
    html = _render(drafted, items=[extra])
    assert "P(Overturned) = 0.31" in html
    assert "Precedents used" in html and "CM16-0235869 PT" in html
    assert '<span class="cls">rfa</span>' in html
    assert 'class="ln quarantined"' in html and ">quarantined</span>" in html
