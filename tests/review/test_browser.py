"""End to end in a real headless browser (Debian's chromium driven by Playwright; no browser
download): open the synthetic case, watch the draft's progress, click an evidence reference and
see the record line highlighted, change the checklist so the decision follows, save, restart
the app, see the edit, export. Screenshots go to the test's tmp folder (`screenshots/`)."""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from imr_llm.review import ReviewExport, Workbench, create_app

from .conftest import REQUEST, ScriptedModel, make_bench

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect
HL = re.compile(r"\bhl\b")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium not installed (scripts/test-prereqs.sh)"
)


class SlowModel(ScriptedModel):
    """The scripted model, a little slow, so the page shows the job's progress."""

    def structured(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        time.sleep(0.15)
        return super().structured(*args, **kwargs)


@contextmanager
def serving(bench: Workbench) -> Iterator[str]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(bench), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.usefixtures("blend_decisions")
def test_review_flow_in_headless_chromium(tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    downloads = tmp_path / "downloads"
    state = tmp_path / "state"
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(
            viewport={"width": 1280, "height": 800}, accept_downloads=True
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

        # 1. open the case: drafting runs in the background with progress in the page
        bench = make_bench(state, {None: SlowModel()})
        bench.start_draft()
        with serving(bench) as url:
            page.goto(url + "/")
            page.wait_for_selector("#job progress", timeout=5000)
            page.screenshot(path=str(shots / "1-drafting.png"))
            page.wait_for_selector("form#edit", timeout=20000)  # reloaded when the job ends
            assert "version 1 (machine)" in page.inner_text("header")

            # 2. an evidence reference: keyboard (focus + Enter), then the mouse
            ref = page.locator('#items a.ref[href="#D3-L10"]').first
            ref.focus()
            page.keyboard.press("Enter")
            line = page.locator("#D3-L10")
            expect(line).to_have_class(HL)
            box, pane = line.bounding_box(), page.locator("#records").bounding_box()
            assert box and pane and pane["y"] <= box["y"] <= pane["y"] + pane["height"]
            assert "5 physical therapy sessions" in line.inner_text()
            other = page.locator('#summary a.ref[href="#D1-L7"]').first
            other.click()
            expect(page.locator("#D1-L7")).to_have_class(HL)
            expect(line).not_to_have_class(HL)  # one highlight at a time
            page.screenshot(path=str(shots / "2-evidence.png"))

            # 3. change the checklist; the decision follows; save
            decision = page.locator("#item-0-decision")
            assert decision.input_value() == "Upheld"
            statuses = page.locator('select.status[data-item="0"]')
            for k in range(statuses.count()):
                statuses.nth(k).select_option("met")
            expect(decision).to_have_value("Overturned")
            expect(page.locator("#item-0-follow")).to_contain_text("follows the checklist")
            page.fill('input[name="note"]', "all criteria documented")
            page.click("#save")
            page.wait_for_selector("text=version 2 (reviewer)")
            page.screenshot(path=str(shots / "3-saved.png"))

        # 4. restart the app on the same state directory: the edit is there
        restarted = make_bench(state, {None: SlowModel()})
        with serving(restarted) as url:
            page.goto(url + "/")
            assert page.locator("#item-0-decision").input_value() == "Overturned"
            assert "all criteria documented" in page.inner_text("#history")
            assert page.locator("#history tbody tr").count() == 2
            letter = page.inner_text(".letter-text")
            assert f"{REQUEST}: Overturned" in letter

            # 5. export
            files = {}
            for kind in ("md", "docx", "json"):
                with page.expect_download() as info:
                    page.click(f"#export-{kind}")
                target = downloads / info.value.suggested_filename
                info.value.save_as(target)
                files[kind] = target
            page.screenshot(path=str(shots / "4-restarted.png"))
        browser.close()

    assert not errors, errors
    assert f"### {REQUEST}: Overturned" in files["md"].read_text("utf-8")
    from docx import Document

    paragraphs = [p.text for p in Document(io.BytesIO(files["docx"].read_bytes())).paragraphs]
    assert f"{REQUEST}: Overturned" in paragraphs
    export = ReviewExport.model_validate_json(files["json"].read_text("utf-8"))
    assert export.machine.items[0].decision == "Upheld"
    assert export.final.items[0].decision == "Overturned"
    assert files["json"].name.endswith("-v2.review.json")
    for shot in shots.iterdir():
        assert shot.stat().st_size > 10_000
