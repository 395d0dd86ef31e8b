"""Opt-in redaction before a remote call: planted personal data never reaches the endpoint,
placeholders are stable and restored in the answer, and the audit log holds hashes and counts,
never text. The "remote" endpoint is a scripted server on 127.0.0.1."""

from __future__ import annotations

import json
import re
import socket
import stat
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from imr_llm.llm import InstructorModel, RetryPolicy, UsageTracker, get_model

from ._fake_openai import ScriptedServer, ok, status

PLANTED = {
    "name": "Rosalind Quimby",
    "dob": "04/17/1961",
    "ssn": "536-22-8471",
    "claim": "ADJ9876543",
    "phone": "(559) 555-0134",
    "email": "rquimby@example.com",
    "street": "1234 Elm Street",
}
RECORD = f"""PROGRESS REPORT (SYNTHETIC)
Patient: {PLANTED["name"]}    Age: 63
DOB: {PLANTED["dob"]}   SSN: {PLANTED["ssn"]}
Claim #: {PLANTED["claim"]}
Address: {PLANTED["street"]}, Fresno, CA 93721
Phone: {PLANTED["phone"]}   Email: {PLANTED["email"]}
Date of injury: 11/02/2016
Ms. Quimby reports neck pain after lifting boxes.
"""


class Facts(BaseModel):
    patient: str
    quote: str
    date_of_injury: str


def _echo(body: dict[str, Any]) -> Any:
    """Answer with what a model would copy from the (redacted) record it was sent."""
    text = body["messages"][-1]["content"]
    name = re.search(r"Patient: (\S+)", text).group(1)  # type: ignore[union-attr]
    quote = re.search(r"SSN: (\S+)", text).group(1)  # type: ignore[union-attr]
    return ok({"patient": name, "quote": f"SSN {quote}", "date_of_injury": "11/02/2016"})


def test_planted_identifiers_never_leave_and_the_answer_is_restored(tmp_path: Path) -> None:
    from imr_llm.llm._redact import AuditLog

    audit = AuditLog(tmp_path / "audit" / "run.jsonl")
    with ScriptedServer(_echo) as srv:
        model = InstructorModel(
            name="remote", model="m", base_url=srv.base_url, endpoint_id="x", redact=True,
            retry=RetryPolicy(max_retries=0), tracker=UsageTracker(), audit=audit,
        )  # fmt: skip
        first = model.structured([{"role": "user", "content": RECORD}], Facts, cache=False)
        again = model.structured([{"role": "user", "content": RECORD}], Facts, cache=False)
    sent = json.dumps(srv.requests)
    leaked = [k for k, v in PLANTED.items() if v in sent or v.split()[-1] in sent]
    assert leaked == []  # planted values found in what was sent: 0
    assert "Quimby" not in sent
    # the same placeholders both times (stable), restored in the answer
    assert srv.requests[0]["messages"] == srv.requests[1]["messages"]
    assert (
        first.value
        == again.value
        == Facts(
            patient=PLANTED["name"], quote=f"SSN {PLANTED['ssn']}", date_of_injury="11/02/2016"
        )
    )
    lines = (tmp_path / "audit" / "run.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == len(srv.requests) == 2  # one audit line per request
    entry = json.loads(lines[0])
    assert set(entry) == {"time", "endpoint", "model", "sha256", "chars", "redacted"}
    assert entry["redacted"]["US_SSN"] == 1 and entry["redacted"]["PERSON"] >= 2
    assert not any(v in "\n".join(lines) for v in PLANTED.values())
    assert stat.S_IMODE((tmp_path / "audit" / "run.jsonl").stat().st_mode) == 0o600


def test_redaction_is_for_remote_endpoints_only() -> None:
    remote = get_model("https://llm.example.com/v1::m", cache=False, redact=True)
    local = get_model("http://127.0.0.1:9/v1::m", cache=False, redact=True)
    assert remote.redact is True and local.redact is False  # type: ignore[attr-defined]
    assert "personal data redacted" in remote.describe_endpoint()  # type: ignore[attr-defined]


def test_cli_redact_keeps_a_planted_ssn_on_this_machine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from imr_llm.cli import main

    real = socket.getaddrinfo
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda host, *a, **k: real("127.0.0.1" if host == "records.test" else host, *a, **k),
    )
    records = tmp_path / "note.txt"
    records.write_text(RECORD, "utf-8")
    monkeypatch.setenv("IMR_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("IMR_LLM_CACHE_DIR", str(tmp_path / "cache"))
    with ScriptedServer(lambda _b: status(400)) as srv:
        port = srv.base_url.split(":")[2].split("/")[0]
        spec = f"http://records.test:{port}/v1::m"
        with pytest.raises(SystemExit):
            main(["summarize", str(records), "--model", spec, "--no-cache", "--redact"])
    assert len(srv.requests) >= 1
    sent = json.dumps(srv.requests)
    assert PLANTED["ssn"] not in sent and PLANTED["name"] not in sent
    audits = list((tmp_path / "cache" / "audit").glob("*.jsonl"))
    assert len(audits) == 1
    assert len(audits[0].read_text("utf-8").splitlines()) == len(srv.requests)
