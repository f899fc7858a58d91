"""`shoring plan` predicts the locks PostgreSQL really takes, and whether it really rewrites the table.

Every statement form of pg_lock_cases.CASES runs on a real server inside a transaction (rolled
back): the locks it took are read from pg_locks, a rewrite from pg_class.relfilenode, scans from
pg_stat_xact_user_tables. The plan, made from the same live schema, must say the same: per relation
the strongest lock mode, the same set of rewritten tables, the same scans (DDL only: for DML the
planner picks seq or index scans by size), and that the statement runs in a transaction block
exactly when the server allows it. A case may start with SET statements (the session's TimeZone
decides some rewrites); the plan of its last statement is compared. Both sessions run in a time
zone other than UTC unless the case sets one. VACUUM and REINDEX, refused in a transaction block,
run outside one: what they rewrite is read from relfilenode all the same.
"""

from __future__ import annotations

import pytest

from conftest import new_database
from pg_lock_cases import CASES, SCHEMA

#: statement kinds that give a table a new, empty file without copying a row: a new relfilenode,
#: which is not what the plan means by a rewrite (a copy of every row, slow on a big table)
NEW_FILE_WITHOUT_COPY = {"truncate"}
#: kinds refused in a transaction block that change no schema: run outside one to see what they rewrite
RUN_OUTSIDE_A_TRANSACTION = {"vacuum", "reindex"}
#: both sessions' TimeZone: not UTC, so that a timestamp <-> timestamptz change rewrites unless a case sets UTC
SESSION_TIME_ZONE = "Europe/Paris"
#: kinds whose scans are the query planner's choice (index or sequential, by table size)
PLANNER_CHOOSES_SCANS = {"update", "delete", "insert", "select", "lock_table"}

RELATIONS = """
SELECT c.oid, CASE WHEN n.nspname = current_schema() THEN c.relname ELSE n.nspname || '.' || c.relname END,
       c.relkind, c.relfilenode
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'
"""
LOCKS = """
SELECT l.relation, CASE WHEN n.nspname = current_schema() THEN c.relname ELSE n.nspname || '.' || c.relname END,
       c.relkind, l.mode
  FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.relation >= 16384
   AND coalesce(n.nspname, '') NOT LIKE 'pg\\_toast%'
"""
SCANS = "SELECT relname, seq_scan FROM pg_stat_xact_user_tables"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(engine running the cases, the plan's read-only view of the same database)."""
    from shoring.engines import connect
    from shoring.plan.live import open_live, read_only_session

    url, drop = new_database("postgresql", tmp_path_factory.mktemp("pglocks"))
    runner = connect(url)
    reader = connect(url, read_only=True)
    try:
        runner.execute(SCHEMA)
        for engine in (runner, reader):
            engine.execute(f"SET timezone = '{SESSION_TIME_ZONE}'")
        read_only_session(reader)
        yield runner, open_live(reader)
    finally:
        runner.close()
        reader.close()
        drop()


def observe(engine, sql: str) -> dict:
    """Run sql in a rolled-back transaction; what it locked, rewrote and scanned, or that it was refused."""
    try:
        return _observe(engine, sql)
    finally:
        engine.execute(f"SET timezone = '{SESSION_TIME_ZONE}'")


def rewritten_outside_a_transaction(engine, sql: str) -> set[str]:
    """The tables (and materialized views) a statement refused in a transaction block gave a new file."""
    before = {oid: (name, kind, node) for oid, name, kind, node in engine.query(RELATIONS)}
    engine.execute(sql)
    after = {oid: node for oid, _, _, node in engine.query(RELATIONS)}
    return {before[o][0] for o, node in after.items() if o in before and before[o][1] in "rpm" and before[o][2] != node}


def _observe(engine, sql: str) -> dict:
    from shoring.analysis.model import stronger
    from shoring.engines import StatementError

    engine.execute("BEGIN")
    try:
        before = {oid: (name, kind, node) for oid, name, kind, node in engine.query(RELATIONS)}
        scans_before = dict(engine.query(SCANS))
        try:
            engine.execute(sql)
        except StatementError as exc:
            if "cannot run inside a transaction block" in exc.message or "cannot be executed inside a transaction" in exc.message:
                return {"refused": True}
            raise
        locks: dict[str, str] = {}
        kinds: dict[str, str] = {}
        for oid, name, kind, mode in engine.query(LOCKS):
            if oid in before:  # renamed or dropped by the statement: its name before
                name, kind = before[oid][0], before[oid][1]
            if name is None:
                continue
            kinds[name] = kind
            locks[name] = stronger(locks.get(name), mode)
        after = {oid: node for oid, _, _, node in engine.query(RELATIONS)}
        new_file = {before[o][0] for o, node in after.items() if o in before and before[o][1] in "rpm" and before[o][2] != node}
        scans_after = dict(engine.query(SCANS))
        existing = {v[0] for v in before.values()}
        scanned = {t for t, n in scans_after.items() if n > scans_before.get(t, 0) and t in existing}
        return {"refused": False, "locks": locks, "kinds": kinds, "new_file": new_file, "scanned": scanned}
    finally:
        engine.execute("ROLLBACK")


@pytest.mark.parametrize("case_id, sql", CASES, ids=[c[0] for c in CASES])
def test_plan_predicts_what_postgresql_does(server, case_id, sql):
    from shoring.plan import plan_sql

    runner, live = server
    planned = plan_sql(sql, live=live).migrations[0].statements[-1].analyzed
    real = observe(runner, sql)

    if real["refused"]:
        assert planned.transactional is False, f"{case_id}: the server refuses it in a transaction block"
        kinds = {op.kind for op in planned.operations}
        if kinds <= RUN_OUTSIDE_A_TRANSACTION:
            assert set(planned.rewrites) == rewritten_outside_a_transaction(runner, sql), case_id
        return
    assert planned.transactional is True, f"{case_id}: the server runs it in a transaction block"
    # every table, view or partition the server locked, and every relation the plan names
    compared = {r for r, k in real["kinds"].items() if k in "rpmvf"} | set(planned.locks)
    assert {r: planned.locks.get(r) for r in compared} == {r: real["locks"].get(r) for r in compared}, case_id
    kinds = {op.kind for op in planned.operations}
    rewritten = real["new_file"]
    if kinds & NEW_FILE_WITHOUT_COPY:
        assert rewritten, f"{case_id}: TRUNCATE swaps in a new file"
        rewritten = set()
    assert set(planned.rewrites) == rewritten, case_id
    if not kinds & PLANNER_CHOOSES_SCANS:
        assert set(planned.scans) | set(planned.rewrites) == real["scanned"], case_id


def test_the_table_covers_two_hundred_forms():
    transactional = [c for c in CASES if "concurrently" not in c[0] and not c[0].startswith("vacuum")]
    assert len(transactional) >= 50
    assert len({sql for _, sql in CASES}) >= 200
