"""`shoring report`: a run's page, self-contained, rendered by headless Chromium with its plots on screen."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run"]


def require_chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("chromium is not installed; .ci/run installs it and CI must run the screenshot test")
        pytest.skip("chromium is not installed (.ci/run installs Debian's chromium)")
    return CHROMIUM


def chromium(page, tmp_path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp_path / f"chromium-profile-{len(list(tmp_path.iterdir()))}"  # fresh every time
    return subprocess.run([require_chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
                          capture_output=True, text=True, timeout=120)


def pixels_near(image, colour: str, tolerance: float = 0.08) -> int:
    """How many screenshot pixels have this colour (give or take antialiasing)."""
    import numpy as np

    rgb = np.array([int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return int((np.abs(image[:, :, :3] - rgb).max(axis=2) < tolerance).sum())


def test_report_page_renders_in_headless_chromium_with_its_plots(sqlite_project, tmp_path):
    from matplotlib.image import imread

    from shoring.report.run_page import THROUGHPUT_COLOUR, TIMELINE_COLOURS

    project = sqlite_project
    require_chromium()
    project.sql("1", "users", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, domain TEXT);\n"
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000) "
                "INSERT INTO users (id, email) SELECT i, 'u' || i || '@example.com' FROM n;", "DROP TABLE users;")
    project.write("2_domain.py", '"""Purpose: fill users.domain"""\nfrom shoring.operations import Backfill\n\n'
                  "operations = [Backfill('users', set_sql=\"domain = substr(email, instr(email, '@') + 1)\", "
                  "where='domain IS NULL', batch_size=500, pause=0.01)]\n")
    assert project.run("apply").code == 0
    written = project.run("report")
    assert written.code == 0, written.err
    page = Path(written.out.strip())
    text = page.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), "self-contained: nothing fetched"
    assert "<script" not in text

    dom = chromium(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr
    assert len(re.findall(r'<figure class="plot" id="(timeline|throughput)"><svg', dom.stdout)) == 2, dom.stdout[:2000]
    assert "Pre-migration checklist" in dom.stdout and "2 domain · risk" in dom.stdout

    shot = tmp_path / "report.png"
    taken = chromium(page, tmp_path, "--window-size=1100,1400", f"--screenshot={shot}", "--hide-scrollbars")
    assert taken.returncode == 0 and shot.exists(), taken.stderr
    image = imread(shot)
    bars = pixels_near(image, TIMELINE_COLOURS[0]) + pixels_near(image, TIMELINE_COLOURS[1])
    assert bars > 1000, "the timeline's bars (one colour per migration) are on screen"
    assert pixels_near(image, THROUGHPUT_COLOUR) > 500, "the throughput line is on screen"


def test_report_without_runs_says_so(sqlite_project):
    result = sqlite_project.run("report")
    assert result.code == 2 and "no run logs" in result.err
