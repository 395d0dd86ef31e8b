"""The workbench app through Starlette's TestClient, with a scripted model (no server)."""

from __future__ import annotations

import io
import json
import re
import stat
import threading
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from imr_llm.review import ReviewExport, Workbench, create_app

from .conftest import CASE_RECORDS, REQUEST, ScriptedModel, decided, make_bench


def client(bench: Workbench) -> TestClient:
    return TestClient(create_app(bench), base_url="http://127.0.0.1")


def edit_form(bench: Workbench, **changes: str) -> dict[str, str]:
    latest = bench.store.latest()
    assert latest is not None
    return {"token": bench.token, "version": str(latest.number), **changes}


@pytest.mark.usefixtures("blend_decisions")
def test_page_shows_records_letter_checklist_and_marks(drafted: Workbench) -> None:
    html = client(drafted).get("/").text
    # the case file: every document with its id, every line addressable
    assert html.count('<article class="doc"') == 7
    assert '<li id="D3-L10" tabindex="-1" class="ln cited">' in html
    # the letter in section order, then the item's checklist with its evidence link
    order = [
        html.index(x)
        for x in (
            "HOW THE IMR FINAL DETERMINATION WAS MADE",
            "CLINICAL CASE SUMMARY",
            "IMR ISSUES, DECISIONS AND RATIONALES",
        )
    ]
    assert order == sorted(order)
    assert f"1. {REQUEST}</h3>" in html
    assert re.search(r'<a class="ref" href="#D3-L10"[^>]*>\[D3:10\]</a>', html)
    assert '<option value="Upheld" selected>' in html
    # the sex is read from the labelled record line (the scripted model's wrong "male" is never
    # asked for: the patient call runs only for facts the records leave unread)
    assert "53 year old female" in html and "53 year old male" not in html
    # the cited excerpt in full, from the library
    ex_id = drafted.store.latest().letter.items[0].excerpt_ids[0]  # type: ignore[union-attr]
    assert drafted.library.get(ex_id).text.split("\n")[0][:40] in html


def test_record_text_is_escaped(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    (records / "note.txt").write_text('Plan: <script>alert("x")</script> {{ 7*7 }}\n', "utf-8")
    bench = make_bench(tmp_path / "state", records=records)
    html = client(bench).get("/").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; {{ 7*7 }}" in html


@pytest.mark.usefixtures("blend_decisions")
def test_save_is_a_new_version_that_survives_restart(drafted: Workbench, state_dir: Path) -> None:
    machine_file = next(drafted.store.versions_dir.glob("0001-machine.json"))
    before = machine_file.read_bytes()
    n = len(drafted.store.latest().letter.items[0].criteria)  # type: ignore[union-attr]
    form = edit_form(
        drafted,
        **{f"item-0-c{j}-status": "met" for j in range(n)},
        **{"item-0-decision": "Overturned", "note": "records show the criteria"},
    )
    resp = client(drafted).post("/save", data=form, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/?saved=2"
    assert "Saved as version 2" in client(drafted).get("/?saved=2").text
    assert machine_file.read_bytes() == before  # the machine draft is never rewritten
    files = sorted(p.name for p in drafted.store.versions_dir.iterdir())
    assert files == ["0001-machine.json", "0002-reviewer.json"]
    # private: 0700 directories, 0600 files
    for d in (state_dir, drafted.store.root, drafted.store.versions_dir):
        assert stat.S_IMODE(d.stat().st_mode) == 0o700
    for f in drafted.store.root.rglob("*.json"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600

    restarted = make_bench(state_dir)  # a new process over the same records
    versions = restarted.store.versions()
    assert [(v.number, v.kind, v.parent) for v in versions] == [
        (1, "machine", None),
        (2, "reviewer", 1),
    ]
    final = versions[-1]
    assert final.letter.items[0].decision == "Overturned"
    assert f"{REQUEST}: Overturned" in final.letter.text  # letter re-rendered
    assert "item 1 (" + REQUEST + "): decision Upheld -> Overturned" in final.changes
    html = client(restarted).get("/").text
    assert '<option value="Overturned" selected>' in html
    assert "records show the criteria" in html and "version 2 (reviewer)" in html


def test_decision_the_checklist_contradicts_is_refused(drafted: Workbench) -> None:
    n = len(drafted.store.latest().letter.items[0].criteria)  # type: ignore[union-attr]
    form = edit_form(
        drafted,
        **{f"item-0-c{j}-status": "not met" for j in range(n)},
        **{"item-0-decision": "Overturned"},
    )
    resp = client(drafted).post("/save", data=form)
    assert resp.status_code == 400
    assert "not saved: item 1" in resp.text and "contradicts the checklist" in resp.text
    assert len(drafted.store.versions()) == 1
    form["version"] = "1x"
    assert client(drafted).post("/save", data=form).status_code == 400


def test_summary_and_rationale_edits(drafted: Workbench) -> None:
    form = edit_form(
        drafted,
        **{"summary-prose": "Reviewer summary.", "item-0-rationale": "Reviewer rationale."},
    )
    assert client(drafted).post("/save", data=form).status_code == 200
    final = drafted.store.latest()
    assert final is not None and final.number == 2
    assert final.letter.summary.prose == "Reviewer summary."
    assert "Reviewer summary." in final.letter.text and "Reviewer rationale." in final.letter.text
    assert final.changes == [
        "clinical case summary edited",
        f"item 1 ({REQUEST}): rationale edited",
    ]
    # nothing changed -> no new version
    resp = client(drafted).post("/save", data=edit_form(drafted))
    assert "nothing changed" in resp.text and len(drafted.store.versions()) == 2


def test_follow_api_says_which_decision_the_checklist_allows(drafted: Workbench) -> None:
    c = client(drafted)
    headers = {"X-Review-Token": drafted.token}
    body = c.post("/api/follow", json={"statuses": ["met", "met"]}, headers=headers).json()
    assert body["allowed"] == ["Overturned"]
    body = c.post("/api/follow", json={"statuses": ["met", "not met"]}, headers=headers).json()
    assert body["allowed"] == ["Upheld", "Overturned"]  # a judgement: both are allowed
    body = c.post("/api/follow", json={"statuses": ["not met", "not met"]}, headers=headers).json()
    assert body["allowed"] == ["Upheld"] and "no criterion is met" in body["problems"]["Overturned"]
    assert c.post("/api/follow", json={"statuses": []}).status_code == 403


def test_posts_need_the_token_and_a_loopback_host(drafted: Workbench) -> None:
    c = client(drafted)
    assert c.post("/save", data={"version": "1", "item-0-decision": "x"}).status_code == 403
    assert c.post("/draft", data={"token": "wrong"}).status_code == 403
    evil = TestClient(create_app(drafted), base_url="http://attacker.example")
    assert evil.get("/").status_code == 400  # DNS rebinding: host not accepted
    resp = c.get("/")
    assert resp.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in resp.headers["content-security-policy"]
    assert len(drafted.store.versions()) == 1


def test_job_progress_and_cancel(state_dir: Path) -> None:
    gate = threading.Event()
    model = ScriptedModel(gate=gate)
    bench = make_bench(state_dir, {None: model})
    c = client(bench)
    html = c.get("/").text
    assert "Draft this case" in html and "No draft yet" in html
    resp = c.post("/draft", data={"token": bench.token}, follow_redirects=False)
    assert resp.status_code == 303
    assert model.started.wait(5)
    status = c.get("/api/job").json()
    assert status["state"] == "running" and status["calls"] == 0 and status["total"] >= 6
    assert status["stage"].startswith("summary:")
    page = c.get("/").text
    assert 'data-state="running"' in page and 'id="cancel-job"' in page
    assert c.post("/draft", data={"token": bench.token}).status_code == 409  # one at a time
    c.post("/job/cancel", data={"token": bench.token})
    gate.set()
    bench.jobs.wait(10)
    status = c.get("/api/job").json()
    assert status["state"] == "cancelled" and status["calls"] == 1
    assert bench.store.versions() == []  # nothing half-drafted saved


def test_failed_job_shows_one_line(state_dir: Path) -> None:
    bench = make_bench(state_dir, {None: ScriptedModel(), "nope": ScriptedModel()})
    c = client(bench)
    c.post("/draft", data={"token": bench.token, "model": "missing-spec"})
    bench.jobs.wait(10)
    job = c.get("/api/job").json()
    assert job["state"] == "failed" and "unknown model spec 'missing-spec'" in job["message"]
    assert "unknown model spec" in c.get("/").text


@pytest.mark.usefixtures("blend_decisions")
def test_rerun_one_item_with_another_model(state_dir: Path) -> None:
    other = ScriptedModel(decided("Overturned"), name="other")
    bench = make_bench(state_dir, {None: ScriptedModel(), "other": other})
    bench.start_draft()
    bench.jobs.wait(10)
    form = {"token": bench.token, "version": "1", "item": "0", "model": "other"}
    resp = client(bench).post("/rerun", data=form, follow_redirects=False)
    assert resp.status_code == 303
    bench.jobs.wait(10)
    latest = bench.store.latest()
    assert latest is not None and (latest.number, latest.kind, latest.parent) == (2, "rerun", 1)
    assert latest.model == "other" and latest.letter.items[0].decision == "Overturned"
    assert latest.changes == [f"item 1 ({REQUEST}): re-drafted, decision Upheld -> Overturned"]
    assert other.calls and set(other.calls) == {"LabelAnswer", "RationaleAnswer"}
    # the summary is reused, not re-drafted
    first = bench.store.get(1)
    assert first is not None and latest.letter.summary == first.letter.summary


@pytest.mark.usefixtures("blend_decisions")
def test_exports_markdown_docx_and_side_by_side_json(drafted: Workbench) -> None:
    n = len(drafted.store.latest().letter.items[0].criteria)  # type: ignore[union-attr]
    form = edit_form(
        drafted,
        **{f"item-0-c{j}-status": "met" for j in range(n)},
        **{"item-0-decision": "Overturned"},
    )
    client(drafted).post("/save", data=form)
    c = client(drafted)
    md = c.get("/export/md")
    assert md.headers["content-disposition"].endswith('-v2.md"')
    assert "## CLINICAL CASE SUMMARY" in md.text
    assert f"### {REQUEST}: Overturned" in md.text
    assert "**Date of Injury:** 11/02/2016" in md.text
    assert "credentials:\n\n**State(s) of Licensure:** \\[to be completed\\]" in md.text

    from docx import Document

    doc = Document(io.BytesIO(c.get("/export/docx").content))
    paragraphs = [p.text for p in doc.paragraphs]
    assert "CLINICAL CASE SUMMARY" in paragraphs
    assert f"{REQUEST}: Overturned" in paragraphs

    export = ReviewExport.model_validate_json(c.get("/export/json").content)
    assert (export.machine_version, export.final_version) == (1, 2)
    assert export.machine.items[0].decision == "Upheld"
    assert export.final.items[0].decision == "Overturned"
    assert export.records == [str(p.resolve()) for p in sorted(CASE_RECORDS.iterdir())]
    assert [h.kind for h in export.history] == ["machine", "reviewer"]
    # an older version exports as itself
    old = ReviewExport.model_validate_json(c.get("/export/json?v=1").content)
    assert old.final_version == 1 and old.final.items[0].decision == "Upheld"


def test_printable_letter(drafted: Workbench) -> None:
    html = client(drafted).get("/letter").text
    assert '<article class="letter-page">DRAFT - generated by imr-llm' in html
    assert "@media print" in client(drafted).get("/static/app.css").text


def test_static_assets_are_local(drafted: Workbench) -> None:
    c = client(drafted)
    html = c.get("/").text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    for asset in ("/static/app.css", "/static/app.js"):
        body = c.get(asset).text
        assert "http://" not in body and "https://" not in body and "@import" not in body


def test_damaged_version_file_is_named_not_skipped(drafted: Workbench, state_dir: Path) -> None:
    from imr_llm import InputError

    (drafted.store.versions_dir / "0002-reviewer.json").write_text("{", "utf-8")
    with pytest.raises(InputError, match=r"0002-reviewer\.json: not a readable review version"):
        make_bench(state_dir)


def test_eval_scores_drafts_against_reviewer_final(drafted: Workbench, tmp_path: Path) -> None:
    from imr_llm.evals import run_eval
    from imr_llm.evals._samples import load_dataset

    n = len(drafted.store.latest().letter.items[0].criteria)  # type: ignore[union-attr]
    form = edit_form(
        drafted,
        **{f"item-0-c{j}-status": "met" for j in range(n)},
        **{"item-0-decision": "Overturned", "item-0-rationale": "Medically necessary."},
    )
    c = client(drafted)
    c.post("/save", data=form)
    export = tmp_path / "exports" / "CM17-0005177.review.json"
    export.parent.mkdir()
    export.write_bytes(c.get("/export/json").content)

    dataset = load_dataset(export.parent, "draft")
    assert dataset.kind == "reviewed" and len(dataset.samples) == 1
    sample = dataset.samples[0]
    assert sample.gold_decision == "Overturned" and sample.request == REQUEST
    assert sample.gold_item is not None
    assert sample.gold_item.decision_rationale == "Medically necessary."
    assert all(Path(p).is_file() for p in sample.record_paths)
    summary = load_dataset(export, "summary").samples[0]
    assert summary.gold_facts is not None and summary.gold_facts.age == 53

    run = run_eval(
        export, model="baseline/majority", out=tmp_path / "run", n_boot=20, progress=False
    )
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text("utf-8"))
    assert metrics["n_samples"] == 1
    assert (
        metrics["metrics"]["decision_accuracy"] == 0.0
    )  # majority says Upheld; reviewer Overturned
    assert run is not None


def test_a_bug_in_a_job_fails_it_without_details(state_dir: Path) -> None:
    class Broken(ScriptedModel):
        def structured(self, messages, response_model, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError(messages[-1]["content"])  # would carry record text

    bench = make_bench(state_dir, {None: Broken()})
    bench.start_draft()
    bench.jobs.wait(10)
    job = client(bench).get("/api/job").json()
    assert job["state"] == "failed" and job["message"] == "internal error (RuntimeError)"
