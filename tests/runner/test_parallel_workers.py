"""A statement of shoring's takes one CPU, not three: PostgreSQL would start parallel workers (two
by default) for an index build or a scan of a big table, each taking a CPU the application was using.
`parallel_workers` sets how many it may start; 0 unless the project says otherwise."""

from __future__ import annotations

import pytest

from shoring.engines import connect

SETTINGS = ("max_parallel_maintenance_workers", "max_parallel_workers_per_gather")
#: the caps a migration's own statements see, kept in a table for the test to read
SEEN = ("CREATE TABLE seen AS SELECT " + ", ".join(f"current_setting('{s}') AS {s}" for s in SETTINGS) + ";")


def applied_with(pg_project, config: str = "") -> tuple:
    toml = pg_project.root / "shoring.toml"
    toml.write_text(toml.read_text() + config)
    pg_project.sql("1", "seen", SEEN, "DROP TABLE seen;")
    result = pg_project.run("apply")
    assert result.code == 0, result.out + result.err
    return pg_project.query(f"SELECT {', '.join(SETTINGS)} FROM seen")[0]


def test_a_migration_builds_and_scans_without_parallel_workers_by_default(pg_project):
    with pg_project.connect() as server:
        assert all(server.query_one(f"SHOW {s}")[0] != "0" for s in SETTINGS)  # the server's own defaults
    assert applied_with(pg_project) == ("0", "0")


def test_the_project_may_give_its_statements_more_workers(pg_project):
    assert applied_with(pg_project, "parallel_workers = 3\n") == ("3", "3")


def test_pg_repack_is_told_the_same_caps(pg_url):
    with connect(pg_url) as engine:
        engine.limit_parallel_workers(1)
        options = engine.tool_environment()["PGOPTIONS"]
    assert all(f"-c {s}=1" in options for s in SETTINGS), options


@pytest.mark.parametrize("value", ["-1", '"two"', "true"])
def test_a_cap_that_is_not_a_number_of_workers_is_one_clear_error(sqlite_project, value):
    toml = sqlite_project.root / "shoring.toml"
    toml.write_text(toml.read_text() + f"parallel_workers = {value}\n")
    sqlite_project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    result = sqlite_project.run("apply")
    assert result.code == 2
    assert "parallel_workers" in result.err and "shoring.toml" in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "t" not in sqlite_project.tables()
