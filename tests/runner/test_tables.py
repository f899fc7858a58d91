"""status, history and rules print their rows as tables (rich.table): a header, aligned columns, one line
per row when the output goes to a pipe or a file."""

from __future__ import annotations

from support import run_cli


def test_status_is_a_table_with_a_header_and_aligned_columns(sqlite_project):
    sqlite_project.sql("1", "a", "CREATE TABLE a (id int);", "DROP TABLE a;")
    sqlite_project.sql("20260101000000", "create_billing_tables_for_every_region", "CREATE TABLE b (id int);", "DROP TABLE b;")
    assert sqlite_project.run("apply", "--to", "1").code == 0
    lines = sqlite_project.run("status").out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split() == ["VERSION", "NAME", "STATE"])
    rows = lines[header + 1: header + 3]
    state_at = lines[header].index("STATE")
    assert [r[state_at:].split()[0] for r in rows] == ["applied", "pending"]
    assert all(not line.endswith(" ") for line in lines)


def test_history_and_rules_are_tables(sqlite_project, tmp_path):
    sqlite_project.sql("1", "a", "CREATE TABLE a (id int);", "DROP TABLE a;")
    assert sqlite_project.run("apply").code == 0
    history = sqlite_project.run("history").out.splitlines()
    assert history[0].split()[:4] == ["AT", "(UTC)", "EVENT", "VERSION"]
    rules = run_cli(tmp_path, ["rules"]).out.splitlines()
    assert rules[0].split() == ["RULE", "SEVERITY", "ENGINES", "CATCHES"]
    catches = rules[0].index("CATCHES")
    assert all(line[catches - 2: catches] == "  " for line in rules[1:] if line and not line.startswith(" ") and "rules." not in line)
