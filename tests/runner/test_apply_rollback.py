"""apply, rollback, --to, dry-run, status and history on every engine."""

from __future__ import annotations

USERS = ("CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL);", "DROP TABLE users;")
ORDERS = ("CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);", "DROP TABLE orders;")
VERIFIED = (
    "ALTER TABLE users ADD COLUMN email_verified BOOLEAN DEFAULT FALSE;",
    "ALTER TABLE users DROP COLUMN email_verified;",
)


def three(project):
    project.sql("20240101000000", "create_users", *USERS)
    project.sql("20240102000000", "create_orders", *ORDERS)
    project.sql("20240103000000", "add_email_verified", *VERIFIED)


def states(project) -> dict[str, str]:
    result = project.run("status", "--format", "json")
    assert result.code in (0, 1), result.err  # 1: something failed, was interrupted, edited or is missing
    return {m["version"]: m["state"] for m in result.json["migrations"]}


def test_apply_runs_pending_in_order_and_status_says_applied(project):
    three(project)
    result = project.run("apply")
    assert result.code == 0, result.err
    assert {"users", "orders"} <= project.tables()
    assert set(states(project).values()) == {"applied"}
    assert project.run("apply").out.startswith("Nothing to apply")


def test_apply_to_stops_at_the_version(project):
    three(project)
    assert project.run("apply", "--to", "20240102000000").code == 0
    assert states(project) == {"20240101000000": "applied", "20240102000000": "applied", "20240103000000": "pending"}
    assert project.run("apply").code == 0
    assert states(project)["20240103000000"] == "applied"


def test_dry_run_changes_nothing_and_lists_statements(project):
    three(project)
    result = project.run("apply", "--dry-run", "--format", "json")
    assert result.code == 0, result.err
    plan = result.json
    assert [m["version"] for m in plan["migrations"]] == ["20240101000000", "20240102000000", "20240103000000"]
    assert plan["migrations"][0]["statements"][0]["sql"].startswith("CREATE TABLE users")
    assert plan["migrations"][0]["statements"][0]["line"] == 2
    assert project.tables() <= {"shoring_migrations", "shoring_migrations_events"}
    assert "users" not in project.tables()
    text = project.run("apply", "--dry-run")
    assert "would apply 20240101000000 create_users" in text.out


def test_rollback_steps_and_to(project):
    three(project)
    project.run("apply")
    result = project.run("rollback")
    assert result.code == 0, result.err
    assert states(project)["20240103000000"] == "rolled_back"
    assert "email_verified" not in [c.lower() for c in project.connect().column_names("users")]
    assert project.run("rollback", "--steps", "2").code == 0
    assert "users" not in project.tables()
    assert states(project) == {v: "rolled_back" for v in ("20240101000000", "20240102000000", "20240103000000")}
    # everything rolled back is pending work for apply again
    assert project.run("apply").code == 0
    assert set(states(project).values()) == {"applied"}
    assert project.run("rollback", "--to", "20240101000000").code == 0
    assert states(project) == {"20240101000000": "applied", "20240102000000": "rolled_back", "20240103000000": "rolled_back"}


def test_rollback_refuses_a_migration_without_down(project):
    project.sql("1", "no_down", "CREATE TABLE t (id INTEGER);")
    project.run("apply")
    result = project.run("rollback")
    assert result.code == 2
    assert "no down section" in result.err
    assert "t" in project.tables()


def test_history_records_every_event_in_order(project):
    three(project)
    project.run("apply")
    project.run("rollback")
    project.run("apply")
    result = project.run("history", "--format", "json")
    assert result.code == 0, result.err
    events = [(e["event"], e["version"]) for e in result.json["events"]]
    assert events == [
        ("apply", "20240101000000"), ("apply", "20240102000000"), ("apply", "20240103000000"),
        ("rollback", "20240103000000"), ("apply", "20240103000000"),
    ]
    assert all(e["applied_by"] and e["host"] and e["tool_version"] for e in result.json["events"])
    text = project.run("history")
    assert "rollback  20240103000000" in text.out


def test_status_row_carries_who_when_and_checksum(project):
    three(project)
    project.run("apply")
    row = project.run("status", "--format", "json").json["migrations"][0]
    assert row["applied_by"] and row["applied_at"]
    assert row["checksum"] == row["applied_checksum"] and len(row["checksum"]) == 64
    assert row["file"].endswith("20240101000000_create_users.sql")


def test_statements_with_semicolons_in_strings_and_comments(project):
    project.sql(
        "1", "tricky",
        """CREATE TABLE notes (id INTEGER PRIMARY KEY, body VARCHAR(100));
-- a comment; with a semicolon
INSERT INTO notes (id, body) VALUES (1, 'semi;colon'), (2, 'it''s; fine');
/* block; comment */ INSERT INTO notes (id, body) VALUES (3, '--not a comment');""",
        "DROP TABLE notes;",
    )
    assert project.run("apply").code == 0
    assert sorted(r[0] for r in project.query("SELECT body FROM notes")) == ["--not a comment", "it's; fine", "semi;colon"]
