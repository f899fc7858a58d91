"""OnlineAlter(method="pt-osc"): pt-online-schema-change runs the ALTER online on MariaDB, with the
built-in method's refusals first; a row the ALTER rejects leaves the table as it was."""

from __future__ import annotations

import os
import shutil

import pytest


def migration(alter: str, down: str) -> str:
    return f'''"""
Purpose: online ALTER by pt-online-schema-change
Rollback: the reverse ALTER, online too
Estimated-Time: seconds
"""
from shoring.operations import OnlineAlter

operations = [OnlineAlter("payments", {alter!r}, down_alter={down!r}, method="pt-osc", batch_size=300)]
'''


@pytest.fixture
def pt_project(mysql_project):
    if shutil.which("pt-online-schema-change") is None:
        message = "pt-online-schema-change is not installed (.ci/run installs percona-toolkit)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    with mysql_project.connect() as engine:
        engine.execute("CREATE TABLE payments (id INT PRIMARY KEY, amount INT NOT NULL, note VARCHAR(20) NOT NULL)")
        for start in range(0, 1000, 250):
            engine.execute("INSERT INTO payments VALUES " + ", ".join(f"({i}, {i * 3}, 'n{i}')" for i in range(start, start + 250)))
    assert mysql_project.run("baseline", "0").code == 0  # adopt the database made by hand (apply refuses it otherwise)
    return mysql_project


def leftovers(project) -> list:
    tables = project.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE %s",
                           ["%payments_%"])
    triggers = project.query("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")
    return [*tables, *triggers]


def column_type(project, column: str) -> str:
    return project.query("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                         "AND TABLE_NAME = 'payments' AND COLUMN_NAME = %s", [column])[0][0]


def test_pt_osc_alters_online_and_rolls_back(pt_project):
    project = pt_project
    project.write("1_amount_decimal.py", migration("MODIFY amount DECIMAL(12,2) NOT NULL", "MODIFY amount INT NOT NULL"))
    lint = project.run("lint", "--format", "json")
    assert [f for f in lint.json["findings"] if f["severity"] == "error"] == []  # not the blocking-copy error
    applied = project.run("apply")
    assert applied.code == 0, applied.err
    assert column_type(project, "amount") == "decimal(12,2)"
    assert project.query("SELECT COUNT(*), SUM(amount) FROM payments") == [(1000, sum(i * 3 for i in range(1000)))]
    assert leftovers(project) == []
    assert project.run("rollback").code == 0
    assert column_type(project, "amount") == "int(11)"
    assert leftovers(project) == []


def test_a_change_pt_osc_refuses_leaves_the_table_untouched(pt_project):
    """A new unique key: its copy (INSERT IGNORE) would drop duplicate rows silently, so pt-osc refuses."""
    project = pt_project
    project.query("UPDATE payments SET amount = 7 WHERE id < 10")
    project.write("1_unique_amount.py", migration("ADD UNIQUE INDEX amount_uq (amount)", "DROP INDEX amount_uq"))
    failed = project.run("apply")
    assert failed.code == 1 and "pt-online-schema-change on payments failed" in failed.err and "untouched" in failed.err
    assert project.query("SELECT COUNT(*) FROM payments") == [(1000,)]
    assert project.query("SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                         "AND INDEX_NAME = 'amount_uq'") == [(0,)]
    assert leftovers(project) == []


def test_foreign_keys_are_refused_before_pt_osc_runs(pt_project):
    project = pt_project
    project.query("CREATE TABLE refunds (id INT PRIMARY KEY, payment_id INT, FOREIGN KEY (payment_id) REFERENCES payments (id))")
    project.write("1_amount_decimal.py", migration("MODIFY amount DECIMAL(12,2) NOT NULL", "MODIFY amount INT NOT NULL"))
    failed = project.run("apply")
    assert failed.code == 1 and "has foreign keys" in failed.err
    assert column_type(project, "amount") == "int(11)"
