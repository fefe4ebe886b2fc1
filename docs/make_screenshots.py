"""Regenerate docs/img/app.png and app_costs.png (desktop, 1366 px), app_phone.png and
app_phone_levers.png (a phone, 390 px), and report.png (needs Debian's chromium).

    python docs/make_screenshots.py
"""

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
IMG = ROOT / "docs" / "img"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def shrink(path: Path, width: int = 1000) -> None:
    im = Image.open(path).convert("RGB")
    im = im.resize((width, round(im.height * width / im.width)), Image.LANCZOS)
    im.quantize(colors=128).save(path, optimize=True)


def main() -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "mentorsim", "app", "--port", str(port)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in proc.stdout:
        if "serving" in line:
            break
    report = Path(tempfile.mkdtemp()) / "report.html"
    subprocess.run([sys.executable, "-m", "mentorsim", "report", "scenarios/ss2020.toml",
                    "scenarios/local_mentors.toml", "scenarios/virtual_only.toml", "--replicates", "10",
                    "--out", str(report)], cwd=ROOT, env=env, check=True)
    try:
        with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
            ctx = p.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium", headless=True,
                                                       args=ARGS, viewport={"width": 1366, "height": 860})
            pg = ctx.new_page()
            pg.set_default_timeout(120_000)
            pg.goto(f"http://127.0.0.1:{port}/?replicates=10")
            pg.locator(".ms-run").click()
            pg.locator(".ms-headline").filter(has_text=re.compile(r"\d\.\d s;")).wait_for()
            pg.locator(".ms-progress").wait_for(state="detached")
            pg.locator(".ms-save").click()
            for label, value in (("Visit interval (weeks)", "4"), ("Scenario name", "Visits every 4 weeks")):
                box = pg.get_by_label(label, exact=True)
                box.fill(value)
                box.press("Enter")
            pg.locator(".ms-run").click()
            pg.locator(".ms-headline").filter(has_text="Visits every 4 weeks").filter(
                has_text=re.compile(r"\d\.\d s;")).wait_for()
            pg.locator(".ms-progress").wait_for(state="detached")
            time.sleep(1)
            pg.screenshot(path=IMG / "app.png")
            pg.locator(".ms-cost-table").scroll_into_view_if_needed()
            time.sleep(1)
            pg.screenshot(path=IMG / "app_costs.png")

            phone = ctx.new_page()
            phone.set_viewport_size({"width": 390, "height": 844})
            phone.goto(f"http://127.0.0.1:{port}/?replicates=10")
            phone.locator(".ms-run").wait_for()
            time.sleep(1)
            phone.locator(".ms-preset-local_mentors").click()
            time.sleep(1)
            phone.screenshot(path=IMG / "app_phone_levers.png")
            phone.locator(".ms-run").click()
            phone.locator(".ms-headline").filter(has_text="Local mentors").filter(
                has_text=re.compile(r"\d\.\d s;")).wait_for()
            phone.locator(".ms-progress").wait_for(state="detached")
            time.sleep(1)
            phone.screenshot(path=IMG / "app_phone.png")

            pg.goto(report.as_uri())
            pg.set_viewport_size({"width": 1200, "height": 1500})
            pg.screenshot(path=IMG / "report.png")
            ctx.close()
    finally:
        proc.terminate()
        proc.wait(10)
    for name, width in (("app.png", 1000), ("app_costs.png", 1000), ("report.png", 1000),
                        ("app_phone.png", 390), ("app_phone_levers.png", 390)):
        shrink(IMG / name, width)
        print(IMG / name, (IMG / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
