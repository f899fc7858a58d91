"""The conventions users of Flyway, Alembic and dbmate rely on (issue 15): refusing what would go wrong,
exit codes a script can test, JSON from every command that changes the history, one timestamp form."""

from __future__ import annotations

import re

import pytest

A = ("1", "a", "CREATE TABLE a (id int);", "DROP TABLE a;")
B = ("2", "b", "CREATE TABLE b (id int);", "DROP TABLE b;")


def two(project):
    project.sql(*A)
    project.sql(*B)


def test_apply_to_a_database_with_tables_but_no_history_points_to_baseline(project):
    two(project)
    project.query("CREATE TABLE legacy (id int)")
    result = project.run("apply")
    assert result.code == 2
    assert "shoring baseline" in result.err and "legacy" in result.err
    assert project.tables() == {"legacy"}  # nothing applied, no history table made
    assert project.run("baseline", "1").code == 0
    applied = project.run("apply")
    assert applied.code == 0, applied.err
    assert "b" in project.tables() and "a" not in project.tables()


def test_baseline_of_a_version_no_file_has_is_refused(sqlite_project):
    two(sqlite_project)
    result = sqlite_project.run("baseline", "5")
    assert result.code == 2 and "no migration file has version '5'" in result.err
    assert sqlite_project.run("status", "--format", "json").json["migrations"][0]["state"] == "pending"


@pytest.mark.parametrize("command", [["status"], ["apply"], ["rollback"], ["plan"], ["test"]])
def test_a_missing_migrations_folder_is_exit_2_and_makes_no_database_file(tmp_path, command):
    from support import run_cli

    db = tmp_path / "app.db"
    (tmp_path / "shoring.toml").write_text(f'database = "sqlite:///{db}"\n', encoding="utf-8")
    result = run_cli(tmp_path, command)
    assert result.code == 2, result.out + result.err
    assert "migrations folder not found" in result.err
    assert not db.exists() and not list(tmp_path.glob("app.db*"))


def test_status_exits_1_when_something_is_failed_edited_or_missing(sqlite_project):
    two(sqlite_project)
    assert sqlite_project.run("status").code == 0  # pending is no trouble
    assert sqlite_project.run("apply").code == 0
    assert sqlite_project.run("status").code == 0
    path = sqlite_project.migrations / "2_b.sql"
    path.write_text(path.read_text(encoding="utf-8") + "-- edited\n", encoding="utf-8")
    edited = sqlite_project.run("status")
    assert edited.code == 1 and "2 edited since applied" in edited.err
    assert sqlite_project.run("status", "--format", "json").code == 1
    path.unlink()
    missing = sqlite_project.run("status")
    assert missing.code == 1 and "2 file missing" in missing.err
    sqlite_project.sql(*B)
    sqlite_project.sql("3", "broken", "CREATE TABLE c (id int); CREATE TABLE c (id int);", "DROP TABLE c;")
    assert sqlite_project.run("apply").code == 1
    failed = sqlite_project.run("status")
    assert failed.code == 1 and "3 failed" in failed.err


@pytest.mark.parametrize("command", [["plan", "--to", "9"], ["rollback", "--to", "9"], ["test", "--to", "9"],
                                     ["apply", "--to", "9"]])
def test_to_a_version_that_does_not_exist_is_exit_2(sqlite_project, command):
    two(sqlite_project)
    assert sqlite_project.run("apply", "--to", "1").code == 0
    result = sqlite_project.run(*command)
    assert result.code == 2, result.out + result.err
    assert "'9'" in result.err or "--to 9" in result.err


def test_rollback_to_0_undoes_everything(sqlite_project):
    two(sqlite_project)
    assert sqlite_project.run("apply").code == 0
    assert sqlite_project.run("rollback", "--to", "0").code == 0
    assert sqlite_project.tables() == {t for t in sqlite_project.tables() if t.startswith("shoring_")}


def test_rollback_repair_and_baseline_speak_json(sqlite_project):
    two(sqlite_project)
    baseline = sqlite_project.run("baseline", "1", "--format", "json")
    assert baseline.code == 0 and baseline.json["baseline"] == "1" and baseline.json["covered"] == ["1"]
    assert sqlite_project.run("apply").code == 0
    rolled = sqlite_project.run("rollback", "--format", "json")
    assert rolled.code == 0 and [m["version"] for m in rolled.json["rolled_back"]] == ["2"]
    assert sqlite_project.run("apply").code == 0
    path = sqlite_project.migrations / "2_b.sql"
    path.write_text(path.read_text(encoding="utf-8") + "-- edited\n", encoding="utf-8")
    repaired = sqlite_project.run("repair", "--format", "json")
    assert repaired.code == 0 and repaired.json["repairs"][0].startswith("2 b: accepted the edited file 2_b.sql")


def test_rollback_dry_run_shows_the_sql_it_would_run(sqlite_project):
    two(sqlite_project)
    assert sqlite_project.run("apply").code == 0
    text = sqlite_project.run("rollback", "--dry-run")
    assert text.code == 0 and "would roll back 2 b" in text.out and "DROP TABLE b" in text.out
    data = sqlite_project.run("rollback", "--dry-run", "--steps", "2", "--format", "json").json
    assert [(m["version"], [s["sql"] for s in m["statements"]]) for m in data["migrations"]] == [
        ("2", ["DROP TABLE b"]), ("1", ["DROP TABLE a"])]
    assert {"a", "b"} <= sqlite_project.tables()  # nothing ran


def test_repair_dry_run_shows_what_it_would_accept_and_changes_nothing(sqlite_project):
    two(sqlite_project)
    assert sqlite_project.run("apply").code == 0
    path = sqlite_project.migrations / "2_b.sql"
    path.write_text(path.read_text(encoding="utf-8") + "-- edited\n", encoding="utf-8")
    shown = sqlite_project.run("repair", "--dry-run")
    assert shown.code == 0
    assert re.search(r"would: 2 b: accepted the edited file 2_b\.sql as applied \(checksum \w+ -> \w+", shown.out)
    assert sqlite_project.run("status").code == 1  # still edited
    assert sqlite_project.run("repair").code == 0
    assert sqlite_project.run("status").code == 0


def test_an_edited_applied_file_stops_rollback(sqlite_project):
    two(sqlite_project)
    assert sqlite_project.run("apply").code == 0
    path = sqlite_project.migrations / "2_b.sql"
    path.write_text(path.read_text(encoding="utf-8").replace("DROP TABLE b;", "DROP TABLE b; DROP TABLE a;"), encoding="utf-8")
    result = sqlite_project.run("rollback")
    assert result.code == 1 and "edited since it was applied" in result.err
    assert {"a", "b"} <= sqlite_project.tables()


def test_history_timestamps_are_iso_8601_utc_on_every_engine(project):
    project.sql(*A)
    assert project.run("apply").code == 0
    events = project.run("history", "--format", "json").json["events"]
    assert events and all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", e["at"]) for e in events), events
    text = project.run("history").out
    assert re.search(r"^  \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ  apply ", text, re.M), text
    applied_at = project.run("status", "--format", "json").json["migrations"][0]["applied_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00", applied_at)


def test_an_exception_in_up_names_the_file_and_line_of_the_raise(sqlite_project):
    sqlite_project.write("1_code.py", '"""Purpose: x"""\n\n\ndef helper(ctx):\n    raise ValueError("boom")\n\n\n'
                                      'def up(ctx):\n    helper(ctx)\n\n\ndef down(ctx):\n    pass\n')
    result = sqlite_project.run("apply")
    assert result.code == 1
    assert "ValueError: boom (raised at migrations/1_code.py:5)" in result.err
