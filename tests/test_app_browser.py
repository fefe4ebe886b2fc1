"""The real page in headless Chromium (Playwright driving Debian's chromium).

Starts ``mentorsim app`` on a free port, loads the page, enters a bad value (the message shows
beside the field and Run waits), fixes it, runs, saves the run, changes a lever, runs again,
sees the numbers change, and downloads the comparison as CSV and PNG. It fails if the page is
broken; it is never skipped: without chromium it fails and says how to install it.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PNG = b"\x89PNG\r\n\x1a\n"


def _chromium() -> str:
    path = os.environ.get("MENTORSIM_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(path).exists():
        pytest.fail("Debian's chromium is needed for the browser test: apt-get install -y chromium "
                    "(CI installs it in .ci/run; never `playwright install`)", pytrace=False)
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
               PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "mentorsim", "app", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def read():
        for line in proc.stdout:
            lines.append(line)
            if "serving http://" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(180):  # the first start on a fresh clone compiles the model's kernels
        proc.kill()
        pytest.fail("mentorsim app did not start:\n" + "".join(lines[-30:]), pytrace=False)
    yield f"http://127.0.0.1:{port}/", lines
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    assert proc.returncode is not None


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright
    url, _ = server
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=_chromium(), headless=True,
                                                   args=CHROMIUM_ARGS, accept_downloads=True,
                                                   viewport={"width": 1400, "height": 1000})
        pg = ctx.new_page()
        pg.set_default_timeout(60_000)
        pg.goto(url)
        yield pg
        ctx.close()


def _set(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


def _headline_value(page) -> tuple[str, float]:
    """Wait for a finished run (its time is shown) and read the composite at month 12."""
    head = page.locator(".ms-headline")
    head.filter(has_text=re.compile(r"seed \d+; \d+\.\d s;")).wait_for()
    page.locator(".ms-progress").wait_for(state="detached")
    text = head.inner_text()
    return text, float(re.search(r"month 12: ([\d.]+)%", text).group(1))


def test_page_runs_compares_and_exports(page, server, tmp_path):
    from playwright.sync_api import expect
    run = page.locator(".ms-run")
    run.wait_for()
    assert "Visit interval (weeks)" in page.inner_text("body")

    # a bad value: the message stands beside the field, Run waits, the page keeps working
    _set(page, "Visit days", "20")
    field = page.locator(".ms-lever-visits-days")
    field.filter(has_text="must be in [1, 10]").wait_for()
    expect(run).to_be_disabled()
    _set(page, "Visit days", "2")
    page.locator(".ms-lever-visits-days").filter(has_text="Days per visit").wait_for()
    expect(run).to_be_enabled()

    _set(page, "Replicates", "4")
    run.click()
    text, first = _headline_value(page)
    assert "4 replicates" in text and 5 < first < 95
    expect(page.locator(".ms-figure-composite")).to_have_count(1)
    expect(page.locator(".ms-run-error")).to_have_count(0)

    page.locator(".ms-save").click()
    page.locator(".ms-remove").wait_for()

    # change a lever: visits every 4 weeks instead of 9 -> more coaching, a higher composite
    _set(page, "Visit interval (weeks)", "4")
    name = page.get_by_label("Scenario name", exact=True)
    name.fill("every4")
    name.press("Tab")
    run.click()
    page.locator(".ms-headline").filter(has_text="Current run: every4").wait_for()
    text, second = _headline_value(page)
    assert second != first and second > first
    table = page.locator(".ms-comparison").inner_text()
    assert "custom" in table and "every4" in table

    with page.expect_download() as dl:
        page.get_by_role("button", name=re.compile("Download comparison \\(CSV\\)", re.I)).click()
    csv_path = tmp_path / "comparison.csv"
    dl.value.save_as(csv_path)
    df = pd.read_csv(csv_path)
    m12 = df[df["quantity"] == "composite_month12_pct"].set_index("scenario")["mean"].astype(float)
    assert set(m12.index) == {"custom", "every4"}
    assert m12["every4"] == pytest.approx(second, abs=0.051)
    assert m12["custom"] == pytest.approx(first, abs=0.051)

    with page.expect_download() as dl:
        page.get_by_role("button", name=re.compile("Download comparison \\(PNG\\)", re.I)).click()
    png_path = tmp_path / "comparison.png"
    dl.value.save_as(png_path)
    data = png_path.read_bytes()
    assert data.startswith(PNG)
    import matplotlib.image as mpimg
    img = mpimg.imread(io.BytesIO(data), format="png")
    assert img.shape[0] > 300 and img.shape[1] > 300

    _, lines = server
    assert not any("Traceback" in line for line in lines), "".join(lines)
