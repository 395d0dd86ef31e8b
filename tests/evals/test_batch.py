"""`run_eval(..., batch=...)` against a scripted local Files + Batches endpoint on 127.0.0.1.

The scripted endpoint (benchmarks/scripted_endpoint.py) answers every request from its body
alone, so the online and the batch run of the same samples get the same answers; it checks each
batch input file against the OpenAI Batch request format and fails the batch otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from imr_llm._errors import ModelError
from imr_llm.evals import run_eval
from imr_llm.evals._batch import BatchOptions
from imr_llm.llm._batch import BatchWaiting, request_key

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from scripted_endpoint import ScriptedEndpoint, check_batch_input, completion  # noqa: E402

GOLD = ROOT / "evals" / "datasets" / "letters" / "gold.jsonl"
LATENCY_KEYS = ("latency_s_mean", "latency_s_max", "latency_s_total")
pytestmark = pytest.mark.usefixtures("quiet_logging")


def _metrics(run: Any) -> dict[str, Any]:
    """metrics.json as written, minus wall-clock latency (differs between any two runs)."""
    metrics = json.loads((run.variants[0].directory / "metrics.json").read_text())
    for key in LATENCY_KEYS:
        metrics["usage"].pop(key)
    return metrics


def _eval(spec: str, out: Path, *, limit: int | None = 60, **kw: Any) -> Any:
    return run_eval(
        GOLD,
        model=spec,
        out=out,
        cache=False,
        floor=False,
        n_boot=50,
        progress=False,
        limit=limit,
        **kw,
    )


@pytest.mark.usefixtures("blend_decisions")
def test_batch_gives_the_online_metrics_in_rounds(tmp_path: Path) -> None:
    with ScriptedEndpoint() as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        online = _eval(spec, tmp_path / "online", max_concurrency=4)
        online_bodies = set(endpoint.chat_bodies)
        batch = _eval(spec, tmp_path / "batch", batch=BatchOptions(poll_s=0.01))
        batches = list(endpoint.batches.values())
    assert _metrics(batch) == _metrics(online)
    state = tmp_path / "batch" / "batch"
    rounds = sorted(state.glob("round-*-1.input.jsonl"))
    # a flow's later calls (the decision samples after the 1-token ask, the rationale) are
    # later rounds
    assert len(rounds) == len(batches) >= 2
    sent = [json.loads(x)["body"] for r in rounds for x in r.read_text().splitlines()]
    assert {request_key(b) for b in sent} == online_bodies  # the same requests as online
    assert len(sent) == len(online_bodies)  # each sent once (identical ones shared)
    assert all(b["status"] == "completed" for b in batches)
    first = check_batch_input(rounds[0].read_bytes())  # the OpenAI Batch request format
    assert {line["custom_id"].rsplit("/", 1)[1] for line in first} == {"call-1"}
    later = [json.loads(x) for r in rounds[1:] for x in r.read_text().splitlines()]
    assert any('"rationale"' in json.dumps(line["body"].get("response_format")) for line in later)
    config = json.loads((tmp_path / "batch" / "config.json").read_text())
    assert config["batch"]["mode"] == "api"


def test_batch_resumes_by_batch_id_after_a_kill(tmp_path: Path) -> None:
    polls = {"n": 0}

    def killed_while_waiting(_: float) -> None:
        polls["n"] += 1
        raise KeyboardInterrupt

    with ScriptedEndpoint(batch_delay_s=0.3) as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        online = _eval(spec, tmp_path / "online", limit=30, max_concurrency=4)
        out = tmp_path / "batch"
        with pytest.raises(KeyboardInterrupt):
            _eval(spec, out, limit=30, batch=BatchOptions(sleep=killed_while_waiting))
        state = json.loads((out / "batch" / "round-001.json").read_text())
        (submitted,) = [p["batch_id"] for p in state["parts"]]
        assert submitted in endpoint.batches and not state["ingested"]
        resumed = _eval(spec, out, limit=30, resume=True, batch=BatchOptions(poll_s=0.01))
        created = [b["id"] for b in endpoint.batches.values()]
    assert polls["n"] == 1
    assert created.count(submitted) == 1 and created[0] == submitted  # polled, not resent
    assert len({b for b in created}) == len(created)
    assert _metrics(resumed) == _metrics(online)


def test_failed_requests_are_sent_again(tmp_path: Path) -> None:
    with ScriptedEndpoint(fail_lines=lambda cid: cid.endswith("#1/call-1")) as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        online = _eval(spec, tmp_path / "online", limit=20, max_concurrency=4)
        batch = _eval(spec, tmp_path / "batch", limit=20, batch=BatchOptions(poll_s=0.01))
        assert endpoint.failed_once  # some requests came back in the error file
    assert _metrics(batch) == _metrics(online)


def test_a_big_round_is_split_into_several_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import imr_llm.llm._batch as llm_batch

    monkeypatch.setattr(llm_batch, "MAX_REQUESTS_PER_BATCH", 7)  # OpenAI's is 50,000
    with ScriptedEndpoint() as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        online = _eval(spec, tmp_path / "online", limit=20, max_concurrency=4)
        batch = _eval(spec, tmp_path / "batch", limit=20, batch=BatchOptions(poll_s=0.01))
    state = json.loads((tmp_path / "batch" / "batch" / "round-001.json").read_text())
    assert [p["n"] for p in state["parts"]] == [7, 7, 6]
    assert len({p["batch_id"] for p in state["parts"]}) == 3
    assert not list((tmp_path / "batch" / "batch").glob("*.tmp"))
    assert _metrics(batch) == _metrics(online)


def test_an_expired_batch_sends_its_unanswered_requests_again(tmp_path: Path) -> None:
    with ScriptedEndpoint(expire_first=True) as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        online = _eval(spec, tmp_path / "online", limit=20, max_concurrency=4)
        batch = _eval(spec, tmp_path / "batch", limit=20, batch=BatchOptions(poll_s=0.01))
        statuses = [b["status"] for b in endpoint.batches.values()]
    assert statuses[0] == "expired" and set(statuses[1:]) == {"completed"}
    assert _metrics(batch) == _metrics(online)


def test_a_batch_the_endpoint_rejects_stops_the_run_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import imr_llm.llm._batch as llm_batch

    real = llm_batch.batch_line

    def off_format(custom_id: str, body: dict[str, Any]) -> str:
        return real(custom_id, body)[:-1] + ', "extra": 1}'  # a key the format does not have

    monkeypatch.setattr(llm_batch, "batch_line", off_format)
    with ScriptedEndpoint() as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        with pytest.raises(ModelError, match=r"failed: invalid line 1: keys"):
            _eval(spec, tmp_path / "bad", limit=5, batch=BatchOptions(poll_s=0.01))
        # the round's state names the failed batch; a --resume sends a new round
        state = json.loads((tmp_path / "bad" / "batch" / "round-001.json").read_text())
        assert state["parts"][0]["batch_id"] and state["parts"][0]["status"] == "failed"
        monkeypatch.undo()
        resumed = _eval(
            spec, tmp_path / "bad", limit=5, resume=True, batch=BatchOptions(poll_s=0.01)
        )
    assert resumed.variants[0].metrics["n_samples"] == 5


def _offline_runner(state: Path) -> int:
    """What `vllm run-batch -i X -o Y` does, for every round input without an output."""
    ran = 0
    for source in sorted(state.glob("round-*.input.jsonl")):
        output = source.with_name(source.name.replace(".input.", ".output."))
        if output.exists():
            continue
        rows = []
        for n, line in enumerate(check_batch_input(source.read_bytes())):
            rows.append(
                {
                    "id": f"vllm-{n}",
                    "custom_id": line["custom_id"],
                    "response": {"status_code": 200, "body": completion(line["body"], n)},
                    "error": None,
                }
            )
        output.write_text("".join(json.dumps(r) + "\n" for r in rows))
        ran += 1
    return ran


@pytest.mark.usefixtures("blend_decisions")
def test_files_mode_runs_rounds_through_an_offline_runner(tmp_path: Path) -> None:
    with ScriptedEndpoint() as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        online = _eval(spec, tmp_path / "online", limit=30, max_concurrency=4)
    out = tmp_path / "offline"
    options = BatchOptions(mode="files")
    with pytest.raises(BatchWaiting, match=r"vllm run-batch -i .*round-001-1\.input\.jsonl"):
        _eval(spec, out, limit=30, batch=options)
    rounds = 0
    while True:
        rounds += _offline_runner(out / "batch")
        try:
            resumed = _eval(spec, out, limit=30, resume=True, batch=options)
            break
        except BatchWaiting:
            assert rounds < 10
    assert rounds >= 2
    assert _metrics(resumed) == _metrics(online)


@pytest.mark.slow
def test_two_thousand_samples_batch_equals_online_and_resumes(tmp_path: Path) -> None:
    """The issue's acceptance run: 2,000 samples, killed once while waiting, resumed."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from eval_memory import make_dataset

    data = tmp_path / "letters.jsonl"
    make_dataset(2000, data)
    kills = {"n": 0}

    def kill_once(seconds: float) -> None:
        if kills["n"] == 0:
            kills["n"] += 1
            raise KeyboardInterrupt

    def run(out: Path, **kw: Any) -> Any:
        return run_eval(data, model=spec, out=out, cache=False, floor=False, n_boot=200,
                        progress=False, **kw)  # fmt: skip

    with ScriptedEndpoint(batch_delay_s=0.2) as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        online = run(tmp_path / "online", max_concurrency=8)
        with pytest.raises(KeyboardInterrupt):
            run(tmp_path / "batch", batch=BatchOptions(poll_s=0.05, sleep=kill_once))
        batch = run(tmp_path / "batch", resume=True, batch=BatchOptions(poll_s=0.05))
    assert _metrics(batch)["n_samples"] == 2000
    assert _metrics(batch) == _metrics(online)


def test_cli_eval_batch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from imr_llm.cli import main

    def cli(*args: str) -> int:
        with pytest.raises(SystemExit) as exit_info:
            main(["eval", "--dataset", str(GOLD), "--limit", "8", "--no-floor", "--n-boot",
                  "20", "--no-cache", "-q", *args])  # fmt: skip
        return int(exit_info.value.code or 0)

    with ScriptedEndpoint() as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        out = tmp_path / "api"
        code = cli("--model", spec, "--out", str(out), "--batch", "--batch-poll-s", "0.01")
        assert code == 0 and endpoint.batches
    assert json.loads((out / "metrics.json").read_text())["n_samples"] == 8
    offline = tmp_path / "files"
    code = cli("--model", spec, "--out", str(offline), "--batch", "--batch-mode", "files")
    assert code == 4  # waiting for the offline runner: nothing failed, nothing lost
    err = capsys.readouterr().err
    assert "vllm run-batch -i" in err and "--resume" in err
    assert (offline / "batch" / "round-001-1.input.jsonl").is_file()


def _untimed(path: Path) -> dict[str, object]:
    """A draft's JSON without the summary's wall-clock timings (they differ run to run)."""
    data = json.loads(path.read_text("utf-8"))
    for key in ("model_seconds", "seconds_per_page"):
        data["summary"]["stats"].pop(key, None)
    return data


def test_cli_draft_batch_writes_what_online_draft_writes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from imr_llm.cli import main

    synthetic = ROOT / "evals" / "datasets" / "synthetic"
    good = synthetic / "000_2fdf63af5882cd54" / "records"
    no_items = tmp_path / "cases" / "records"  # no request anywhere: online draft fails too
    no_items.mkdir(parents=True)
    (no_items / "note.txt").write_text(
        "SYNTHETIC RECORD\nProgress note 01/02/2017: neck pain, improving. Follow up in 4 weeks.\n",
        "utf-8",
    )

    def cli(*args: str) -> int:
        with pytest.raises(SystemExit) as exit_info:
            main(["draft", "--model", spec, *args])
        return int(exit_info.value.code or 0)

    with ScriptedEndpoint() as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        assert cli(str(good), "--no-cache", "-o", str(tmp_path / "online.json")) == 0
        assert cli(str(no_items), "--no-cache", "-o", str(tmp_path / "x.json")) == 2
        out = tmp_path / "batch"
        code = cli("--batch", str(good), str(no_items), "-o", str(out), "--batch-poll-s", "0.01")
        rounds = len(endpoint.batches)
    assert code == 2  # one case failed, as online (bad input); the other is written
    assert _untimed(out / "records.json") == _untimed(tmp_path / "online.json")
    assert not (out / "records-2.json").exists()
    assert "records-2: failed: no disputed requests" in capsys.readouterr().err
    assert rounds >= 3  # summary calls, then item calls, as rounds


def test_cli_draft_batch_passes_the_item_options(tmp_path: Path) -> None:
    """--threshold / --rationale reach every batched case as they reach an online draft."""
    from imr_llm.cli import main

    good = ROOT / "evals" / "datasets" / "synthetic" / "000_2fdf63af5882cd54" / "records"
    options = ["--threshold", "0.001", "--rationale", "template"]

    def cli(*args: str) -> int:
        with pytest.raises(SystemExit) as exit_info:
            main(["draft", "--model", spec, *options, *args])
        return int(exit_info.value.code or 0)

    with ScriptedEndpoint() as endpoint:
        spec = f"{endpoint.base_url}::scripted"
        assert cli(str(good), "--no-cache", "-o", str(tmp_path / "online.json")) == 0
        out = tmp_path / "batch"
        assert cli("--batch", str(good), "-o", str(out), "--batch-poll-s", "0.01") == 0
    batched = _untimed(out / "records.json")
    assert batched == _untimed(tmp_path / "online.json")
    items = batched["items"]
    assert isinstance(items, list) and items
    assert all(i["threshold"] == 0.001 and i["rationale_source"] == "template" for i in items)
