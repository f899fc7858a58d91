"""Names with quotes, semicolons, backticks, %, dots and unicode go through every operation exactly as
written; values with quotes go through Backfill as parameters; a name longer than the engine keeps is
refused before anything runs (PostgreSQL would cut it silently)."""

from __future__ import annotations

import pytest



def quoter(engine):
    """engine.quote for SQL sent with parameters: where the driver formats with %, % is doubled."""
    if engine.traits.placeholder == "%s":
        return lambda name: engine.quote(name).replace("%", "%%")
    return engine.quote

#: No '.' in the table: a dot there means schema.table. MySQL allows neither '/' nor '\' in table names.
TABLE = "we\"ird`t;a%b'é tbl"
KEY = 'k"e`y;%é.1'
COLUMN = 'c"o`l;%s.é'
SECOND = "it's 50% \"x\""
RENAMED = 'r"e`n;%%.é'
NEW = 'n"e`w;%(x)s'
INDEX = 'i"d`x;%é.2'
UNIQUE = 'u"q`;%é.3'
VALUE = "it's \"quoted\" `back` ; 50% %s %(x)s \\ é"

SETUP = f'''"""Purpose: a table whose every name is hostile"""
from shoring.operations import CreateTable

operations = [CreateTable({TABLE!r}, {{{KEY!r}: "integer PRIMARY KEY", {COLUMN!r}: "varchar(80)"}})]
'''

OPERATIONS = f'''"""Purpose: every operation over hostile names"""
from shoring.operations import (AddColumn, Backfill, CreateIndex, AddUnique, ExpandRenameColumn,
                                RenameColumn)

operations = [
    AddColumn({TABLE!r}, {SECOND!r}, "varchar(80)"),
    CreateIndex({INDEX!r}, {TABLE!r}, [{COLUMN!r}]),
    AddUnique({TABLE!r}, [{SECOND!r}], name={UNIQUE!r}),
    Backfill({TABLE!r}, set={{{COLUMN!r}: {VALUE!r}}}, key={KEY!r}, batch_size=2, pause=0),
    RenameColumn({TABLE!r}, {SECOND!r}, {RENAMED!r}),
    ExpandRenameColumn({TABLE!r}, {RENAMED!r}, {NEW!r}, type="varchar(80)", key={KEY!r}, batch_size=2, pause=0),
]
'''


NOT_NULL = f'''"""Purpose: SetNotNull (on SQLite the table rebuild, which carries index, unique index and triggers)"""
from shoring.operations import SetNotNull

operations = [SetNotNull({TABLE!r}, {COLUMN!r}, type="varchar(80)")]
'''


def test_hostile_names_and_values_through_every_operation(project):
    project.write("1_setup.py", SETUP)
    assert project.run("apply").code == 0
    before = project.tables()
    with project.connect() as engine:
        q, ph = quoter(engine), engine.traits.placeholder
        engine.begin()
        for i in range(1, 6):
            engine.execute(f"INSERT INTO {q(TABLE)} ({q(KEY)}) VALUES ({ph})", [i])
        engine.commit()
    project.write("2_operations.py", OPERATIONS)
    result = project.run("apply")
    assert result.code == 0, result.out + result.err
    with project.connect() as engine:
        assert set(engine.column_names(TABLE)) == {KEY, COLUMN, RENAMED, NEW}
        assert engine.query(f"SELECT {engine.quote(COLUMN)} FROM {engine.quote(TABLE)} "
                            f"ORDER BY {engine.quote(KEY)}") == [(VALUE,)] * 5
        # the sync triggers carry a write through the old name into the new one, names as written
        assert synced(engine, VALUE, 3) == [(VALUE,)]
    rolled = project.run("rollback")
    assert rolled.code == 0, rolled.out + rolled.err
    assert project.tables() - {"shoring_migrations_backfills"} == before  # the checkpoint table stays, empty
    with project.connect() as engine:
        assert set(engine.column_names(TABLE)) == {KEY, COLUMN}
    assert project.run("apply").code == 0  # again, and then SetNotNull over it all
    project.write("3_not_null.py", NOT_NULL)
    result = project.run("apply")
    assert result.code == 0, result.out + result.err
    from support import refused

    assert refused(project, f"INSERT INTO {engine.quote(TABLE)} ({engine.quote(KEY)}) VALUES (99)")
    assert not refused(project, f"INSERT INTO {engine.quote(TABLE)} ({engine.quote(KEY)}, {engine.quote(COLUMN)}) "
                                f"VALUES (99, 'x')")
    with project.connect() as engine:  # the rebuilt table's triggers still sync the renamed column
        assert set(engine.column_names(TABLE)) == {KEY, COLUMN, RENAMED, NEW}
        assert synced(engine, "synced", 4) == [("synced",)]


def synced(engine, value: str, key: int) -> list[tuple]:
    """Write `value` through the old name of row `key`; what the new name reads."""
    q, ph = quoter(engine), engine.traits.placeholder
    engine.execute(f"UPDATE {q(TABLE)} SET {q(RENAMED)} = {ph} WHERE {q(KEY)} = {ph}", [value, key])
    return engine.query(f"SELECT {q(NEW)} FROM {q(TABLE)} WHERE {q(KEY)} = {ph}", [key])


LONG = "t" * 70


@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
def test_an_operation_name_longer_than_the_engine_keeps_is_refused(project):
    before = project.tables()
    project.write("1_long.py", f'"""Purpose: x"""\nfrom shoring.operations import CreateTable\n\n'
                               f'operations = [CreateTable({LONG!r}, {{"id": "integer PRIMARY KEY"}})]\n')
    result = project.run("apply")
    assert result.code == 2, result.out + result.err
    unit = "63 bytes" if project.engine == "postgresql" else "64 characters"
    assert "1_long.py:4:" in result.err and f"is 70 {unit.split()[1]} long" in result.err and unit in result.err
    assert project.tables() == before


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
@pytest.mark.parametrize("name,size", [(LONG, 70), ('"' + "é" * 32 + '"', 64)])
def test_a_sql_name_postgresql_would_cut_is_refused(project, name, size):
    before = project.tables()
    project.sql("1", "long", f"CREATE TABLE ok (id integer);\nCREATE TABLE {name} (id integer);", "DROP TABLE ok;")
    result = project.run("apply")
    assert result.code == 2, result.out + result.err
    assert "1_long.sql:3:" in result.err and f"is {size} bytes long; PostgreSQL keeps at most 63" in result.err
    assert project.tables() == before


def test_a_63_byte_name_is_kept_whole(project):
    name, q = "n" * 63, "`" if project.engine == "mysql" else '"'
    project.sql("1", "edge", f"CREATE TABLE {q}{name}{q} (id integer);", f"DROP TABLE {q}{name}{q};")
    assert project.run("apply").code == 0
    assert name in project.tables()


CHILD = 'ch"i`ld;%é'
FK = 'f"k`;%é.4'
CHECK = 'c"k`;%é.5'
NEWTABLE = "re\"named`;%'é"
MORE = f'''"""Purpose: the other operations over hostile names"""
from shoring.operations import (AddCheck, AddForeignKey, CreateIndex, CreateTable, ExpandChangeType, RunSQL)

operations = [
    CreateTable({CHILD!r}, {{{KEY!r}: "integer PRIMARY KEY", {COLUMN!r}: "integer"}}),
    AddForeignKey({CHILD!r}, [{COLUMN!r}], references={TABLE!r}, referenced_columns=[{KEY!r}], name={FK!r}),
    AddCheck({TABLE!r}, {CHECK!r}, "1 = 1"),
    CreateIndex({INDEX!r}, {TABLE!r}, [{COLUMN!r}]),
    ExpandChangeType({TABLE!r}, {COLUMN!r}, "varchar(120)", key={KEY!r}, batch_size=2, pause=0),
]
'''
CONTRACT = f'''"""Purpose: contract, drop and rename, over hostile names"""
from shoring.operations import ContractChangeType, DropColumn, DropIndex, DropTable, RenameTable

operations = [
    DropIndex({INDEX!r}, {TABLE!r}, columns=[{COLUMN!r}]),
    ContractChangeType({TABLE!r}, {COLUMN!r}),
    DropTable({CHILD!r}),
    DropColumn({TABLE!r}, {KEY!r} + "x"),
    RenameTable({TABLE!r}, {NEWTABLE!r}),
]
'''


@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
def test_hostile_names_through_the_other_operations(project):
    """SQLite rebuilds for AddCheck/AddForeignKey; the servers run them as DDL with every name quoted."""
    project.write("1_setup.py", SETUP.replace('"varchar(80)"}', f'"varchar(80)", {KEY + "x"!r}: "integer"}}'))
    assert project.run("apply").code == 0
    with project.connect() as engine:
        q, ph = quoter(engine), engine.traits.placeholder
        for i in range(1, 6):
            engine.execute(f"INSERT INTO {q(TABLE)} ({q(KEY)}, {q(COLUMN)}) VALUES ({ph}, {ph})", [i, VALUE])
    project.write("2_more.py", MORE)
    result = project.run("apply")
    assert result.code == 0, result.out + result.err
    with project.connect() as engine:
        temporary = next(c for c in engine.column_names(TABLE) if c not in (KEY, COLUMN, KEY + "x"))
        assert temporary == COLUMN + "_new"
        assert engine.query(f"SELECT {engine.quote(temporary)} FROM {engine.quote(TABLE)}") == [(VALUE,)] * 5
    project.write("3_contract.py", CONTRACT)
    result = project.run("apply")
    assert result.code == 0, result.out + result.err
    tables = project.tables()
    assert NEWTABLE in tables and TABLE not in tables and CHILD not in tables
    with project.connect() as engine:
        assert engine.column_names(NEWTABLE) == [KEY, COLUMN] or set(engine.column_names(NEWTABLE)) == {KEY, COLUMN}
        assert engine.query(f"SELECT {engine.quote(COLUMN)} FROM {engine.quote(NEWTABLE)}") == [(VALUE,)] * 5


@pytest.mark.parametrize("engine_name", ["mysql"], indirect=True)
def test_online_alter_over_a_hostile_table(project):
    project.write("1_setup.py", SETUP)
    assert project.run("apply").code == 0
    with project.connect() as engine:
        q, ph = quoter(engine), engine.traits.placeholder
        for i in range(1, 6):
            engine.execute(f"INSERT INTO {q(TABLE)} ({q(KEY)}, {q(COLUMN)}) VALUES ({ph}, {ph})", [i, VALUE])
    alter = f"MODIFY `{COLUMN.replace('`', '``')}` VARCHAR(200)"
    project.write("2_online.py", f'"""Purpose: online"""\nfrom shoring.operations import OnlineAlter\n\n'
                                 f'operations = [OnlineAlter({TABLE!r}, {alter!r}, key={KEY!r}, batch_size=2, pause=0)]\n')
    result = project.run("apply")
    assert result.code == 0, result.out + result.err
    with project.connect() as engine:
        assert engine.query(f"SELECT {engine.quote(COLUMN)} FROM {engine.quote(TABLE)}") == [(VALUE,)] * 5
        assert project.tables() & {f"_{TABLE}_new", f"_{TABLE}_old"} == set()
