"""The vocabulary of operation kinds every reader produces, and what each means for running code.

Readers (pglast for PostgreSQL, sqlglot for MySQL/MariaDB and SQLite) turn statements into
`Operation(kind, table, column, name, attrs)`. The kinds and their attrs are the same on every
engine, so rules and the planner never look at a parser's tree.
"""

from __future__ import annotations

#: kind -> what it is and the attrs a reader fills in.
OPERATIONS: dict[str, str] = {
    "create_table": "CREATE TABLE; attrs: columns [ColumnSpec], constraints [dict], if_not_exists, as_select, temporary, sources",
    "drop_table": "DROP TABLE; attrs: if_exists, cascade",
    "rename_table": "ALTER TABLE .. RENAME TO / RENAME TABLE; attrs: new_name",
    "truncate": "TRUNCATE; attrs: cascade",
    "add_column": "ADD COLUMN; attrs: spec (ColumnSpec), if_not_exists, position (FIRST/AFTER)",
    "drop_column": "DROP COLUMN; attrs: if_exists, cascade, shrinks_indexes (MySQL: its indexes keep their other columns)",
    "rename_column": "RENAME COLUMN / CHANGE old new with the same type; attrs: new_name",
    "alter_column_type": "ALTER COLUMN .. TYPE / MODIFY with another type; attrs: type, old_type (when known), using, spec",
    "modify_column": "MySQL MODIFY/CHANGE COLUMN before analysis splits it (using the catalog) into rename/type/null/default kinds",
    "set_not_null": "SET NOT NULL / MODIFY .. NOT NULL; attrs: maybe (old nullability unknown), implicit_default",
    "drop_not_null": "DROP NOT NULL / MODIFY .. NULL",
    "set_default": "SET DEFAULT; attrs: default, default_kind",
    "drop_default": "DROP DEFAULT",
    "add_constraint": "ADD CONSTRAINT; attrs: constraint (check|foreign_key|unique|primary_key|exclude), not_valid, using_index, columns, references, not_null_of",
    "validate_constraint": "VALIDATE CONSTRAINT",
    "drop_constraint": "DROP CONSTRAINT / DROP FOREIGN KEY / DROP PRIMARY KEY / DROP CHECK; attrs: constraint",
    "create_index": "CREATE INDEX / ADD INDEX; attrs: concurrently, unique, if_not_exists, columns, index_type",
    "drop_index": "DROP INDEX; attrs: concurrently, if_exists",
    "rename_index": "RENAME INDEX",
    "reindex": "REINDEX; attrs: target (index|table|schema|database|system), concurrently",
    "attach_partition": "ATTACH PARTITION; attrs: partition",
    "detach_partition": "DETACH PARTITION; attrs: partition, concurrently",
    "vacuum": "VACUUM; attrs: full",
    "analyze": "ANALYZE (PostgreSQL); attrs: database (no table named)",
    "lock_table": "LOCK TABLE; attrs: mode",
    "cluster": "CLUSTER",
    "rebuild_table": "MySQL OPTIMIZE TABLE / ALTER TABLE .. FORCE / ENGINE= / CONVERT TO CHARACTER SET; attrs: reason",
    "update": "UPDATE; attrs: where, limit, batched, columns, sources (the other tables it reads)",
    "delete": "DELETE; attrs: where, limit, batched, sources (the other tables it reads)",
    "insert": "INSERT; attrs: from_select, sources, columns (as listed; [] when not listed)",
    "select": "SELECT (checks and verification queries); attrs: sources, locked (FOR UPDATE/SHARE: the tables whose rows it locks)",
    "set": "SET name = value; attrs: value, local",
    "reset": "RESET name",
    "transaction": "BEGIN / COMMIT / ROLLBACK / SAVEPOINT; attrs: action",
    "create_type": "CREATE TYPE; attrs: enum_values",
    "drop_type": "DROP TYPE",
    "add_enum_value": "ALTER TYPE .. ADD VALUE; attrs: value, before, after, if_not_exists",
    "rename_enum_value": "ALTER TYPE .. RENAME VALUE",
    "create_domain": "CREATE DOMAIN; attrs: check",
    "alter_domain": "ALTER DOMAIN; attrs: action, not_valid",
    "create_schema": "CREATE SCHEMA",
    "drop_schema": "DROP SCHEMA; attrs: cascade",
    "create_database": "CREATE DATABASE",
    "drop_database": "DROP DATABASE",
    "rename_schema": "ALTER SCHEMA .. RENAME",
    "create_trigger": "CREATE TRIGGER",
    "drop_trigger": "DROP TRIGGER",
    "toggle_trigger": "ENABLE/DISABLE TRIGGER",
    "rename_trigger": "ALTER TRIGGER .. ON t RENAME TO; attrs: new_name",
    "create_view": "CREATE VIEW / MATERIALIZED VIEW; attrs: materialized, replace, sources",
    "drop_view": "DROP VIEW",
    "refresh_view": "REFRESH MATERIALIZED VIEW; attrs: concurrently",
    "create_function": "CREATE FUNCTION / PROCEDURE",
    "drop_function": "DROP FUNCTION / PROCEDURE",
    "create_sequence": "CREATE SEQUENCE",
    "drop_sequence": "DROP SEQUENCE",
    "alter_sequence": "ALTER SEQUENCE",
    "create_extension": "CREATE EXTENSION",
    "drop_extension": "DROP EXTENSION",
    "comment": "COMMENT ON (table: the table of COMMENT ON TABLE / COLUMN)",
    "grant": "GRANT / REVOKE",
    "set_table_options": "ALTER TABLE .. SET (storage parameters), SET STATISTICS, SET STORAGE, OWNER, ... (PostgreSQL); "
                         "ALTER TABLE t COMMENT / AUTO_INCREMENT / ROW_FORMAT / DEFAULT CHARSET = ... (MySQL); attrs: subtype",
    "alter_table_other": "an ALTER TABLE form with no finer kind; attrs: subtype",
    "do_block": "DO blocks, CALL and other procedural code the analysis cannot see into",
    "python": "a Python migration: code the analysis cannot see into",
    "other": "any other statement; attrs: statement (the parser's name for it)",
}

#: kind -> (backward compatible, destructive): whether code that still uses the old schema keeps
#: working, and whether data is lost. Readers refine a few by variant (see facts tables).
SEMANTICS: dict[str, tuple[bool, bool]] = {
    "drop_table": (False, True),
    "rename_table": (False, False),
    "truncate": (True, True),
    "drop_column": (False, True),
    "rename_column": (False, False),
    "alter_column_type": (False, False),
    "set_not_null": (False, False),  # old code that inserts without the column starts failing
    "delete": (True, True),
    "drop_schema": (False, True),
    "drop_database": (False, True),
    "rename_schema": (False, False),
    "drop_type": (False, False),
    "rename_enum_value": (False, False),
    "drop_view": (False, False),
    "drop_function": (False, False),
    "drop_sequence": (False, True),
    "rename_index": (True, False),
}

#: Kinds that change the schema (as opposed to data, session settings or transaction control).
DATA_KINDS = frozenset({"update", "delete", "insert"})
NON_SCHEMA_KINDS = DATA_KINDS | frozenset({"select", "set", "reset", "transaction", "comment", "grant"})


def semantics(kind: str) -> tuple[bool, bool]:
    return SEMANTICS.get(kind, (True, False))
