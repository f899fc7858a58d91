"""PostgreSQL: the traced locks are the ones pg_locks shows, and the probe feels what an application would."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest
from conftest import new_database
from rehearsal_support import target_state

from shoring.engines import connect
from support import wait_until

BASE = """CREATE TABLE parent (id int PRIMARY KEY, name text);
CREATE TABLE child (id int PRIMARY KEY, parent_id int, amount int, note varchar(20));
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 20) g;
INSERT INTO child SELECT g, g % 20 + 1, g, 'n' FROM generate_series(1, 200) g;"""

#: statement forms -> their down; each is one migration, applied on top of the ones before it
FORMS: list[tuple[str, str]] = [
    ("ALTER TABLE child ADD COLUMN extra text;", "ALTER TABLE child DROP COLUMN extra;"),
    ("ALTER TABLE child ADD COLUMN r float8 DEFAULT random();", "ALTER TABLE child DROP COLUMN r;"),
    ("ALTER TABLE child ALTER COLUMN amount TYPE bigint;", "ALTER TABLE child ALTER COLUMN amount TYPE int;"),
    ("ALTER TABLE child ALTER COLUMN note TYPE varchar(50);", "ALTER TABLE child ALTER COLUMN note TYPE varchar(20);"),
    ("ALTER TABLE child ALTER COLUMN amount SET NOT NULL;", "ALTER TABLE child ALTER COLUMN amount DROP NOT NULL;"),
    ("ALTER TABLE child ADD CONSTRAINT amount_positive CHECK (amount > 0);", "ALTER TABLE child DROP CONSTRAINT amount_positive;"),
    ("ALTER TABLE child ADD CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;\n"
     "ALTER TABLE child VALIDATE CONSTRAINT child_parent;", "ALTER TABLE child DROP CONSTRAINT child_parent;"),
    ("ALTER TABLE child ADD CONSTRAINT child_parent_fk FOREIGN KEY (parent_id) REFERENCES parent (id);",
     "ALTER TABLE child DROP CONSTRAINT child_parent_fk;"),
    ("CREATE INDEX child_amount ON child (amount);", "DROP INDEX child_amount;"),
    ("CREATE UNIQUE INDEX child_note_id ON child (note, id);", "DROP INDEX child_note_id;"),
    ("ALTER TABLE child ALTER COLUMN amount SET STATISTICS 500;", "ALTER TABLE child ALTER COLUMN amount SET STATISTICS -1;"),
    ("CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\n"
     "CREATE TRIGGER child_noop BEFORE UPDATE ON child FOR EACH ROW EXECUTE FUNCTION noop();",
     "DROP TRIGGER child_noop ON child;\nDROP FUNCTION noop();"),
    ("UPDATE child SET note = 'm' WHERE id <= 10;", "UPDATE child SET note = 'n' WHERE id <= 10;"),
    ("CREATE VIEW big_children AS SELECT id, amount FROM child WHERE amount > 100;", "DROP VIEW big_children;"),
    ("ALTER TABLE child RENAME COLUMN note TO remark;", "ALTER TABLE child RENAME COLUMN remark TO note;"),
]

_OWN_LOCKS = """SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
                   AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relnamespace = 'public'::regnamespace"""
_FILENODES = "SELECT relname, relfilenode FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace"
_ORDER = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
          "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]


def observed_in_pg_locks(url: str) -> list[list[tuple[dict, list]]]:
    """Each form run in a transaction of its own, pg_locks read after every statement, by hand."""
    from shoring.statement_splitter import split_sql

    out = []
    with connect(url) as engine:
        for fragment in split_sql(BASE, "postgresql"):
            engine.execute(fragment.sql)
        for up, _ in FORMS:
            engine.begin()
            per_statement = []
            for fragment in split_sql(up, "postgresql"):
                held = set(engine.query(_OWN_LOCKS))
                nodes = dict(engine.query(_FILENODES))
                engine.execute(fragment.sql)
                new = [(rel, mode) for rel, mode in engine.query(_OWN_LOCKS) if (rel, mode) not in held]
                strongest: dict[str, str] = {}
                for rel, mode in new:
                    if rel not in strongest or _ORDER.index(mode) > _ORDER.index(strongest[rel]):
                        strongest[rel] = mode
                moved = sorted(rel for rel, node in engine.query(_FILENODES) if rel in nodes and nodes[rel] != node)
                per_statement.append((strongest, moved))
            engine.commit()
            out.append(per_statement)
    return out


def test_traced_locks_and_rewrites_are_what_pg_locks_and_relfilenode_show(pg_project, tmp_path):
    project = pg_project
    project.sql("1", "base", BASE, "DROP TABLE child; DROP TABLE parent;")
    assert project.run("apply").code == 0
    for i, (up, down) in enumerate(FORMS, start=2):
        project.sql(str(i), f"form_{i}", up, down)
    reference, drop = new_database("postgresql", tmp_path)
    try:
        expected = observed_in_pg_locks(reference)
    finally:
        drop()

    result = project.run("test", "--format", "json")

    assert result.code == 0, result.out + result.err
    migrations = result.json["migrations"]
    assert len(migrations) == len(FORMS)
    for mig, want in zip(migrations, expected):
        got = [(st["locks"], st["rewrites"]) for st in mig["statements"]]
        assert got == want, f"{mig['name']}: traced {got}, pg_locks showed {want}"
        for st in mig["statements"]:
            assert st["lock_trace"] == "exact"
    by_sql = {st["sql"]: st for m in migrations for st in m["statements"]}
    # the facts the reference page states, as the trace saw them
    assert by_sql["ALTER TABLE child ALTER COLUMN amount TYPE bigint"]["rewrites"] == ["child"]
    assert by_sql["ALTER TABLE child ALTER COLUMN note TYPE varchar(50)"]["rewrites"] == []
    assert by_sql["ALTER TABLE child ALTER COLUMN amount SET NOT NULL"]["scans"] == ["child"]
    assert by_sql["CREATE INDEX child_amount ON child (amount)"]["locks"] == {"child": "ShareLock"}
    assert by_sql["ALTER TABLE child VALIDATE CONSTRAINT child_parent"]["locks"]["child"] == "ShareUpdateExclusiveLock"


def test_probe_is_blocked_by_alter_column_type_and_reports_for_how_long(pg_project):
    project = pg_project
    project.sql("1", "base", BASE, "DROP TABLE child; DROP TABLE parent;")
    assert project.run("apply").code == 0
    project.sql("2", "bigger", "ALTER TABLE child ALTER COLUMN amount TYPE bigint;", "ALTER TABLE child ALTER COLUMN amount TYPE int;")
    project.sql("3", "index_note", "CREATE INDEX child_note ON child (note);", "DROP INDEX child_note;")

    result = project.run("test", "--format", "json")

    assert result.code == 0, result.out + result.err
    [alter], [index] = (m["statements"] for m in result.json["migrations"])
    assert alter["probe"]["child"]["read"]["blocked"] and alter["probe"]["child"]["write"]["blocked"]
    assert alter["probe"]["child"]["read"]["seconds"] > 0 and alter["probe"]["child"]["write"]["seconds"] > 0
    assert alter["blocks_reads"] and alter["blocks_writes"]
    # a plain CREATE INDEX lets readers through and stops writers
    assert not index["probe"]["child"]["read"]["blocked"] and index["probe"]["child"]["write"]["blocked"]
    assert "probe: child read BLOCKED" in project.run("test").out




def test_probe_is_not_blocked_while_create_index_concurrently_runs(pg_url):
    from shoring.rehearsal.locktrace import PgLockTracer

    with connect(pg_url) as setup:
        setup.execute("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t SELECT g, g FROM generate_series(1, 100) g")
    engine = connect(pg_url)
    tracer = PgLockTracer(engine, lambda: connect(pg_url), exclude=frozenset())
    gate = connect(pg_url)  # an open snapshot: CREATE INDEX CONCURRENTLY waits for it before it can finish
    gate.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    gate.query("SELECT 1")
    sql = "CREATE INDEX CONCURRENTLY t_v ON t (v)"
    thread = threading.Thread(target=tracer.run, args=(sql, lambda: engine.execute(sql)))
    thread.start()
    try:
        with connect(pg_url) as watcher:
            wait_until(lambda: watcher.query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE query = %s AND wait_event = 'virtualxid'", [sql])[0],
                "CREATE INDEX CONCURRENTLY to wait for the open snapshot")
        # while it holds its lock and waits, the probe reads and writes the table, again and again
        wait_until(lambda: tracer.probe_rounds.get(("t", "read"), 0) >= 2 and tracer.probe_rounds.get(("t", "write"), 0) >= 2,
                   "probe rounds during the statement")
        assert tracer.seen_locks == {"t": "ShareUpdateExclusiveLock"}
    finally:
        gate.commit()
        thread.join(timeout=30)
    trace = tracer.take()[0]
    tracer.close()
    engine.close()
    gate.close()
    assert trace.error is None and trace.lock_trace == "sampled"
    assert trace.locks == {"t": "ShareUpdateExclusiveLock"}
    assert not trace.blocks_reads and not trace.blocks_writes
    for kind in ("read", "write"):
        result = trace.probe["t"][kind]
        assert result.attempts >= 2 and not result.blocked and result.error is None


def test_index_left_invalid_is_built_again_not_accepted_by_if_not_exists(pg_project):
    project = pg_project
    project.sql("1", "users", "CREATE TABLE users (id int PRIMARY KEY, nickname text);", "DROP TABLE users;")
    assert project.run("apply").code == 0
    with project.connect() as engine:
        engine.execute("INSERT INTO users VALUES (1, 'ann'), (2, 'ann')")
        with pytest.raises(Exception):  # an earlier, failed attempt left the index INVALID
            engine.execute("CREATE UNIQUE INDEX CONCURRENTLY users_nickname_key ON users (nickname)")
        engine.execute("DELETE FROM users WHERE id = 2")
    project.sql("2", "unique_nickname", "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_nickname_key ON users (nickname);",
                "DROP INDEX CONCURRENTLY IF EXISTS users_nickname_key;", header="-- Transaction: false\n")
    before = target_state(project)

    result = project.run("test", "--format", "json")

    # up drops the INVALID index and builds it again, as apply does; down's DROP INDEX then leaves none
    assert result.code == 0, result.out
    steps = {m["step"]: m["status"] for m in result.json["migrations"][0]["steps"]}
    assert steps["indexes valid"] == "passed" and steps["schema restored"] == "passed"
    assert target_state(project) == before  # the target keeps its INVALID index until apply runs


def test_not_valid_said_by_the_migration_is_accepted(pg_project):
    project = pg_project
    project.sql("1", "base", BASE, "DROP TABLE child; DROP TABLE parent;")
    assert project.run("apply").code == 0
    project.sql("2", "fk_expand", "ALTER TABLE child ADD CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id) NOT VALID;",
                "ALTER TABLE child DROP CONSTRAINT child_parent;")
    result = project.run("test", "--format", "json")
    assert result.code == 0, result.out
    steps = {s["step"]: s["status"] for s in result.json["migrations"][0]["steps"]}
    assert steps["constraints validated"] == "passed"


def test_busy_target_is_copied_by_schema_dump_and_samples(pg_project):
    project = pg_project
    project.sql("1", "base", BASE, "DROP TABLE child; DROP TABLE parent;")
    assert project.run("apply").code == 0
    project.sql("2", "fk", "ALTER TABLE child ADD CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id);",
                "ALTER TABLE child DROP CONSTRAINT child_parent;")
    before = target_state(project)
    with project.connect() as application:  # someone else is connected: TEMPLATE is refused
        application.query("SELECT count(*) FROM child")
        result = project.run("test", "--sample-rows", "50", "--format", "json")
    assert result.code == 0, result.out + result.err
    copy = result.json["copy"]
    assert copy["method"] == "sample"
    assert "TEMPLATE copy needs the target to be idle" in copy["notes"][0]
    # sampled children whose parent was not sampled were dropped, so the foreign key still validates
    assert result.json["migrations"][0]["table_rows"]["child"] <= 50
    assert target_state(project) == before


def _plan_forms():
    """The statement forms of the plan test (tests/plan/pg_lock_cases.py): one list for both tools."""
    path = Path(__file__).resolve().parents[1] / "plan" / "pg_lock_cases.py"
    spec = importlib.util.spec_from_file_location("pg_lock_cases_for_rehearsal", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SCHEMA, module.CASES


PLAN_SCHEMA, PLAN_CASES = _plan_forms()
_LOCKS_BY_HAND = """
SELECT l.relation, c.relname, c.relkind, l.mode FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
 WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND l.relation >= 16384"""
_BEFORE = "SELECT oid, relname, relkind, relfilenode FROM pg_class WHERE relnamespace = 'public'::regnamespace"


@pytest.fixture(scope="module")
def plan_schema_url(tmp_path_factory):
    url, drop = new_database("postgresql", tmp_path_factory.mktemp("planforms"))
    with connect(url) as engine:
        engine.execute(PLAN_SCHEMA)
    yield url
    drop()


def by_hand(engine, sql: str) -> dict | None:
    """pg_locks and relfilenode read around the statement in a rolled-back transaction; None if refused there."""
    from shoring.engines import StatementError

    engine.begin()
    try:
        before = {oid: (name, kind, node) for oid, name, kind, node in engine.query(_BEFORE)}
        try:
            engine.execute(sql)
        except StatementError as exc:
            if exc.code == "25001":
                return None
            raise
        locks: dict[str, str] = {}
        for oid, name, kind, mode in engine.query(_LOCKS_BY_HAND):
            if oid in before:  # dropped or renamed by the statement: as it was called before
                name, kind = before[oid][0], before[oid][1]
            if name is None or kind not in ("r", "p", "m", "v", "f"):
                continue
            if name not in locks or _ORDER.index(mode) > _ORDER.index(locks[name]):
                locks[name] = mode
        after = dict((oid, node) for oid, _, _, node in engine.query(_BEFORE))
        moved = sorted(before[o][0] for o, node in after.items() if o in before and before[o][1] in "rpm" and before[o][2] != node)
        return {"locks": locks, "rewrites": moved}
    finally:
        engine.rollback()


@pytest.mark.parametrize("case_id, sql", PLAN_CASES, ids=[c[0] for c in PLAN_CASES])
def test_traced_locks_equal_pg_locks_for_the_plan_statement_forms(plan_schema_url, case_id, sql):
    from shoring.engines import StatementError
    from shoring.rehearsal.locktrace import PgLockTracer

    with connect(plan_schema_url) as reference, connect(plan_schema_url) as engine:
        expected = by_hand(reference, sql)
        tracer = PgLockTracer(engine, lambda: connect(plan_schema_url), exclude=frozenset(), probe=False)
        engine.begin()  # as the runner runs a transactional migration; rolled back so cases stay independent
        try:
            if expected is None:
                with pytest.raises(StatementError):
                    tracer.run(sql, lambda: engine.execute(sql))
                return
            tracer.run(sql, lambda: engine.execute(sql))
        finally:
            engine.rollback()
            tracer.transaction_ended(False)
            tracer.close()
    [trace] = tracer.take()
    assert trace.lock_trace == "exact"
    assert (trace.locks, trace.rewrites) == (expected["locks"], expected["rewrites"]), case_id
