"""`shoring plan` says whether an ALTER blocks writes on MariaDB: a second connection tries one while it runs.

test_plan_mariadb_online_ddl checks the ALGORITHM and LOCK the plan names; this checks what they mean to
the application. For one form of each ALGORITHM/LOCK class the plan gives (mariadb_ddl_cases), the ALTER
runs on connection A over a table of many rows. Once A is seen in its long phase in PROCESSLIST
("altering table", "copy to tmp table"), connection B inserts a row with lock_wait_timeout = 1. The answer
counts only if A is still in that phase after B's statement ended, so B's whole wait fell inside the
ALTER: B's insert done means writes go on (LOCK=NONE), B's lock wait timing out means they are blocked
(SHARED, EXCLUSIVE). When A was too quick, the table is made larger and the form tried again. INSTANT
forms change only metadata under a moment's exclusive lock: there is no phase to write during.
"""

from __future__ import annotations

import re
import threading

import pytest

from conftest import new_database
from mariadb_ddl_cases import CASES, SCHEMA, TABLES

#: the phases of an ALTER that last as long as the table is big
LONG_PHASES = {"altering table", "copy to tmp table"}
#: MariaDB's error for a lock wait that timed out (metadata lock or row lock)
LOCK_WAIT_TIMEOUT = "1205"
#: rows in the table on the first try, and the most it may take
FIRST_ROWS, MOST_ROWS = 100_000, 1_600_000
#: one form of each ALGORITHM/LOCK class that is not INSTANT (test_every_class_has_a_form_here keeps it so)
FORMS = ("add-index", "force", "add-fulltext-index", "add-column-stored")
BY_ID = {c[0]: c for c in CASES}
ON_T = re.compile(r"^(ALTER (ONLINE )?TABLE t\b|CREATE (UNIQUE )?INDEX \w+ ON t\b)", re.I)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(url, the plan's read-only view of SCHEMA)."""
    from shoring.engines import connect
    from shoring.plan.live import open_live, read_only_session

    url, drop = new_database("mysql", tmp_path_factory.mktemp("mariadb_writes"))
    reader = connect(url)
    try:
        if not reader.is_mariadb:
            pytest.skip("these facts are MariaDB's; the server is MySQL")
        with connect(url) as engine:
            fresh(engine, 0)
        read_only_session(reader)
        yield url, open_live(reader)
    finally:
        reader.close()
        drop()


def fresh(engine, rows: int) -> None:
    """SCHEMA again, with `rows` more rows in t (ids from 1000 on)."""
    engine.execute("SET foreign_key_checks = 0")
    for table in TABLES:
        engine.execute(f"DROP TABLE IF EXISTS {table}")
    engine.execute("SET foreign_key_checks = 1")
    for statement in SCHEMA.split(";"):
        if statement.strip():
            engine.execute(statement)
    if rows:
        engine.execute("INSERT INTO t (id, name, title, email, note, n, amount, status, parent_id, other_id) "
                       "SELECT seq + 999, 'r', 'x', CONCAT('e', seq, '@x.org'), 'some words', seq, 1.5, 'new', 1, 1 "
                       f"FROM seq_1_to_{int(rows)}")


def planned(live, case_id: str) -> tuple[str, str, bool]:
    from shoring.plan import plan_sql

    _, before, sql = BY_ID[case_id]
    a = plan_sql(f"{before};\n{sql}" if before else sql, live=live).migrations[0].statements[-1].analyzed
    return a.online_ddl["algorithm"], a.online_ddl["lock"], a.blocks_writes


def phase(observer, session: int) -> str | None:
    row = observer.query("SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = %s", [session])
    return row[0][0] if row else None


def writes_blocked(url: str, sql: str, rows: int) -> bool | None:
    """Does a write wait for `sql` while it runs? None: the ALTER was over too soon to tell."""
    from shoring.engines import StatementError, connect

    with connect(url) as a, connect(url) as b, connect(url) as observer:
        fresh(a, rows)
        b.execute("SET SESSION lock_wait_timeout = 1, innodb_lock_wait_timeout = 1")
        session = a.session_id()
        failed: list[BaseException] = []

        def alter() -> None:
            try:
                a.execute(sql)
            except BaseException as exc:  # noqa: BLE001 - reported by the caller
                failed.append(exc)

        runner = threading.Thread(target=alter)
        runner.start()
        try:
            while phase(observer, session) not in LONG_PHASES:  # polls a real state, never a blind sleep
                if not runner.is_alive():
                    return None
            try:
                b.execute("INSERT INTO t (id, name, email) VALUES (1, 'w', 'w@x.org') "
                          "ON DUPLICATE KEY UPDATE name = 'w2'")
                blocked = False
            except StatementError as exc:
                assert exc.code == LOCK_WAIT_TIMEOUT, f"{sql}: the write failed for another reason: {exc.message}"
                blocked = True
            still = phase(observer, session) in LONG_PHASES
        finally:
            runner.join()
        assert not failed, f"{sql}: {failed[0]}"
        return blocked if still else None


@pytest.mark.parametrize("case_id", FORMS)
def test_a_second_connection_is_blocked_exactly_when_the_plan_says(server, case_id):
    url, live = server
    algorithm, lock, blocks = planned(live, case_id)
    rows = FIRST_ROWS
    while (seen := writes_blocked(url, BY_ID[case_id][2], rows)) is None:
        rows *= 4
        assert rows <= MOST_ROWS, f"{case_id}: the ALTER never lasted long enough to try a write during it"
    assert seen == blocks, (f"{case_id}: the plan says {algorithm}/LOCK={lock}, blocks_writes={blocks}; "
                            f"a write during the ALTER was {'blocked' if seen else 'not blocked'}")


def test_every_class_has_a_form_here(server):
    """Each ALGORITHM/LOCK the plan gives a form on t (INSTANT aside) is probed by one of FORMS."""
    _, live = server
    given = {planned(live, c[0])[:2]: c[0] for c in CASES if not c[1] and ON_T.match(c[2])}
    probed = {planned(live, f)[:2] for f in FORMS}
    missing = {cls: case for cls, case in given.items() if cls[0] != "INSTANT" and cls not in probed}
    assert not missing, f"no form of these classes is probed (e.g. add one of: {missing})"
    assert len(probed) == len(FORMS), "two forms of one class: one is enough"
