"""Fixtures of the engine conformance suite: every test runs once per engine, on a throwaway database,
through the public Engine API only, with the same assertions on each (golang-migrate's
``database/testing`` is the model: one suite every driver must pass)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import new_database, wait_until

from shoring.engines import Engine, connect

from .engine_suite import ITEMS

#: sessions of an earlier test still in the suite's PostgreSQL database (their server side ends a moment
#: after the client closes, and a run lock they held goes with them)
_OTHERS = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"


@pytest.fixture(scope="session")
def _postgresql_suite_database(tmp_path_factory):
    """One PostgreSQL database for the whole suite: creating one takes a second, emptying one a blink."""
    url, drop = new_database("postgresql", tmp_path_factory.mktemp("engines"))
    yield url
    drop()


@pytest.fixture
def db_url(engine_name: str, tmp_path: Path, request):
    """An empty database on each engine. PostgreSQL's is the suite's one database, emptied (its public
    schema made anew) once no session of an earlier test is left in it; the others are made per test
    (a MariaDB database or an SQLite file costs next to nothing)."""
    if engine_name != "postgresql":
        url, drop = new_database(engine_name, tmp_path)
        yield url
        drop()
        return
    url = request.getfixturevalue("_postgresql_suite_database")
    with connect(url) as admin:
        wait_until(lambda: admin.query_one(_OTHERS)[0] == 0, "the sessions of the previous test to end")
        admin.execute("DROP SCHEMA public CASCADE")
        admin.execute("CREATE SCHEMA public")
    yield url


@pytest.fixture
def open_engine(db_url: str):
    """open_engine() -> another connection to the test database (closed at the end of the test)."""
    opened: list[Engine] = []

    def open_(url: Any = db_url, **options: Any) -> Engine:
        engine = connect(url, **options)
        opened.append(engine)
        return engine

    yield open_
    for engine in reversed(opened):
        engine.close()


@pytest.fixture
def engine(open_engine) -> Engine:
    return open_engine()


@pytest.fixture
def items(engine: Engine) -> Engine:
    """The test database with the items table and two rows in it."""
    engine.execute(ITEMS)
    engine.execute(engine.sql("INSERT INTO items (id, name) VALUES (%s, %s), (%s, %s)"), [1, "one", 2, "two"])
    return engine
