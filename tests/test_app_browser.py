"""The real page in headless Chromium (Playwright driving Debian's chromium).

Starts ``mentorsim app`` on a free port and drives it at a desktop width (1366x860) and a phone
width (390x844). Desktop: Run in view without scrolling, a preset, a bad value (the message shows
beside the field and Run waits), a run, keep it, change a lever, the stale mark during the rerun,
the numbers change, the scenario saved as TOML, the address restores the levers in a new tab,
the saved file loads back, CSV (read back) and PNG exports. Phone: a preset, a small run, the
lever panel folds away so the results are reachable and nothing covers them, the panel opens
again, the CSV export. Runs are small (2-3 facilities, 2-3 replicates). It fails if the page is
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
def browser_ctx(server):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=_chromium(), headless=True,
                                                   args=CHROMIUM_ARGS, accept_downloads=True,
                                                   viewport={"width": 1366, "height": 860})
        ctx.set_default_timeout(60_000)
        yield ctx
        ctx.close()


def _open(ctx, url: str, width: int, height: int):
    pg = ctx.new_page()
    pg.set_viewport_size({"width": width, "height": height})
    pg.goto(url)
    pg.locator(".ms-run").wait_for()
    return pg


def _set(page, label: str, value: str) -> None:
    box = page.get_by_label(label, exact=True)
    box.fill(value)
    box.press("Enter")


def _has(page, label: str, value: str) -> None:
    """The field labelled ``label`` shows ``value`` (waits for the page to update)."""
    from playwright.sync_api import expect
    expect(page.get_by_label(label, exact=True)).to_have_value(value)


def _headline_value(page, name: str | None = None) -> tuple[str, float]:
    """Wait for a finished run (its time is shown) and read the composite at month 12."""
    head = page.locator(".ms-headline")
    if name:
        head = head.filter(has_text=f"Current run: {name}")
    head.filter(has_text=re.compile(r"seed \d+; \d+\.\d s;")).wait_for()
    page.locator(".ms-progress").wait_for(state="detached")
    text = head.inner_text()
    return text, float(re.search(r"month 12: ([\d.]+)%", text).group(1))


def _download(page, button: str, path: Path) -> Path:
    with page.expect_download() as dl:
        page.get_by_role("button", name=re.compile(re.escape(button), re.I)).click()
    dl.value.save_as(path)
    return path


def _uncovered(page, selector: str) -> bool:
    """True when the element's centre is on screen and the element itself is what is there."""
    return page.locator(selector).first.evaluate(
        """el => { const r = el.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + Math.min(r.height / 2, 20);
                   if (x < 0 || y < 0 || x > innerWidth || y > innerHeight) return false;
                   const top = document.elementFromPoint(x, y); return el.contains(top); }""")


def _settles_uncovered(page, selector: str, seconds: float = 5.0) -> bool:
    """True once the element, scrolled to just below the sticky top bar (as a reader scrolling to
    it sees it), is on screen and uncovered; False if it is still covered or off screen after
    ``seconds``. The lever panel folds away with an animation, which moves the results while it
    runs (on a loaded machine, for longer): a check made the instant after scrolling failed there
    (1 run in 3 under a full CI load) though the page then settled uncovered; what stays covered
    still fails. Scrolled to its top, not centred: on a phone the headline, once the PSA's
    probabilities are in, is taller than the screen (~830 of 844 px), and centring it put its top
    under the bar, though a reader scrolling to it sees it whole from its title on."""
    deadline = time.monotonic() + seconds
    while True:
        page.locator(selector).first.evaluate(
            """el => { el.scrollIntoView({block: 'start'});
                       const bar = document.querySelector('.ms-topbar');
                       const below = bar ? bar.getBoundingClientRect().bottom : 0;
                       window.scrollBy(0, el.getBoundingClientRect().top - below - 4); }""")
        if _uncovered(page, selector):
            return True
        if time.monotonic() > deadline:
            return False
        page.wait_for_timeout(200)


def test_desktop_preset_run_save_reload_export(browser_ctx, server, tmp_path):
    from playwright.sync_api import expect

    from mentorsim.policy.compute import read_comparison_csv
    from mentorsim.policy.levers import scenario_from_text
    url, lines = server
    page = _open(browser_ctx, url, 1366, 860)
    run = page.locator(".ms-run")
    box = run.bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 860, box  # Run visible without scrolling
    assert "Visit interval (weeks)" in page.inner_text("body")
    assert "custom" not in page.inner_text("body")

    # one click on a preset sets its levers and names the run
    page.locator(".ms-preset-ss2020_weekly_echo").click()
    page.wait_for_function("() => location.search.includes('preset=ss2020_weekly_echo')")
    _has(page, "Telementoring interval (weeks)", "1")
    page.locator(".ms-preset-ss2020").click()
    page.wait_for_function("() => location.search.includes('preset=ss2020')")
    _has(page, "Telementoring interval (weeks)", "2")

    # a bad value: the message stands beside the field, Run waits, the page keeps working
    _set(page, "Visit days", "20")
    page.locator(".ms-lever-visits-days").filter(has_text="must be in [1, 10]").wait_for()
    expect(run).to_be_disabled()
    _set(page, "Visit days", "2")
    page.locator(".ms-lever-visits-days").filter(has_text="Days per visit").wait_for()
    expect(run).to_be_enabled()

    _set(page, "Facilities", "3")
    _set(page, "Replicates", "3")
    run.click()
    text, first = _headline_value(page)
    first_name = "As run (SS2020), facilities 3"
    assert f"Current run: {first_name}" in text and "3 replicates" in text and 5 < first < 95
    expect(page.locator(".ms-figure-composite")).to_have_count(1)
    expect(page.locator(".ms-run-error")).to_have_count(0)
    # the verdict line: a quick posterior PSA against no mentorship, probabilities at the thresholds
    verdict = page.locator(".ms-verdict").filter(has_text="Probability of being cost-effective")
    verdict.wait_for(timeout=120_000)
    assert re.search(r"1x GDP per capita \(US\$[\d,]+\): \d+%", verdict.inner_text()), verdict.inner_text()
    page.locator(".ms-headline").filter(has_text="What lasts: a gain of").wait_for()
    page.locator(".ms-save").click()
    page.locator(".ms-remove").wait_for()

    # change a lever: visits every 4 weeks instead of 9 -> more coaching, a higher composite;
    # a longer horizon makes the comparator new, so the rerun takes long enough to see the mark
    _set(page, "Visit interval (weeks)", "4")
    _set(page, "Horizon after the programme (months)", "30")
    _set(page, "Local visits afterwards (weeks apart)", "13")  # a sustainability lever
    page.locator(".ms-changed-note").wait_for()
    name = page.get_by_label("Scenario name", exact=True)
    name.fill("every4")
    name.press("Tab")
    run.click()
    page.locator(".ms-stale-note").wait_for()
    expect(page.locator(".ms-results.ms-stale")).to_have_count(1)
    text, second = _headline_value(page, "every4")
    expect(page.locator(".ms-stale-note")).to_have_count(0)
    assert second > first
    table = page.locator(".ms-comparison").inner_text()
    assert first_name in table and "every4" in table
    lasts = page.locator(".ms-lasts-table")
    lasts.filter(has_text="regional mentors visit every 13 weeks").wait_for()
    assert first_name in lasts.inner_text() and "24 months after" in lasts.inner_text()

    # the address holds the levers: a new tab restores them
    page.wait_for_function("() => location.search.includes('visits.interval_weeks=4')")
    shared = page.url
    assert "facilities.intervention=3" in shared and "replicates=3" in shared and "name=every4" in shared
    assert "followup.local_visit_interval_weeks=13" in shared
    tab = _open(browser_ctx, shared, 1366, 860)
    tab.wait_for_function("() => document.querySelector('.ms-name input') && "
                          "document.querySelector('.ms-name input').value === 'every4'")
    _has(tab, "Visit interval (weeks)", "4")
    _has(tab, "Facilities", "3")
    _has(tab, "Horizon after the programme (months)", "30")
    _has(tab, "Replicates", "3")
    _has(tab, "Local visits afterwards (weeks apart)", "13")
    tab.close()

    # save the scenario; it is what the levers say; load it back after moving away
    saved = scenario_from_text(_download(page, "Save scenario (TOML)", tmp_path / "saved.toml").read_text())
    assert saved.label == "every4"
    assert saved.params["visits.interval_weeks"] == 4 and saved.params["facilities.intervention"] == 3
    page.locator(".ms-preset-no_mentorship").click()
    page.wait_for_function("() => location.search.includes('preset=no_mentorship')")
    _has(page, "Visit interval (weeks)", "9")
    page.locator(".ms-load input[type=file]").set_input_files(str(tmp_path / "saved.toml"))
    page.wait_for_function("() => location.search.includes('visits.interval_weeks=4')")
    _has(page, "Visit interval (weeks)", "4")
    _has(page, "Facilities", "3")
    _has(page, "Scenario name", "every4")
    expect(page.locator(".ms-load-error")).to_have_count(0)
    bad = tmp_path / "bad.toml"
    bad.write_text("[visits]\ninterval_weeks = 400\n")
    page.locator(".ms-load input[type=file]").set_input_files(str(bad))
    page.locator(".ms-load-error").filter(has_text="visits.interval_weeks").wait_for()

    # exports: the CSV reads back to the numbers shown; the PNG has pixels
    results, levers = read_comparison_csv(_download(page, "Download results table (CSV)",
                                                    tmp_path / "results.csv").read_text())
    m12 = results[results["quantity"] == "composite_month12_pct"].set_index("scenario")["mean"]
    assert set(m12.index) == {first_name, "every4"}
    assert m12["every4"] == pytest.approx(second, abs=0.051)
    assert m12[first_name] == pytest.approx(first, abs=0.051)
    assert levers["every4"]["visits.interval_weeks"] == 4 and levers[first_name]["visits.interval_weeks"] == 9
    data = _download(page, "Download figures (PNG)", tmp_path / "figures.png").read_bytes()
    assert data.startswith(PNG)
    import matplotlib.image as mpimg
    img = mpimg.imread(io.BytesIO(data), format="png")
    assert img.shape[0] > 300 and img.shape[1] > 300
    page.close()
    assert not any("Traceback" in line for line in lines), "".join(lines)


def test_phone_preset_run_results_reachable_export(browser_ctx, server, tmp_path):
    from playwright.sync_api import expect

    from mentorsim.policy.compute import read_comparison_csv
    url, lines = server
    page = _open(browser_ctx, url, 390, 844)
    run = page.locator(".ms-run")
    box = run.bounding_box()
    assert box["y"] + box["height"] <= 844 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
    page.locator(".ms-preset-in_person_only").click()
    page.wait_for_function("() => location.search.includes('preset=in_person_only')")
    expect(page.get_by_label("Telementoring (Project ECHO)")).not_to_be_checked()
    _set(page, "Facilities", "2")
    _set(page, "Replicates", "2")
    run.scroll_into_view_if_needed()
    run.click()
    text, value = _headline_value(page, "In-person only, facilities 2")
    assert "2 replicates" in text and 5 < value < 95
    # the lever panel folded away: the results are on screen and nothing covers them
    expect(page.locator(".ms-panel-body")).to_be_hidden()
    assert _settles_uncovered(page, ".ms-headline")
    assert _uncovered(page, ".ms-run")  # the bar with Run stays at the top
    assert _settles_uncovered(page, ".ms-figure-composite")
    assert page.locator(".ms-figure-composite").bounding_box()["width"] <= 390
    # the panel opens again with one tap
    page.locator(".ms-toggle-levers").click()
    expect(page.locator(".ms-panel-body")).to_be_visible()
    _has(page, "Facilities", "2")
    results, levers = read_comparison_csv(_download(page, "Download results table (CSV)",
                                                    tmp_path / "phone.csv").read_text())
    assert float(results[results["quantity"] == "composite_month12_pct"]["mean"].iloc[0]) == \
        pytest.approx(value, abs=0.051)
    assert levers["In-person only, facilities 2"]["echo.enabled"] is False
    page.close()
    assert not any("Traceback" in line for line in lines), "".join(lines)
