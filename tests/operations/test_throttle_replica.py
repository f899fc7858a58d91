"""`max_lag` against a real streaming replica: a backfill pauses while the standby falls behind and
resumes once it has caught up, with every row right on both.

The test makes its own primary (initdb on a free port, wal_level=replica, a replication line in
pg_hba.conf) and a standby of it (pg_basebackup -R on another free port), both from
bench/pg_cluster.py. The standby lags on demand: pg_wal_replay_pause() stops its replay while it
keeps receiving WAL, so pg_stat_replication on the primary shows replay falling further behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Project
from support import run_events, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from pg_cluster import PgCluster, cluster_problem  # noqa: E402

DATABASE = "shoring_replica_test"
ROWS, BATCH = 400, 10
BACKFILL = f'''"""Purpose: fill t.v"""
from shoring.operations import Backfill

operations = [Backfill("t", set_sql="v = id * 2", where="v IS NULL", batch_size={BATCH}, pause=0.1)]
'''
#: What the primary sees of its standby: replay caught up with the WAL there is, and the lag it shows.
REPLICA_SQL = ("SELECT replay_lsn >= pg_current_wal_lsn(), EXTRACT(EPOCH FROM replay_lag) "
               "FROM pg_stat_replication WHERE replay_lsn IS NOT NULL")


@pytest.fixture(scope="module")
def primary_and_standby():
    """A primary and its streaming standby, of this test's own; both stopped and removed after."""
    problem = cluster_problem()
    if problem:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{problem}; CI must run every server test")
        pytest.skip(problem)
    primary = PgCluster("shoring-replica-primary-", {"wal_level": "replica", "max_wal_senders": "4"})
    standby = None
    try:
        with primary_engine(primary) as admin:
            admin.create_database(DATABASE)
        # the standby tells the primary how far it replayed every second (not every 10 s), so a
        # resumed replay is seen soon
        standby = primary.standby("shoring-replica-standby-", {"wal_receiver_status_interval": "1s",
                                                               "hot_standby": "on"})
        yield primary, standby
    finally:
        if standby is not None:
            standby.stop()
        primary.stop()


def primary_engine(cluster: PgCluster, database: str = "postgres"):
    from shoring.engines import connect

    return connect(cluster.url(database))


def replay_paused(standby: PgCluster, paused: bool) -> None:
    with primary_engine(standby, DATABASE) as s:
        s.query("SELECT pg_wal_replay_pause()" if paused else "SELECT pg_wal_replay_resume()")
        want = "paused" if paused else "not paused"
        wait_until(lambda: s.query_one("SELECT pg_get_wal_replay_pause_state()")[0] == want, f"replay {want}")


def caught_up(primary: PgCluster, standby: PgCluster) -> None:
    """Wait until the standby has replayed all the primary's WAL (asked of both sides)."""
    with primary_engine(primary, DATABASE) as p, primary_engine(standby, DATABASE) as s:
        target = p.query_one("SELECT pg_current_wal_lsn()::text")[0]
        wait_until(lambda: s.query_one("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])[0],
                   "the standby caught up")


def test_a_backfill_pauses_while_a_replica_lags_and_resumes_after_it_caught_up(primary_and_standby, tmp_path):
    primary, standby = primary_and_standby
    project = Project(tmp_path / "project", primary.url(DATABASE))
    (project.root / "shoring.toml").write_text(f'database = "{project.url}"\nlock_wait = 30\nmax_lag = "0.5s"\n')
    project.sql("1", "t", f"CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);\n"
                          f"INSERT INTO t (id) SELECT g FROM generate_series(1, {ROWS}) g;", "DROP TABLE t;")
    assert project.run("apply").code == 0
    caught_up(primary, standby)
    replay_paused(standby, True)
    project.write("2_fill.py", BACKFILL)
    proc = subprocess.Popen([sys.executable, "-m", "shoring", "apply"], cwd=project.root, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "NO_COLOR": "1"})
    try:
        filled = lambda: project.query("SELECT count(*) FROM t WHERE v IS NOT NULL")[0][0]  # noqa: E731
        paused = wait_until(lambda: next((e for e in run_events(project.root)
                                          if e["kind"] == "throttle" and e.get("paused")), None),
                            "the backfill paused", timeout=60)
        assert "a replica is" in paused["why"] and "max_lag 0.5s" in paused["why"]
        at_pause = filled()
        assert 0 < at_pause < ROWS  # it ran, then stopped part-way
        # progress stops while the replica stays behind: a full second more of lag, and not one row more
        with project.connect() as p:
            lag_then = p.query_one(REPLICA_SQL)[1]
            wait_until(lambda: (p.query_one(REPLICA_SQL)[1] or 0) > float(lag_then) + 1.0, "the lag grew by 1s")
        assert filled() == at_pause
        assert proc.poll() is None
        replay_paused(standby, False)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        replay_paused(standby, False)
    assert proc.returncode == 0, err
    assert "backfill t: paused: a replica is" in out and "(max_lag 0.5s)" in out
    assert "backfill t: resumed after" in out
    events = run_events(project.root)
    pause_at = next(i for i, e in enumerate(events) if e["kind"] == "throttle" and e.get("paused"))
    resume_at = next(i for i, e in enumerate(events) if e["kind"] == "throttle" and e.get("paused") is False)
    assert not [e for e in events[pause_at:resume_at] if e["kind"] == "batch"]  # no batch while paused
    assert [e for e in events[resume_at:] if e["kind"] == "batch"]  # and batches again after
    assert project.query("SELECT count(*) FROM t WHERE v = id * 2") == [(ROWS,)]
    caught_up(primary, standby)
    with primary_engine(standby, DATABASE) as s:  # the standby has every row right too
        assert s.query("SELECT count(*) FROM t WHERE v = id * 2") == [(ROWS,)]


def test_a_standby_that_replayed_everything_is_not_behind_whatever_replay_lag_still_shows(primary_and_standby):
    """The walsender keeps the last measured replay_lag for a while after a paused standby caught
    up: read naively, a backfill would stay paused for a replica that is no longer behind."""
    primary, standby = primary_and_standby
    with primary_engine(primary, DATABASE) as p:
        p.execute("CREATE TABLE IF NOT EXISTS stale (id INTEGER)")
        caught_up(primary, standby)
        replay_paused(standby, True)
        p.execute("INSERT INTO stale VALUES (1)")  # WAL the standby receives but does not replay
        wait_until(lambda: (p.query_one(REPLICA_SQL)[1] or 0) > 1.5, "the standby 1.5s behind")
        assert p.replication_lag()[1] > 1.5  # behind, and said so
        replay_paused(standby, False)
        seen = []

        def stale_and_measured():
            before = p.query_one(REPLICA_SQL)
            lag = p.replication_lag()
            after = p.query_one(REPLICA_SQL)
            # caught up by position, yet the old lag still shown, on both sides of our measure
            if before[0] and after[0] and (before[1] or 0) > 1.0 and before[1] == after[1]:
                seen.append((float(before[1]), lag))
                return True
            return False

        wait_until(stale_and_measured, "a caught-up standby still showing its old replay_lag", timeout=30)
        stale_lag, measured = seen[0]
        assert measured == (1, 0.0), f"replay_lag shows {stale_lag:.1f}s, yet the standby is not behind"
