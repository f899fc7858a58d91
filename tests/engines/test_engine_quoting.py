"""Hostile identifiers (quotes of every engine, semicolons, %, dots, unicode) go through engine.quote
exactly as written: created, found by the engine's own questions and by verify.snapshot, written and read
with parameters, on every engine."""

from __future__ import annotations

from shoring import verify

from .engine_suite import create_trigger

#: no '.' in the table (a dot there means schema.table); MariaDB allows neither '/' nor '\\' in table names
TABLE = "we\"ird`t;a%b'é tbl"
KEY = 'k"e`y;%é.1'
COLUMN = 'name'  # the trigger of the suite writes `name`
OTHER = 'c"o`l;%s.é'
INDEX = 'i"d`x;%é.2'
TRIGGER = 't"r`g;%é.3'
VALUE = "it's \"quoted\" `back` ; 50% %s %(x)s \\ é"


def test_quote_doubles_the_quote_character(engine):
    q = engine.traits.quote_char
    assert engine.quote(f"a{q}b") == f"{q}a{q}{q}b{q}"
    assert engine.quote("a.b") == f"{q}a.b{q}"  # one identifier with a dot in it, not two


def test_hostile_names_are_created_found_and_used_as_written(engine):
    t, k, o, i = (engine.quote(n) for n in (TABLE, KEY, OTHER, INDEX))
    engine.execute(f"CREATE TABLE {t} ({k} INTEGER PRIMARY KEY, {engine.quote(COLUMN)} VARCHAR(80), {o} VARCHAR(80))")
    engine.execute(f"CREATE INDEX {i} ON {t} ({o})")
    create_trigger(engine, TABLE, TRIGGER)
    assert engine.table_exists(TABLE)
    assert engine.column_names(TABLE) == [KEY, COLUMN, OTHER]
    assert engine.index_valid(INDEX, TABLE) is True
    assert engine.trigger_exists(TRIGGER, TABLE)

    # with parameters a literal % is %% on every engine (the rule of user_sql), names included
    def p(name):
        return engine.quote(name).replace("%", "%%")

    insert = f"INSERT INTO {p(TABLE)} ({p(KEY)}, {p(COLUMN)}, {p(OTHER)}) VALUES (%s, %s, %s)"
    engine.execute(engine.user_sql(insert, [1, "MiXed", VALUE]), [1, "MiXed", VALUE])
    select = f"SELECT {p(COLUMN)}, {p(OTHER)} FROM {p(TABLE)} WHERE {p(KEY)} = %s"
    assert engine.query(engine.user_sql(select, [1]), [1]) == [("mixed", VALUE)]

    table = verify.snapshot(engine).tables[TABLE]
    assert table.column_names == (KEY, COLUMN, OTHER)
    assert table.primary_key == (KEY,)
    assert table.index(INDEX) is not None and table.index(INDEX).columns == (OTHER,)
    assert f"{TABLE}.{TRIGGER}" in verify.snapshot(engine).triggers
