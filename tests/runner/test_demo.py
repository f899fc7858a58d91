"""`shoring demo`, the README's first command: every step runs for real and it leaves nothing behind."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_demo_runs_every_step_and_cleans_up(tmp_path):
    env_tmp = tmp_path / "tmp"
    env_tmp.mkdir()
    result = subprocess.run([sys.executable, "-m", "shoring", "demo"], cwd=tmp_path, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "TMPDIR": str(env_tmp), "HOME": str(tmp_path)}, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    out = result.stdout
    for step in ("Step 0", "Step 1 - plan", "Step 2 - the scripts, linted", "Step 3 - rehearse", "Step 4 - execute",
                 "Rollback drill", "When a migration fails", "Fix and re-run", "Step 5 - the audit trail"):
        assert f"== {step}" in out, step
    assert "Estimated execution time:** < 1 second (table has ~10k rows)" in out  # the seed's figure, from the database
    assert "failed at statement 2 of 2 (line 8)" in out and "no such table: userz" in out
    assert "demo finished" in out
    assert list(env_tmp.iterdir()) == [], "the temporary project is removed"
