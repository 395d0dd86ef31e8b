"""The HTML report: self-contained, every text escaped, plots present in a real browser."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from imr_llm.evals import compare_runs, run_eval

from ._builders import FakePredictor, item, letter, write_jsonl

EVIL_REQUEST = '<script>alert("x")</script> PT & "more"'
EVIL_SUMMARY = "45 year old male. </div><img src=x onerror=alert(1)> {{ 7*7 }} <b>bold</b>"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def evil_runs(tmp_path: Path) -> tuple[Path, Path]:
    letters = [
        letter(
            "CM16-0000101",
            [item(EVIL_REQUEST, "Upheld"), item("TENS unit", "Overturned")],
            summary=EVIL_SUMMARY,
        ),
        letter("CM16-0000102", [item("Acupuncture x6", "Overturned")]),
    ]
    data = write_jsonl(letters, tmp_path / "evil.jsonl")
    a, b = tmp_path / "a", tmp_path / "b"
    run_eval(data, model="baseline/majority", out=a, n_boot=50, progress=False)
    run_eval(data, model=FakePredictor(), out=b, n_boot=50, progress=False, floor=False)
    compare_runs([a, b], out=tmp_path / "cmp", n_boot=50)
    return a / "report.html", tmp_path / "cmp" / "report.html"


def test_all_text_is_escaped_and_nothing_external(evil_runs: tuple[Path, Path]) -> None:
    for page in evil_runs:
        html = page.read_text(encoding="utf-8")
        assert "<script" not in html.lower()
        assert "<img" not in html.lower()
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
        assert "@import" not in html and "url(" not in html
    run_page = evil_runs[0].read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in run_page  # jinja2 autoescape
    assert "&lt;img src=x onerror=alert(1)&gt;" in run_page
    assert "<b>bold</b>" not in run_page


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (scripts/test-prereqs.sh)")
def test_report_renders_plots_in_headless_chromium(
    evil_runs: tuple[Path, Path], tmp_path: Path
) -> None:
    run_page, comparison_page = evil_runs
    dom = _chromium(["--dump-dom", run_page.as_uri()], tmp_path / "profile").stdout
    assert "Eval report: draft" in dom
    svgs = re.findall(r"<svg\b[^>]*class=\"plot ([a-z]+)\"", dom)
    assert svgs.count("confusion") == 1
    assert svgs.count("bars") == 2  # headline metrics and per-chapter agreement
    assert len(re.findall(r"<rect class=\"cell\"", dom)) == 4  # the 2x2 confusion matrix
    assert "<script" not in dom.lower() and "<img" not in dom.lower()
    assert "&lt;script&gt;alert" in dom  # the request, as text
    assert dom.count('<details class="sample"') == 3
    cmp_dom = _chromium(["--dump-dom", comparison_page.as_uri()], tmp_path / "profile2").stdout
    assert re.search(r"<svg\b[^>]*class=\"plot deltas\"", cmp_dom)
    assert len(re.findall(r"<svg\b", cmp_dom)) >= 4
    shot = tmp_path / "report.png"
    done = _chromium(
        [f"--screenshot={shot}", "--window-size=1200,1600", run_page.as_uri()], tmp_path / "p3"
    )
    assert shot.is_file(), done.stderr[-500:]
    _assert_rendered(shot, (1200, 1600))


def _assert_rendered(png: Path, size: tuple[int, int]) -> None:
    """The screenshot is the window's size and shows the page: dark text and the coloured
    plots (bars, the confusion matrix) drawn on it, not a blank or error page."""
    from PIL import Image  # Pillow comes with fpdf2 (the dev extra)

    with Image.open(png) as image:
        assert image.size == size
        colours = image.convert("RGB").getcolors(size[0] * size[1]) or []
    dark = sum(n for n, rgb in colours if max(rgb) < 100)
    coloured = sum(n for n, rgb in colours if max(rgb) - min(rgb) > 60)
    assert dark > 2_000, f"{dark} dark pixels: no text rendered"
    assert coloured > 2_000, f"{coloured} coloured pixels: no plots rendered"
