"""Operations written as SQL for each engine: quoted identifiers, safe forms, undo statements, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoring.errors import MigrationFileError, ShoringError
from shoring.migrations.model import parse_python_migration
from shoring.operations import (
    AddColumn,
    AddForeignKey,
    CreateIndex,
    DropIndex,
    RenameColumn,
    SetNotNull,
)
from shoring.operations.dialects import DIALECTS

PG, MY, LITE = DIALECTS["postgresql"], DIALECTS["mysql"], DIALECTS["sqlite"]


def migration(tmp_path: Path, body: str, header: str = '"""Purpose: test"""\n'):
    path = tmp_path / "20240101000000_ops.py"
    text = header + "from shoring.operations import *\n\n" + body
    path.write_text(text)
    return parse_python_migration(path, "20240101000000", "ops", text)


def test_identifiers_are_quoted_exactly_as_written_on_each_engine():
    op = AddColumn("Users", 'we"ird', "varchar(20)")
    assert op.up(PG) == ['ALTER TABLE "Users" ADD COLUMN "we""ird" varchar(20)']
    assert op.up(MY) == ['ALTER TABLE `Users` ADD COLUMN `we"ird` varchar(20)']
    assert RenameColumn("app.users", "a`b", "c").up(MY) == ["ALTER TABLE `app`.`users` RENAME COLUMN `a``b` TO `c`"]


def test_defaults_are_literals_that_cannot_break_out_of_the_string():
    op = AddColumn("t", "note", "text", default="it's \\ done")
    assert op.up(PG) == ["ALTER TABLE \"t\" ADD COLUMN \"note\" text DEFAULT 'it''s \\ done'"]
    assert op.up(MY) == ["ALTER TABLE `t` ADD COLUMN `note` text DEFAULT 'it''s \\\\ done'"]
    assert AddColumn("t", "f", "boolean", default=False, nullable=False).up(LITE) == [
        'ALTER TABLE "t" ADD COLUMN "f" boolean DEFAULT 0 NOT NULL']


@pytest.mark.parametrize("bad", ["int; DROP TABLE users", "text DEFAULT now()", "", "varchar(10"])
def test_a_type_that_is_not_a_type_is_refused(bad):
    with pytest.raises(ShoringError, match="not a SQL type name"):
        AddColumn("t", "c", bad)


def test_create_index_takes_each_engines_non_blocking_form_and_undoes_it():
    op = CreateIndex("users_email_idx", "users", ["email"])
    assert op.up(PG) == ['CREATE INDEX CONCURRENTLY IF NOT EXISTS "users_email_idx" ON "users" ("email")']
    assert op.down(PG) == ['DROP INDEX CONCURRENTLY IF EXISTS "users_email_idx"']
    assert op.up(MY) == ["CREATE INDEX `users_email_idx` ON `users` (`email`) ALGORITHM=INPLACE LOCK=NONE"]
    assert op.down(MY) == ["DROP INDEX `users_email_idx` ON `users`"]
    assert op.outside_transaction
    assert not CreateIndex("i", "t", "c", concurrently=False).outside_transaction


def test_foreign_key_is_added_not_valid_then_validated_on_postgresql():
    op = AddForeignKey("orders", "user_id", "users", on_delete="cascade")
    assert op.name == "orders_user_id_fkey"
    assert op.up(PG) == [
        'ALTER TABLE "orders" ADD CONSTRAINT "orders_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users" ("id") '
        "ON DELETE CASCADE NOT VALID",
        'ALTER TABLE "orders" VALIDATE CONSTRAINT "orders_user_id_fkey"',
    ]
    # MySQL: the key, then the index InnoDB made for it (when it made one: the step looks first)
    drop_key, drop_index = op.down(MY)
    assert drop_key == "ALTER TABLE `orders` DROP FOREIGN KEY `orders_user_id_fkey`"
    assert drop_index.sql == "DROP INDEX `orders_user_id_fkey` ON `orders`" and type(drop_index.action).__name__ == "KeyIndex"
    [rebuild] = op.up(LITE)  # SQLite: the 12-step table rebuild runs in place of the ALTER it lacks
    assert type(rebuild.action).__name__ == "SqliteRebuild" and op.down(LITE) is None
    with pytest.raises(ShoringError, match="on_delete"):
        AddForeignKey("orders", "user_id", "users", on_delete="explode")


def test_set_not_null_takes_the_validated_check_route_on_postgresql():
    sql = SetNotNull("users", "email").up(PG)
    assert [s.split('"users" ')[1].split()[0:2] for s in sql] == [
        ["ADD", "CONSTRAINT"], ["VALIDATE", "CONSTRAINT"], ["ALTER", "COLUMN"], ["DROP", "CONSTRAINT"]]
    assert "IS NOT NULL) NOT VALID" in sql[0]
    with pytest.raises(ShoringError, match="restate the column's type"):
        SetNotNull("users", "email").up(MY)
    assert SetNotNull("users", "email", type="varchar(255)").up(MY) == ["ALTER TABLE `users` MODIFY `email` varchar(255) NOT NULL"]


def test_statements_carry_the_line_of_their_operation_and_down_runs_in_reverse(tmp_path):
    m = migration(tmp_path, 'operations = [\n    AddColumn("t", "a", "integer"),\n\n    CreateIndex("t_a", "t", "a"),\n]\n')
    assert m.kind == "operations"
    up = m.statements("up", "postgresql")
    assert [(s.index, s.line) for s in up] == [(1, 5), (2, 7)]
    down = m.statements("down", "postgresql")
    assert [s.line for s in down] == [7, 5] and down[0].sql.startswith("DROP INDEX")
    assert m.has_down and not m.transactional_on("postgresql")  # CONCURRENTLY: statement by statement
    assert m.transactional_on("sqlite")  # no CONCURRENTLY there: the migration stays atomic


def test_a_migration_with_an_irreversible_operation_has_no_down(tmp_path):
    m = migration(tmp_path, 'operations = [DropColumn("t", "a"), RunSQL("UPDATE t SET b = 1 WHERE id = 1")]\n')
    assert not m.has_down and m.transactional
    assert m.statements("down", "sqlite") == []
    assert migration(tmp_path, 'operations = [RunSQL("SELECT 1", down_sql="")]\n').has_down


def test_the_header_overrides_the_transaction_mode(tmp_path):
    m = migration(tmp_path, 'operations = [CreateIndex("i", "t", "c")]\n', header='"""Purpose: x\nTransaction: true\n"""\n')
    assert m.transactional


def test_an_entry_that_is_not_an_operation_names_its_line(tmp_path):
    m = migration(tmp_path, 'operations = [\n    AddColumn("t", "a", "integer"),\n    "DROP TABLE t",\n]\n')
    with pytest.raises(MigrationFileError, match=r"operations\[1\] is str") as exc:
        m.statements("up", "postgresql")
    assert exc.value.line == 6


def test_an_operation_without_a_form_on_the_engine_names_its_line(tmp_path):
    m = migration(tmp_path, 'operations = [\n    SetNotNull("users", "email"),\n]\n')
    with pytest.raises(MigrationFileError, match="SetNotNull users.email: MySQL/MariaDB restate the column's type") as exc:
        m.statements("up", "mysql")
    assert exc.value.line == 5


def test_operations_and_up_in_one_file_is_refused(tmp_path):
    with pytest.raises(MigrationFileError, match="both operations"):
        migration(tmp_path, 'operations = []\n\ndef up(ctx):\n    pass\n')


def test_a_bad_argument_is_reported_as_a_file_error(tmp_path):
    m = migration(tmp_path, 'operations = [\n    AddColumn("t", "c", "int; DROP TABLE t"),\n]\n')
    with pytest.raises(MigrationFileError, match="cannot import: column type 'int; DROP TABLE t' is not") as exc:
        m.statements("up", "postgresql")
    assert exc.value.line == 5


def test_drop_index_is_reversible_only_when_it_knows_what_to_rebuild():
    assert DropIndex("i").down(PG) is None
    assert DropIndex("i", table="t", columns=["a", "b"], unique=True).down(PG) == [
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "i" ON "t" ("a", "b")']
    with pytest.raises(ShoringError, match="by table"):
        DropIndex("i").up(MY)


def test_online_alter_is_for_mysql_only(tmp_path):
    m = migration(tmp_path, 'operations = [\n    OnlineAlter("t", "ADD COLUMN n INT"),\n]\n')
    assert m.statements("up", "mysql")[0].sql == "ALTER TABLE `t` ADD COLUMN n INT"
    assert not m.has_down  # no down_alter
    with pytest.raises(MigrationFileError, match="pt-online-schema-change does, for MySQL/MariaDB") as exc:
        m.statements("up", "postgresql")
    assert exc.value.line == 5


def test_the_operations_reference_is_current_and_every_example_compiles_everywhere():
    """docs/operations.md is rendered from each operation's EXAMPLES: on every engine each one compiles
    (or says plainly why it has no form there), up and down."""
    from shoring.operations.docs import operation_modules, render

    page = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    assert page == render(), "run: python -m shoring.operations.docs docs/operations.md"
    documented = {type(op).__name__ for m in operation_modules() for op in m.EXAMPLES}
    import shoring.operations

    assert documented == set(shoring.operations.__all__) - {"BaseOperation"}
