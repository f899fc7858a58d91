"""What the engine says about the schema: its own questions (table_exists, column_names, index_valid,
trigger_exists, invalid_indexes) and verify.snapshot's Schema, the same shape on every engine."""

from __future__ import annotations

import os

from shoring import verify

from .engine_suite import create_trigger

SCHEMA = [
    "CREATE TABLE parents (id INTEGER PRIMARY KEY, code VARCHAR(10) NOT NULL, CONSTRAINT parents_code_key UNIQUE (code))",
    ("CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL, qty INTEGER, name VARCHAR(40), "
     "CONSTRAINT children_parent_fk FOREIGN KEY (parent_id) REFERENCES parents (id), "
     "CONSTRAINT children_qty_check CHECK (qty > 0))"),
    "CREATE INDEX children_name_idx ON children (name)",
    "CREATE INDEX children_parent_idx ON children (parent_id)",
    "CREATE UNIQUE INDEX children_name_qty_idx ON children (name, qty)",
]
#: the indexes CREATE INDEX made: (columns, unique)
INDEXES = {
    "children_name_idx": (("name",), False),
    "children_parent_idx": (("parent_id",), False),
    "children_name_qty_idx": (("name", "qty"), True),
}


def make_schema(engine) -> None:
    for sql in SCHEMA:
        engine.execute(sql)
    create_trigger(engine, "children", "children_lower")


def test_the_engines_own_questions(engine):
    make_schema(engine)
    assert engine.table_exists("children") and not engine.table_exists("nobody")
    assert engine.column_names("children") == ["id", "parent_id", "qty", "name"]
    assert engine.column_names("nobody") == []
    assert engine.index_valid("children_name_idx", "children") is True
    assert engine.index_valid("nobody_idx", "children") is None
    assert engine.trigger_exists("children_lower", "children")
    assert not engine.trigger_exists("nobody_trigger", "children")
    assert engine.invalid_indexes() == []
    engine.analyze("children")
    engine.execute("INSERT INTO parents (id, code) VALUES (1, 'p')")
    engine.execute("INSERT INTO children (id, parent_id, qty, name) VALUES (1, 1, 2, 'MiXed')")
    assert engine.query("SELECT name FROM children") == [("mixed",)]  # the trigger made is the one seen


def test_the_server_says_where_its_files_are_and_whether_it_replicates(engine):
    folder = engine.data_directory()
    assert folder and os.path.isabs(folder)
    lag = engine.replication_lag()
    # None: the engine has no replication; else (replicas seen, worst lag in seconds or None unmeasured)
    assert lag is None or (lag[0] >= 0 and (lag[1] is None or lag[1] >= 0))


def test_a_snapshot_has_the_same_shape_on_every_engine(engine):
    make_schema(engine)
    schema = verify.snapshot(engine)
    assert set(schema.tables) == {"parents", "children"}
    children, parents = schema.tables["children"], schema.tables["parents"]
    assert [(c.name, c.nullable) for c in children.columns] == [
        ("id", False), ("parent_id", False), ("qty", True), ("name", True)]
    assert [(c.name, c.nullable) for c in parents.columns] == [("id", False), ("code", False)]
    assert children.primary_key == ("id",) and parents.primary_key == ("id",)

    def keys(table, kind):
        return {c.columns for c in table.constraints if c.kind == kind}

    assert keys(children, "foreign key") == {("parent_id",)}
    assert keys(parents, "unique") == {("code",)}
    assert any(c.kind == "check" and c.name == "children_qty_check" for c in children.constraints)
    for name, (columns, unique) in INDEXES.items():
        index = children.index(name)
        assert index is not None and (index.columns, index.unique, index.valid) == (columns, unique, True), name
    # Beyond what CREATE INDEX made, an engine may list the index behind a key (PostgreSQL, MariaDB), and a
    # unique index may be a unique constraint too (MariaDB, where they are one thing): nothing else.
    for table in (children, parents):
        key_columns = {table.primary_key} | keys(table, "unique")
        assert all(i.unique and i.columns in key_columns for i in table.indexes if i.name not in INDEXES)
        declared = keys(table, "unique") - {INDEXES[i][0] for i in INDEXES if INDEXES[i][1]}
        assert declared <= {("code",)}
    assert set(schema.triggers) == {"children.children_lower"}
    assert schema.triggers["children.children_lower"].table == "children"
    assert verify.diff(schema, verify.snapshot(engine)) == verify.diff(schema, schema)  # stable: nothing changed
