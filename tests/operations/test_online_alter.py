"""OnlineAlter on MariaDB: the pt-online-schema-change method, with writes carried across and nothing lost."""

from __future__ import annotations

import pytest

from shoring.backfill.shadow_copy import ShadowCopy
from shoring.errors import ShoringError

pytestmark = pytest.mark.parametrize("engine_name", ["mysql"], indirect=True)

ROWS = 1500
ALTER = '''"""Purpose: amounts with cents, and a note"""
from shoring.operations import OnlineAlter

operations = [
    OnlineAlter("payments", "MODIFY amount DECIMAL(12,2) NOT NULL, ADD COLUMN note VARCHAR(40) DEFAULT 'none'",
                down_alter="MODIFY amount INT NOT NULL, DROP COLUMN note", batch_size=200, pause=0),
]
'''


def payments(project) -> None:
    project.sql("1", "payments", "CREATE TABLE payments (id INTEGER PRIMARY KEY, amount INT NOT NULL);",
                "DROP TABLE payments;")
    assert project.run("apply").code == 0
    with project.connect() as engine:
        values = [(i, i * 3) for i in range(1, ROWS + 1)]
        engine.execute(engine.sql("INSERT INTO payments (id, amount) VALUES " + ", ".join(["(%s, %s)"] * ROWS)),
                       [x for v in values for x in v])


def column_types(project) -> dict[str, str]:
    rows = project.query("SELECT COLUMN_NAME, COLUMN_TYPE FROM information_schema.COLUMNS "
                         "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'payments'")
    return {r[0]: r[1] for r in rows}


def test_the_alter_lands_with_every_row_and_leaves_nothing_behind(project):
    payments(project)
    project.write("2_cents.py", ALTER)
    lint = project.run("lint", "--format", "json").json["findings"]
    assert not [f for f in lint if f["file"].endswith("2_cents.py") and f["rule"].startswith("mysql-")]
    plan = project.run("plan", "--format", "json", "--no-calibrate").json["migrations"][0]["statements"][0]
    assert plan["blocks_writes"] is False and plan["rewrites"] == ["payments"]

    result = project.run("apply")
    assert result.code == 0, result.err
    assert column_types(project) == {"id": "int(11)", "amount": "decimal(12,2)", "note": "varchar(40)"}
    assert project.query("SELECT COUNT(*), SUM(amount) FROM payments") == [(ROWS, sum(i * 3 for i in range(1, ROWS + 1)))]
    assert project.tables() >= {"payments"} and not {t for t in project.tables() if t.startswith("_payments")}
    assert project.query("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()") == [(0,)]

    back = project.run("rollback")
    assert back.code == 0, back.err
    assert column_types(project) == {"id": "int(11)", "amount": "int(11)"}
    assert project.query("SELECT COUNT(*) FROM payments") == [(ROWS,)]


def test_writes_during_the_copy_reach_the_new_table(project):
    payments(project)
    copy = ShadowCopy("payments", "ADD COLUMN note VARCHAR(40)", batch_size=100, pause=0)
    with project.connect() as engine:
        copy.prepare(engine, None, lambda s: None)
        # the application keeps writing while the shadow table is being filled
        engine.execute("INSERT INTO payments (id, amount) VALUES (5000, 1)")
        engine.execute("UPDATE payments SET amount = -7 WHERE id = 10")
        engine.execute("UPDATE payments SET id = 6000 WHERE id = 20")
        engine.execute("DELETE FROM payments WHERE id = 30")
        copy.copy(engine, None, lambda s: None)
        engine.execute("UPDATE payments SET amount = -8 WHERE id = 11")  # after the copy, before the swap
        copy.swap(engine, lambda s: None)
    assert project.query("SELECT COUNT(*) FROM payments") == [(ROWS,)]  # +1 inserted, -1 deleted
    assert project.query("SELECT id, amount FROM payments WHERE id IN (10, 11, 20, 30, 5000, 6000) ORDER BY id") == [
        (10, -7), (11, -8), (5000, 1), (6000, 60)]


def test_rows_the_alter_rejects_stop_it_before_the_swap(project):
    payments(project)
    project.query("UPDATE payments SET amount = 7 WHERE id IN (3, 4)")
    project.write("2_unique.py", ALTER.replace(
        "MODIFY amount DECIMAL(12,2) NOT NULL, ADD COLUMN note VARCHAR(40) DEFAULT 'none'", "ADD UNIQUE KEY (amount)"))
    result = project.run("apply")
    assert result.code == 1
    assert "1 row(s) of payments did not make it into the altered copy" in result.err
    assert column_types(project) == {"id": "int(11)", "amount": "int(11)"}  # the original is untouched ...
    assert project.query("SELECT COUNT(*) FROM payments") == [(ROWS,)]
    assert project.tables() == {"payments", "shoring_migrations", "shoring_migrations_events", "shoring_migrations_backfills",
                                "shoring_migrations_schemas"}
    assert project.query("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()") == [(0,)]

    project.query("UPDATE payments SET amount = 100000 WHERE id = 4")  # fix the data; the copy starts over
    result = project.run("apply")
    assert result.code == 0, result.err
    assert project.query("SELECT COUNT(*) FROM payments") == [(ROWS,)]


def test_values_the_altered_column_cannot_hold_stop_the_copy_instead_of_being_cut(project):
    """INSERT IGNORE turns a value too long for the new type into a warning and keeps the cut value: 'n1000'
    became 'n1' in the swapped-in table. The copy must fail like the ALTER would, the original untouched."""
    payments(project)
    project.query("ALTER TABLE payments ADD COLUMN note VARCHAR(40) NOT NULL DEFAULT 'n'")
    project.query("UPDATE payments SET note = CONCAT('n', id)")
    project.write("2_shorter.py", ALTER.replace(
        "MODIFY amount DECIMAL(12,2) NOT NULL, ADD COLUMN note VARCHAR(40) DEFAULT 'none'", "MODIFY note VARCHAR(2) NOT NULL"))
    result = project.run("apply")
    assert result.code == 1
    assert "note" in result.err and "payments is untouched" in result.err
    assert column_types(project)["note"] == "varchar(40)"
    assert project.query("SELECT note FROM payments WHERE id = 1000") == [("n1000",)]
    assert project.query("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()") == [(0,)]


def test_tables_with_foreign_keys_are_refused(project):
    project.sql("1", "payments", "CREATE TABLE payments (id INTEGER PRIMARY KEY, amount INT NOT NULL);\n"
                "CREATE TABLE refunds (id INTEGER PRIMARY KEY, payment_id INT, FOREIGN KEY (payment_id) REFERENCES payments (id));",
                "DROP TABLE refunds;\nDROP TABLE payments;")
    assert project.run("apply").code == 0
    with project.connect() as engine, pytest.raises(ShoringError, match="foreign keys"):
        ShadowCopy("payments", "ADD COLUMN note TEXT").prepare(engine, None, lambda s: None)


def test_a_run_stopped_right_after_the_swap_is_finished_by_the_next(project):
    payments(project)
    copy = ShadowCopy("payments", "ADD COLUMN note VARCHAR(40)", batch_size=500, pause=0)
    with project.connect() as engine:
        copy.prepare(engine, None, lambda s: None)
        copy.copy(engine, None, lambda s: None)
        engine.execute("RENAME TABLE payments TO _payments_old, _payments_new TO payments")  # then the process died
        said: list[str] = []
        copy.run(engine, say=said.append)
    assert any("finishing its clean-up" in s for s in said)
    assert "note" in column_types(project) and project.query("SELECT COUNT(*) FROM payments") == [(ROWS,)]
    assert "_payments_old" not in project.tables()
    assert project.query("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()") == [(0,)]


def test_an_interrupted_copy_resumes_after_its_checkpoint(project):
    from shoring.backfill.checkpoint import Checkpoint

    payments(project)
    copy = ShadowCopy("payments", "ADD COLUMN note VARCHAR(40)", batch_size=100, pause=0)
    with project.connect() as engine:
        checkpoint = Checkpoint(engine, "shoring_migrations", "2", "up", 1)
        copy.prepare(engine, checkpoint, lambda s: None)
        # the state a stop after the first batches leaves: rows up to 500 copied, checkpoint with them
        engine.execute("INSERT IGNORE INTO _payments_new (id, amount) SELECT id, amount FROM payments WHERE id <= 500")
        checkpoint.ensure()
        engine.execute_batch(checkpoint.save_statements(500, 500, 5))
        engine.execute("UPDATE payments SET amount = -1 WHERE id = 250")  # the triggers carry on meanwhile
        said: list[str] = []
        result = copy.run(engine, checkpoint=checkpoint, say=said.append)
    assert any("resuming" in s for s in said) and result.resumed_after == 500
    assert result.rows == ROWS and result.batches == 5 + 10  # 500 before, 1,000 now in batches of 100
    assert project.query("SELECT COUNT(*), SUM(amount) FROM payments") == [
        (ROWS, sum(i * 3 for i in range(1, ROWS + 1)) - 750 - 1)]


def test_an_alter_the_shadow_refuses_leaves_no_trigger_and_status_says_where_a_stop_left_things(project):
    from shoring.backfill.checkpoint import Checkpoint

    payments(project)
    project.write("2_dup.py", ALTER.replace(
        "MODIFY amount DECIMAL(12,2) NOT NULL, ADD COLUMN note VARCHAR(40) DEFAULT 'none'", "ADD COLUMN amount INT"))
    result = project.run("apply")
    assert result.code == 1 and "Duplicate column" in result.err
    assert not {t for t in project.tables() if t.startswith("_payments")}
    assert project.query("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()") == [(0,)]

    # what a killed copy leaves: its checkpoint (and shadow and triggers); status says so
    with project.connect() as engine:
        checkpoint = Checkpoint(engine, "shoring_migrations", "2", "up", 1)
        checkpoint.ensure()
        engine.execute_batch(checkpoint.save_statements(400, 400, 2))
    [_, mig] = project.run("status", "--format", "json").json["migrations"]
    assert "its batches committed 400 rows in 2 batches" in mig["detail"]
    assert "the shadow table _payments_new and the triggers on payments" in mig["detail"]


def test_repair_clears_an_abandoned_copy_and_its_triggers(project):
    from shoring.backfill.checkpoint import Checkpoint

    payments(project)
    project.write("2_cents.py", ALTER)
    with project.connect() as engine:  # what a killed run leaves: history row, checkpoint, shadow table, triggers
        checkpoint = Checkpoint(engine, "shoring_migrations", "2", "up", 1)
        copy = ShadowCopy("payments", "MODIFY amount DECIMAL(12,2) NOT NULL, ADD COLUMN note VARCHAR(40) DEFAULT 'none'")
        copy.prepare(engine, checkpoint, lambda s: None)
        checkpoint.ensure()
        engine.execute_batch(checkpoint.save_statements(200, 200, 1))
    project.query("INSERT INTO shoring_migrations (version, name, kind, checksum, state, direction, statements_total, "
                  "statements_done) VALUES ('2', 'cents', 'operations', 'x', 'failed', 'up', 1, 0)")
    result = project.run("repair")
    assert result.code == 0, result.err
    assert "dropped what its unfinished statement 1 had made (the shadow table _payments_new and the triggers" in result.out
    assert not {t for t in project.tables() if t.startswith("_payments")}
    assert project.query("SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()") == [(0,)]
    assert project.query("SELECT COUNT(*) FROM shoring_migrations_backfills") == [(0,)]
    assert [m["state"] for m in project.run("status", "--format", "json").json["migrations"]] == ["applied", "pending"]
