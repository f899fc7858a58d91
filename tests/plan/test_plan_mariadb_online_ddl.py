"""`shoring plan` predicts MariaDB's online DDL: the ALGORITHM and LOCK each ALTER really gets.

The server says so itself: asked for `ALGORITHM=X, LOCK=Y` it runs the ALTER only if it can do it
that way or better. For every form of mariadb_ddl_cases.CASES the plan's algorithm and lock must be
accepted, the next cheaper algorithm (INSTANT < NOCOPY < INPLACE < COPY) refused, and the next
weaker lock refused, so the prediction is neither too hopeful nor too gloomy.
"""

from __future__ import annotations

import pytest

from conftest import new_database
from mariadb_ddl_cases import CASES, SCHEMA, TABLES

ALGORITHMS = ("INSTANT", "NOCOPY", "INPLACE", "COPY")
LOCKS = ("NONE", "SHARED", "EXCLUSIVE")
#: MariaDB's "not supported with this ALGORITHM/LOCK" errors
REFUSED = {"1845", "1846"}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """(engine on a scratch database, the plan's read-only view of SCHEMA)."""
    from shoring.engines import connect
    from shoring.plan.live import open_live, read_only_session

    url, drop = new_database("mysql", tmp_path_factory.mktemp("mariadb"))
    engine = connect(url)
    reader = connect(url)
    try:
        if not engine.is_mariadb:
            pytest.skip("these facts are MariaDB's; the server is MySQL")
        fresh(engine)
        read_only_session(reader)
        yield engine, open_live(reader)
    finally:
        engine.close()
        reader.close()
        drop()


def fresh(engine) -> None:
    engine.execute("SET foreign_key_checks = 0")
    for table in TABLES:
        if table == "t" and _versioned(engine):  # a case made it system-versioned: that goes first
            engine.execute("ALTER TABLE t DROP SYSTEM VERSIONING")
        engine.execute(f"DROP TABLE IF EXISTS {table}")
    engine.execute("SET foreign_key_checks = 1")
    for statement in SCHEMA.split(";"):
        if statement.strip():
            engine.execute(statement)


def _versioned(engine) -> bool:
    rows = engine.query("SELECT count(*) FROM information_schema.tables WHERE table_schema = database() "
                        "AND table_name = 't' AND table_type = 'SYSTEM VERSIONED'")
    return bool(rows[0][0])


def with_clause(sql: str, algorithm: str, lock: str) -> str:
    if sql.upper().startswith("CREATE"):
        return f"{sql} ALGORITHM={algorithm} LOCK={lock}"
    return f"{sql}, ALGORITHM={algorithm}, LOCK={lock}"


def accepted(engine, before: str, sql: str) -> bool:
    """Run it; False when the server refuses the algorithm or lock asked for (and so changes nothing)."""
    from shoring.engines import StatementError

    if before:
        engine.execute(before)
    try:
        engine.execute(sql)
        return True
    except StatementError as exc:
        assert exc.code in REFUSED, f"{sql}: refused for another reason: {exc.message}"
        return False
    finally:
        engine.execute("SET foreign_key_checks = 1")


@pytest.mark.parametrize("case_id, before, sql", CASES, ids=[c[0] for c in CASES])
def test_plan_predicts_mariadb_online_ddl(server, case_id, before, sql):
    from shoring.plan import plan_sql

    engine, live = server
    text = f"{before};\n{sql}" if before else sql
    planned = plan_sql(text, live=live).migrations[0].statements[-1].analyzed
    assert planned.online_ddl, f"{case_id}: the plan names no algorithm"
    algorithm, lock = planned.online_ddl["algorithm"], planned.online_ddl["lock"]

    fresh(engine)
    cheaper = ALGORITHMS.index(algorithm)
    if cheaper:
        assert not accepted(engine, before, with_clause(sql, ALGORITHMS[cheaper - 1], "DEFAULT")), \
            f"{case_id}: the server can do it with ALGORITHM={ALGORITHMS[cheaper - 1]}"
    weaker = LOCKS.index(lock)
    if weaker:
        assert not accepted(engine, before, with_clause(sql, "DEFAULT", LOCKS[weaker - 1])), \
            f"{case_id}: the server can do it with LOCK={LOCKS[weaker - 1]}"
    assert accepted(engine, before, with_clause(sql, algorithm, lock)), f"{case_id}: refused {algorithm}/{lock}"


def test_the_table_covers_a_hundred_and_twenty_forms():
    assert len({(before, sql) for _, before, sql in CASES}) >= 120
