"""`shoring new NAME --pattern P` writes the seed's safe migration: it lints clean and applies on each engine."""

from __future__ import annotations

import pytest

SETUP = [
    "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50), age VARCHAR(10))",
    "CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER)",
    "INSERT INTO users (id, name, age) VALUES (1, 'Ada', '36'), (2, 'Grace', '45')",
    "INSERT INTO orders (id, user_id) VALUES (10, 1), (11, 2)",
]

EXPANDS = [
    ("add_verified", "add-column", "--table users --column email_verified --type boolean --default false"),
    ("add_nickname", "add-column", "--table users --column nickname --type varchar(50)"),
    ("fill_nickname", "backfill", "--table users --set-sql nickname=name --where nickname_IS_NULL"),
    ("nickname_required", "set-not-null", "--table users --column nickname --type varchar(50)"),
    ("index_nickname", "add-index", "--table users --columns nickname,id"),
    ("orders_user_fk", "add-foreign-key", "--table orders --column user_id --references users"),
    ("rename_name", "rename-column", "--table users --column name --to display_name --type varchar(50)"),
    ("age_to_integer", "change-type", "--table users --column age --type integer --using CAST(age_AS_INTEGER)"),
]
CONTRACTS = [
    ("rename_name_contract", "rename-column", "--table users --column name --to display_name --contract"),
    ("age_contract", "change-type", "--table users --column age --contract"),
]


def new(project, name: str, pattern: str, options: str):
    args = [a.replace("_IS_", " IS ").replace("_AS_", " AS ").replace("_IS", " IS") for a in options.split()]
    result = project.run("new", name, "--pattern", pattern, *args)
    assert result.code == 0, result.err
    return result


def lint_clean(project):
    result = project.run("lint", "--format", "json")
    errors = [f for f in result.json["findings"] if f["severity"] == "error"]
    assert result.code == 0 and not errors, errors


def test_every_pattern_lints_clean_and_applies(project):
    with project.connect() as engine:
        for sql in SETUP:
            engine.execute(sql)
    assert project.run("baseline", "0").code == 0  # adopt the database made by hand
    for name, pattern, options in EXPANDS:
        written = new(project, name, pattern, options)
        if pattern in ("rename-column", "change-type"):
            assert f"--pattern {pattern}" in written.err and "--contract" in written.err  # the next step is said
    lint_clean(project)
    applied = project.run("apply")  # stops after the first expand: old and new schema live, code deployed next
    assert applied.code == 0, applied.err
    assert "rename_name is expanded" in applied.out and "1 later migration(s) wait" in applied.out
    applied = project.run("apply")
    assert applied.code == 0, applied.err
    assert "age_to_integer is expanded" in applied.out
    assert project.query("SELECT id, nickname, display_name, age_new FROM users ORDER BY id") == [(1, "Ada", "Ada", 36), (2, "Grace", "Grace", 45)]

    for name, pattern, options in CONTRACTS:
        new(project, name, pattern, options)
    lint_clean(project)
    assert project.run("apply").code == 0
    with project.connect() as engine:
        assert engine.column_names("users") == ["id", "email_verified", "nickname", "display_name", "age"]
    assert project.query("SELECT display_name, age FROM users ORDER BY id") == [("Ada", 36), ("Grace", 45)]
    with pytest.raises(Exception):  # noqa: B017 - the foreign key and NOT NULL hold, whichever driver error says so
        with project.connect() as engine:
            engine.execute("INSERT INTO users (id, nickname) VALUES (3, NULL)")


def test_pattern_header_says_what_it_does_and_bad_options_are_usage_errors(sqlite_project):
    project = sqlite_project
    new(project, "add_verified", "add-column", "--table users --column email_verified --type boolean --default false")
    (path,) = project.migrations.glob("*_add_verified.py")
    text = path.read_text()
    assert "Purpose: add users.email_verified (boolean), nullable with default False" in text
    assert "AddColumn('users', 'email_verified', 'boolean', default=False)" in text
    missing = project.run("new", "x", "--pattern", "add-index", "--table", "users")
    assert missing.code == 2 and "--pattern add-index needs --columns" in missing.err
    stray = project.run("new", "x", "--table", "users")
    assert stray.code == 2 and "--table belongs with --pattern" in stray.err
    wrong = project.run("new", "x", "--pattern", "add-index", "--table", "users", "--columns", "a", "--to", "b")
    assert wrong.code == 2 and "does not take --to" in wrong.err
    assert len(list(project.migrations.iterdir())) == 1  # nothing written for the bad calls


def test_mysql_foreign_key_goes_in_place_and_orphans_fail_resumably(mysql_project):
    project = mysql_project
    with project.connect() as engine:
        for sql in SETUP:
            engine.execute(sql)
        engine.execute("INSERT INTO orders (id, user_id) VALUES (12, 99)")
    assert project.run("baseline", "0").code == 0  # adopt the database made by hand
    new(project, "orders_user_fk", "add-foreign-key", "--table orders --column user_id --references users")
    lint_clean(project)  # in place with the checks off: no blocking table copy
    failed = project.run("apply")
    assert failed.code == 1 and "1 row(s) of orders reference no row of users" in failed.err
    (row,) = [m for m in project.run("status", "--format", "json").json["migrations"] if m["state"] != "baseline"]
    assert row["state"] == "failed"
    project.query("DELETE FROM orders WHERE id = 12")
    assert project.run("apply").code == 0  # resumes at the check
    with pytest.raises(Exception):  # noqa: B017 - the constraint holds for new rows
        with project.connect() as engine:
            engine.execute("INSERT INTO orders (id, user_id) VALUES (13, 98)")
