"""Eight `shoring apply` processes at once: every migration applied exactly once, none failed."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.slow
def test_eight_concurrent_applies_apply_each_migration_once(project):
    for i in range(1, 7):
        project.sql(
            str(i), f"step_{i}",
            f"CREATE TABLE t{i} (id INTEGER);\nINSERT INTO t{i} (id) VALUES ({i});",
            f"DROP TABLE t{i};",
        )
    procs = [
        subprocess.Popen([sys.executable, "-m", "shoring", "apply"], cwd=project.root,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(8)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    codes = [p.returncode for p in procs]
    assert codes == [0] * 8, outputs
    # each table got its one row exactly once: no migration ran twice
    for i in range(1, 7):
        assert project.query(f"SELECT count(*) FROM t{i}") == [(1,)]
    events = project.run("history", "--format", "json").json["events"]
    assert sorted(e["version"] for e in events if e["event"] == "apply") == [str(i) for i in range(1, 7)]
    assert not [e for e in events if e["event"] != "apply"]
    applied_by_runs = sum("Applied" in out for out, _ in outputs)
    assert applied_by_runs >= 1
    states = {m["state"] for m in project.run("status", "--format", "json").json["migrations"]}
    assert states == {"applied"}
