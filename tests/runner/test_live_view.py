"""The live view: a Rich display in a terminal (checked in a real tmux pane), plain lines in a pipe, JSON lines
with --format json, and a run log of every sample under .shoring/runs/."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import uuid

import pytest
from support import wait_until

ROWS = 300_000


def backfill_project(project, rows: int = ROWS, pause: float = 0.005) -> None:
    project.sql("1", "users", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, domain TEXT);\n"
                f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) "
                "INSERT INTO users (id, email) SELECT i, 'user' || i || '@example.com' FROM n;", "DROP TABLE users;")
    project.write("2_backfill_domain.py", '"""Purpose: fill users.domain in batches"""\n'
                  "from shoring.operations import Backfill\n\n"
                  "operations = [Backfill('users', set_sql=\"domain = substr(email, instr(email, '@') + 1)\", "
                  f"where='domain IS NULL', batch_size=1000, pause={pause})]\n")
    assert project.run("apply", "--to", "1").code == 0


BAR = re.compile(r"backfill users .*?(\d+)% +([\d,]+) rows/s ETA (\d+:\d\d:\d\d)")


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (.ci/run installs it)")
def test_live_view_in_a_terminal_moves_bar_rate_and_eta(sqlite_project):
    project = sqlite_project
    backfill_project(project, pause=0.02)  # at least 6 s of batches, so 20 points of the bar are a second or more of ETA
    name = f"shoring-test-{uuid.uuid4().hex[:8]}"
    command = f"cd {project.root} && {sys.executable} -m shoring apply; echo EXIT=$?; sleep 60"
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "160", "-y", "40", command], check=True)
    subprocess.run(["tmux", "resize-window", "-t", name, "-x", "160", "-y", "40"], capture_output=True)
    frames: list[tuple[int, int, str]] = []

    def screen() -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout

    def new_frame():
        text = screen()
        m = BAR.search(text)
        if m and int(m.group(1)) < 100 and (not frames or int(m.group(1)) >= frames[-1][0] + 20):
            frames.append((int(m.group(1)), int(m.group(2).replace(",", "")), m.group(3)))
        return len(frames) >= 3 or "EXIT=" in text

    try:
        wait_until(new_frame, "three frames of the live view with the bar further each time", timeout=120, interval=0.1)
        final = wait_until(lambda: next((t for t in [screen()] if "EXIT=" in t), None), "apply to finish", timeout=120)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)
    assert "EXIT=0" in final, final
    assert len(frames) >= 2, f"the bar was seen moving: {frames}\n{final}"
    percents = [f[0] for f in frames]
    assert percents == sorted(percents) and percents[0] < percents[-1]
    assert all(rate > 0 for _, rate, _ in frames), frames
    assert len({eta for _, _, eta in frames}) > 1, f"the ETA moves: {frames}"
    assert "migration 1/1: 2 backfill_domain" in final and "300,000 of 300,000 rows in 300 batches" in final


def test_piped_output_has_no_control_codes_and_says_rate_and_eta(sqlite_project):
    project = sqlite_project
    backfill_project(project, rows=100_000, pause=0.04)  # 100 paused batches: 4 s or more, past PLAIN_EVERY (2 s)
    result = subprocess.run([sys.executable, "-m", "shoring", "apply"], cwd=project.root, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr, "no terminal control codes in a pipe"
    progress = [ln for ln in result.stdout.splitlines() if ln.startswith("  backfill users: ")]
    assert progress and re.search(r"[\d,]+ of 100,000 rows \(\d+%\), [\d,]+ rows/s, ETA \d+:\d\d:\d\d", progress[0]), \
        result.stdout
    assert re.fullmatch(r"  backfill users: 100,000 rows in 100 batches \([\d.]+s\)", progress[-1]), progress


def test_json_lines_and_the_run_log_keep_every_sample(sqlite_project):
    project = sqlite_project
    backfill_project(project, rows=20_000, pause=0)
    result = project.run("apply", "--format", "json")
    assert result.code == 0, result.err
    assert result.json["applied"][0]["version"] == "2", "stdout keeps the command's JSON result"
    lines = [json.loads(ln) for ln in result.err.splitlines()]
    kinds = [e["kind"] for e in lines]
    assert kinds[0] == "run_start" and kinds[-1] == "run_end" and kinds.count("batch") == 20
    first, log = sorted((project.root / ".shoring" / "runs").glob("*.jsonl"), key=lambda p: p.stat().st_mtime)
    logged = [json.loads(ln) for ln in log.read_text().splitlines()]
    assert [e["kind"] for e in logged] == kinds
    start = next(e for e in logged if e["kind"] == "batches_start")
    assert start["total"] == 20_000 and start["table"] == "users"
    assert logged[-1]["outcome"] == "ok"
    assert any(e["kind"] == "checklist" for e in logged) and any(e["kind"] == "plan" for e in logged)


def test_the_view_shows_a_paused_throttle_and_a_lock_wait():
    """The view drawn from the events the batch loop, the throttle and the lock watcher send."""
    import io

    from rich.console import Console

    from shoring.report.live import RichView

    console = Console(file=io.StringIO(), force_terminal=True, width=100)
    view = RichView("apply", console=console)
    view("migration_start", {"version": "2", "name": "fill", "direction": "up", "mode": "statement by statement",
                             "position": 1, "of": 1})
    view("statement_start", {"index": 1, "line": 4, "sql": "UPDATE users SET x = 1"})
    view("batches_start", {"label": "backfill users", "total": 1000, "done": 0, "batch_size": 100, "pause": 0.1})
    view("batch", {"done": 300, "batches": 3, "batch_size": 50, "pause": 0.2, "slowed": True})
    console.print(view.render())
    slowed = console.file.getvalue()
    assert "300 of 1,000 rows in 3 batches" in slowed and "slowed down" in slowed and "batches of 50 rows" in slowed
    view("throttle", {"paused": True, "why": "a replica is 12.0s behind (max_lag 5s)"})
    view("activity", {"waiting_for": "a lock", "blockers": ["session 42 (psql), idle in transaction for 30s"]})
    console.file.truncate(0)
    console.print(view.render())
    shown = console.file.getvalue()
    assert "throttle: PAUSED: a replica is 12.0s behind" in shown
    assert "lock wait: a lock held by session 42 (psql), idle in transaction for 30s" in shown
