"""`shoring test` does not sleep a backfill's pause between batches on the scratch copy, and still says
how long the real run takes with its pauses (issue 15: a 300k-row rehearsal took 140 s, 0.6 s without)."""

from __future__ import annotations

import time

import shoring.backfill.run

PAUSED = '''"""Purpose: fill v"""
from shoring.operations import Backfill

operations = [Backfill("items", set={"v": 1}, where="v IS NULL", batch_size=10, pause=0.5)]
'''


def test_the_copy_skips_the_pauses_and_the_report_adds_them_back(sqlite_project, monkeypatch):
    values = ", ".join(f"({i}, NULL)" for i in range(1, 101))  # 10 batches: 5 s of pauses for real
    sqlite_project.sql("1", "items", f"CREATE TABLE items (id INTEGER PRIMARY KEY, v INTEGER);\nINSERT INTO items VALUES {values};",
                       "DROP TABLE items;")
    assert sqlite_project.run("apply", "--to", "1").code == 0
    sqlite_project.write("2_fill.py", PAUSED)
    slept: list[float] = []
    real_sleep = time.sleep
    monkeypatch.setattr(shoring.backfill.run.time, "sleep", lambda s: (slept.append(s), real_sleep(s)))
    result = sqlite_project.run("test", "--format", "json")
    assert result.code == 0, result.err
    [mig] = result.json["migrations"]
    up = next(s for s in mig["steps"] if s["step"] == "up")
    assert up["paused_seconds"] == 5.0 and up["real_run_seconds"] >= 5.0
    assert 0.5 not in slept  # the batches did not sleep their pause on the copy
    text = sqlite_project.run("test").out
    assert "the real run also pauses 5.0s between batches (skipped here)" in text
