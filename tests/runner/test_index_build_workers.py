"""An index build of shoring's takes one CPU, not three: PostgreSQL would start parallel maintenance
workers (two by default) for a big table, each taking a CPU the application was using.
`index_build_workers` sets how many it may start; 0 unless the project says otherwise."""

from __future__ import annotations

import pytest

from shoring.engines import connect

#: the cap a migration's own statements see, kept in a table for the test to read
SEEN = "CREATE TABLE seen AS SELECT current_setting('max_parallel_maintenance_workers') AS workers;"


def applied_with(pg_project, config: str = "") -> str:
    toml = pg_project.root / "shoring.toml"
    toml.write_text(toml.read_text() + config)
    pg_project.sql("1", "seen", SEEN, "DROP TABLE seen;")
    result = pg_project.run("apply")
    assert result.code == 0, result.out + result.err
    return pg_project.query("SELECT workers FROM seen")[0][0]


def test_a_migration_builds_its_indexes_without_parallel_workers_by_default(pg_project):
    with pg_project.connect() as server:
        assert server.query_one("SHOW max_parallel_maintenance_workers")[0] != "0"  # the server's own default
    assert applied_with(pg_project) == "0"


def test_the_project_may_give_its_index_builds_more_workers(pg_project):
    assert applied_with(pg_project, "index_build_workers = 3\n") == "3"


def test_pg_repack_is_told_the_same_cap(pg_url):
    with connect(pg_url) as engine:
        engine.limit_index_build_workers(1)
        assert "-c max_parallel_maintenance_workers=1" in engine.tool_environment()["PGOPTIONS"]


@pytest.mark.parametrize("value", ["-1", '"two"', "true"])
def test_a_cap_that_is_not_a_number_of_workers_is_one_clear_error(sqlite_project, value):
    toml = sqlite_project.root / "shoring.toml"
    toml.write_text(toml.read_text() + f"index_build_workers = {value}\n")
    sqlite_project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    result = sqlite_project.run("apply")
    assert result.code == 2
    assert "index_build_workers" in result.err and "shoring.toml" in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    assert "t" not in sqlite_project.tables()
