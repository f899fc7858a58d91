"""`shoring verify`: the seed's post-migration checks, with a baseline for row counts and checksums."""

from __future__ import annotations


def test_verify_compares_with_a_saved_baseline(project):
    project.sql("1", "t", "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER);\nINSERT INTO t VALUES (1, 1), (2, 2);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    baseline = project.root / "before.json"
    saved = project.run("verify", "--save", str(baseline))
    assert saved.code == 0, saved.err
    assert "table t: 2 row(s)" in saved.out
    project.sql("2", "add_w", "ALTER TABLE t ADD COLUMN w INTEGER;\nUPDATE t SET v = 5 WHERE id = 2;",
                "ALTER TABLE t DROP COLUMN w;")
    assert project.run("apply").code == 0
    after = project.run("verify", "--against", str(baseline), "--format", "json")
    assert after.code == 0, after.err
    report = after.json
    assert report["ok"] is True
    assert any("w" in line and line.startswith("+") for line in report["schema_changes"]), report["schema_changes"]
    assert report["data_changes"] == ["t: same 2 row(s) but their contents differ"]


def test_verify_fails_on_a_failed_migration(project):
    project.sql("1", "broken", "INSERT INTO nowhere VALUES (1);")
    project.run("apply")
    result = project.run("verify")
    assert result.code == 1
    assert "1 broken is failed" in result.out and "verification failed" in result.err


def test_verify_fails_on_an_invalid_index(pg_project):
    project = pg_project
    project.sql("1", "t", "CREATE TABLE t (v INTEGER);\nINSERT INTO t VALUES (1), (1);", "DROP TABLE t;")
    project.run("apply")
    with project.connect() as engine:
        try:
            engine.execute("CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v)")
        except Exception:  # noqa: BLE001 - the duplicate makes it fail, leaving the index INVALID
            pass
    result = project.run("verify")
    assert result.code == 1
    assert "index t_v on t is INVALID" in result.out
