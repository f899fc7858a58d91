"""What makes one database engine differ from another, stated once per engine, as data.

The bottom layer of shoring: it imports nothing else from shoring, so the analysers, the operations, the
planner, the runner and verify all read the same description without import cycles (Alembic's
per-dialect ``DefaultImpl`` subclass, with its ``transactional_ddl`` and friends, is the model). A place
that needs to behave differently on one engine reads a fact, a capability flag or the name of the
module that does the work here, instead of comparing engine names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Flavour:
    """One server an engine name covers (mysql:// reaches MySQL and MariaDB): what its version says, what it does."""

    name: str  # as ServerVersion.flavour spells it: "postgresql", "mysql", "mariadb" or "sqlite"
    label: str  # the product, in messages: "MariaDB"
    version_marker: str | None  # a version string containing this (any case) is this flavour ("maria")
    from_major: int | None  # from this major version up a bare number is this flavour (MySQL went 5.7 -> 8.0, MariaDB 5.5 -> 10)
    inline_references: bool  # a column's REFERENCES clause creates a foreign key (MySQL parses it and throws it away)
    instant_expression_default: bool  # ADD COLUMN ... DEFAULT (now()) computes it once and adds the column instantly (MariaDB)
    inplace_varchar_bytes: int | None  # a VARCHAR of at most this many bytes still grows in place past 255 bytes (MariaDB: 127)
    lock_wait_clause: str | None  # an ALTER TABLE clause that bounds its own wait for the lock (MariaDB's WAIT n)


@dataclass(frozen=True)
class Description:
    """One engine: its name, its SQL spelling, what it can do, and which shoring modules serve it."""

    name: str  # "postgresql", "mysql" or "sqlite": the engine name in URLs, config and every JSON report
    label: str  # the product, in messages: "PostgreSQL"
    family_label: str  # the engines this name covers, in docs: "MySQL/MariaDB"

    # --- SQL spelling -------------------------------------------------------------------------------
    quote_char: str
    placeholder: str  # DB-API parameter marker
    backslash_escapes: bool  # MySQL reads \ in a string literal as an escape (unless NO_BACKSLASH_ESCAPES)
    true: str
    false: str
    #: the longest name the engine keeps, and what it counts: PostgreSQL cuts longer names silently
    identifier_limit: tuple[int, str] | None
    truncates_long_identifiers: bool  # a longer name is cut silently (PostgreSQL), not refused
    text_type: str
    timestamp_type: str
    int_type: str
    bigint_type: str
    autoincrement_pk: str  # column definition of a surrogate key for the event log
    long_text_type: str  # for documents bigger than 64 kB (schema snapshots)
    sqlglot_dialect: str  # sqlglot's name for the engine's SQL

    # --- what it can do -----------------------------------------------------------------------------
    transactional_ddl: bool  # can DDL be rolled back with the rest of a migration?
    estimates_rows: bool  # the planner keeps row estimates (EXPLAIN); without them (SQLite) rows are counted
    opens_a_file: bool  # a library on one file (SQLite): no server, no host, no other sessions to ask about
    naive_timestamps: bool  # its timestamp column takes no time zone: UTC goes in as a naive datetime (MySQL)
    online_ddl_clauses: bool  # ALTER TABLE takes ALGORITHM=/LOCK= clauses that make the server refuse a copy (MySQL)
    versioned_schemas: bool  # schemas plus search_path give each code version its own view (PostgreSQL)

    # --- the shoring modules that serve it ("module:attribute" or "module") ---------------------------
    engine_class: str  # the live connection (shoring.engines.base.Engine)
    statement_splitter: str  # cuts SQL text into statements as the engine reads them (shoring.statement_splitter)
    parser: str  # analysis: the module whose reader(engine) turns one statement into operations
    parser_library: str  # what that reader imports (imported before lint forks its workers)
    parses_sections: bool  # the parser reads a whole section in one call (parse_many), not statement by statement
    facts: str  # analysis: locks, rewrites and online DDL of each operation, and of a statement
    introspection: str  # verify: the schema as the server describes it
    scratch: str  # rehearsal: a throwaway copy of a database
    lab: str  # plan calibrate: the per-row costs measured on a copy

    # --- operation and plan facts: how operations write their online forms, what the planner, the
    # rehearsal, the report and verify read differently (operations/, plan/, rehearsal/, report/, verify/)
    concurrent_index_build: bool  # CREATE/DROP INDEX CONCURRENTLY: an index built or dropped without blocking writes
    index_if_not_exists: bool  # CREATE INDEX takes IF NOT EXISTS (MySQL 8 does not)
    drops_index_by_table: bool  # DROP INDEX name ON table: an index is named within its table
    #: the online forms (CONCURRENTLY, NOT VALID then VALIDATE) must each commit on their own, so a migration
    #: using them says Transaction: false and runs statement by statement; elsewhere DDL may share the
    #: migration's transaction (SQLite) or commits anyway (MySQL)
    outside_transaction_steps: bool
    constraints_not_valid: bool  # ADD CONSTRAINT ... NOT VALID, then VALIDATE under a lock that lets writes go on
    unique_using_index: bool  # ADD CONSTRAINT ... UNIQUE USING INDEX adopts an index built (concurrently) before
    alter_rebuilds_table: bool  # ALTER TABLE cannot add constraints or NOT NULL: the 12-step table rebuild does it
    drops_constraints_by_kind: bool  # ALTER TABLE ... DROP FOREIGN KEY name / DROP CHECK name, without IF EXISTS
    foreign_keys_added_unchecked: bool  # InnoDB adds a foreign key in place only with foreign_key_checks off: no row checked
    foreign_keys_make_an_index: bool  # InnoDB makes an index named as the key when none serves it; it outlives the key
    not_null_via_check: bool  # a validated CHECK (c IS NOT NULL) lets SET NOT NULL skip its table scan (PostgreSQL 12+)
    alter_drops_and_renames_at_once: bool  # one ALTER TABLE may drop a column and rename another into its place
    trigger_functions: bool  # a trigger runs a function of its own, made and dropped with it
    triggers_rewrite_rows: bool  # a trigger cannot change NEW: it writes the row again after it, one trigger per direction
    rename_table_full_name: bool  # RENAME TABLE a TO b names the new table in full; else ALTER ... RENAME TO keeps the schema
    shadow_copy_alter: bool  # OnlineAlter: an ALTER that would copy the table, run on a shadow copy (pt-osc, gh-ost)
    declarative_partitioning: bool  # PartitionTable: PARTITION BY RANGE tables shoring can fill and swap in online
    pg_repack: bool  # Repack: pg_repack rewrites a table online
    locks_whole_database: bool  # a writer locks the whole database file, not a table
    #: a lock on a table reaches its partitions, the tables its foreign keys reference and the tables under a
    #: view, so the planner reads them from the live schema
    locks_spread_to_related: bool
    #: the catalog keeps what decides whether InnoDB copies for an ALTER: character sets, FULLTEXT indexes,
    #: indexed VIRTUAL columns, ENUM/SET members
    online_ddl_catalog: bool
    reads_check_definitions: bool  # the parser reads a CHECK's definition as the server prints it (its columns, IS NOT NULL)
    parser_is_the_servers: bool  # the analysis parses with the server's own parser: what it cannot read, the server refuses
    column_statistics: bool  # row estimates rest on per-column statistics ANALYZE gathers: without them they are guesses
    lock_tracer: str  # rehearsal: "module:class" observing the locks each statement takes; "" times statements only
    data_truncated_code: str | None  # the "Data truncated" error, which MariaDB also raises for NULLs a new NOT NULL meets
    named_enum_types: bool  # enums are types of their own (CREATE TYPE ... AS ENUM), listed in the schema
    type_affinity: bool  # a declared column type is only a hint: values follow the type affinity its name implies
    server_variants: tuple[tuple[str, str], ...]  # (word in the server version, product label): another server of the family
    schema_qualified_tables: bool  # verify names a table outside the current schema schema.table
    row_checksum: str  # verify: "server_hash" (hashtextextended), "server_md5" (MD5 of JSON_ARRAY) or "client" (hashed here)
    # --- lint and analysis facts (lint/, rules/, analysis/, cli/, imports/ read these) ---------------
    flavours: tuple[Flavour, ...]  # the servers this name covers; the first is the engine itself
    default_version: str | None  # what analysis assumes when nobody says; None: the SQLite library Python links
    minor_release_from: int | None  # from this major version on the second number is the minor release (PostgreSQL 10)
    plain_identifier: str  # a name matching this regex needs no quotes in SQL a user pastes (unless it is reserved)
    reserved_words: str  # "module:function" that returns the words a pasted name must be quoted for
    lock_timeout_settings: tuple[str, ...]  # session settings that bound a statement's wait for a lock
    statement_timeout_settings: tuple[str, ...]  # session settings that bound a statement's run time
    lock_timeout_sql: str | None  # the first statement lint suggests so a migration gives up waiting after 5 s
    table_lock_modes: bool  # statements report PostgreSQL's table lock modes: SHARE and stronger block writes
    ddl_metadata_lock: bool  # every DDL takes an exclusive metadata lock at its start and end (MySQL): all but ROW block
    row_id_column: str | None  # a batch picks its rows by this hidden column ("ctid"); None: UPDATE/DELETE take LIMIT
    alter_column_not_null: bool  # ALTER COLUMN c SET/DROP NOT NULL (PostgreSQL); MySQL re-states the column with MODIFY
    create_table_like: str | None  # an empty table shaped like another, to fill by a batched copy: .format(new=, old=)
    added_identity_column: str | None  # the type of a numbered column added to that copy
    rename_column_combines: bool  # RENAME COLUMN shares one ALTER TABLE with other changes (MySQL)
    updatable_views: bool  # a simple view takes writes for its table (SQLite's views are read-only)
    drop_column_shrinks_indexes: bool  # DROP COLUMN takes the column out of its indexes, dropping those left empty (MySQL)
    sqlglot_type_names: tuple[tuple[str, str], ...]  # (sqlglot's spelling, the engine's) of types sqlglot renames
    schemas_are_databases: bool  # a schema is a database of its own (MySQL): information_schema.TABLES lists its tables

    def timestamp_value(self, at: Any) -> Any:
        """An aware UTC datetime as this engine's `timestamp_type` column takes it (a parameter)."""
        if self.timestamp_type == "TEXT":
            return at.isoformat()
        return at.replace(tzinfo=None) if self.naive_timestamps else at

    def flavour(self, name: str) -> Flavour:
        """The server called `name` among those this engine name covers (the engine itself when unknown)."""
        return next((f for f in self.flavours if f.name == name), self.flavours[0])

    def quote(self, identifier: str) -> str:
        """One identifier exactly as written (a '.' in it stays): the engine's one quoting function."""
        q = self.quote_char
        return q + identifier.replace(q, q + q) + q


POSTGRESQL = Description(
    name="postgresql",
    label="PostgreSQL",
    family_label="PostgreSQL",
    quote_char='"',
    placeholder="%s",
    backslash_escapes=False,
    true="TRUE",
    false="FALSE",
    identifier_limit=(63, "bytes"),
    truncates_long_identifiers=True,
    text_type="TEXT",
    timestamp_type="TIMESTAMPTZ",
    int_type="INTEGER",
    bigint_type="BIGINT",
    autoincrement_pk="BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    long_text_type="TEXT",
    sqlglot_dialect="postgres",
    transactional_ddl=True,
    estimates_rows=True,
    opens_a_file=False,
    naive_timestamps=False,
    online_ddl_clauses=False,
    versioned_schemas=True,
    engine_class="shoring.engines.postgresql:PostgresEngine",
    statement_splitter="shoring.statement_splitter:split_postgresql",
    parser="shoring.analysis.postgresql",
    parser_library="pglast.parser",
    parses_sections=True,
    facts="shoring.analysis.facts_postgresql",
    introspection="shoring.verify.introspect_postgresql",
    scratch="shoring.rehearsal.scratch_postgresql",
    lab="shoring.plan.lab_postgresql",
    # --- operation and plan facts
    concurrent_index_build=True,
    index_if_not_exists=True,
    drops_index_by_table=False,
    outside_transaction_steps=True,
    constraints_not_valid=True,
    unique_using_index=True,
    alter_rebuilds_table=False,
    drops_constraints_by_kind=False,
    foreign_keys_added_unchecked=False,
    foreign_keys_make_an_index=False,
    not_null_via_check=True,
    alter_drops_and_renames_at_once=False,
    trigger_functions=True,
    triggers_rewrite_rows=False,
    rename_table_full_name=False,
    shadow_copy_alter=False,
    declarative_partitioning=True,
    pg_repack=True,
    locks_whole_database=False,
    locks_spread_to_related=True,
    online_ddl_catalog=False,
    reads_check_definitions=True,
    parser_is_the_servers=True,
    column_statistics=True,
    lock_tracer="shoring.rehearsal.locktrace:PgLockTracer",
    data_truncated_code=None,
    named_enum_types=True,
    type_affinity=False,
    server_variants=(),
    schema_qualified_tables=True,
    row_checksum="server_hash",
    # --- lint and analysis facts
    flavours=(Flavour("postgresql", "PostgreSQL", None, None, inline_references=True, instant_expression_default=False,
                      inplace_varchar_bytes=None, lock_wait_clause=None),),
    default_version="15",
    minor_release_from=10,
    plain_identifier=r"[a-z_][a-z0-9_$]*",
    reserved_words="shoring.lint.reserved:postgresql",
    lock_timeout_settings=("lock_timeout",),
    statement_timeout_settings=("statement_timeout",),
    lock_timeout_sql="SET lock_timeout = '5s';",
    table_lock_modes=True,
    ddl_metadata_lock=False,
    row_id_column="ctid",
    alter_column_not_null=True,
    create_table_like="CREATE TABLE {new} (LIKE {old} INCLUDING ALL);",
    added_identity_column="bigint GENERATED ALWAYS AS IDENTITY",
    rename_column_combines=False,
    updatable_views=True,
    drop_column_shrinks_indexes=False,
    sqlglot_type_names=(),
    schemas_are_databases=False,
)

MYSQL = Description(
    name="mysql",
    label="MySQL",
    family_label="MySQL/MariaDB",
    quote_char="`",
    placeholder="%s",
    backslash_escapes=True,
    true="TRUE",
    false="FALSE",
    identifier_limit=(64, "characters"),
    truncates_long_identifiers=False,
    text_type="TEXT",
    timestamp_type="DATETIME(6)",
    int_type="INT",
    bigint_type="BIGINT",
    autoincrement_pk="BIGINT AUTO_INCREMENT PRIMARY KEY",
    long_text_type="LONGTEXT",
    sqlglot_dialect="mysql",
    transactional_ddl=False,
    estimates_rows=True,
    opens_a_file=False,
    naive_timestamps=True,
    online_ddl_clauses=True,
    versioned_schemas=False,
    engine_class="shoring.engines.mysql:MySQLEngine",
    statement_splitter="shoring.statement_splitter:split_mysql",
    parser="shoring.analysis.sqlglot_reader",
    parser_library="sqlglot",
    parses_sections=False,
    facts="shoring.analysis.facts_mysql",
    introspection="shoring.verify.introspect_mysql",
    scratch="shoring.rehearsal.scratch_mysql",
    lab="shoring.plan.lab_mysql",
    # --- operation and plan facts
    concurrent_index_build=False,
    index_if_not_exists=False,
    drops_index_by_table=True,
    outside_transaction_steps=False,
    constraints_not_valid=False,
    unique_using_index=False,
    alter_rebuilds_table=False,
    drops_constraints_by_kind=True,
    foreign_keys_added_unchecked=True,
    foreign_keys_make_an_index=True,
    not_null_via_check=False,
    alter_drops_and_renames_at_once=True,
    trigger_functions=False,
    triggers_rewrite_rows=False,
    rename_table_full_name=True,
    shadow_copy_alter=True,
    declarative_partitioning=False,
    pg_repack=False,
    locks_whole_database=False,
    locks_spread_to_related=False,
    online_ddl_catalog=True,
    reads_check_definitions=False,
    parser_is_the_servers=False,
    column_statistics=False,
    lock_tracer="",
    data_truncated_code="1265",
    named_enum_types=False,
    type_affinity=False,
    server_variants=(("mariadb", "MariaDB"),),
    schema_qualified_tables=False,
    row_checksum="server_md5",
    # --- lint and analysis facts
    flavours=(
        Flavour("mysql", "MySQL", None, None, inline_references=False, instant_expression_default=False,
                inplace_varchar_bytes=None, lock_wait_clause=None),
        Flavour("mariadb", "MariaDB", "maria", 10, inline_references=True, instant_expression_default=True,
                inplace_varchar_bytes=127, lock_wait_clause="WAIT 5"),
    ),
    default_version="8.0.35",
    minor_release_from=None,
    plain_identifier=r"[A-Za-z_][A-Za-z0-9_$]*",
    reserved_words="shoring.lint.reserved:mysql",
    lock_timeout_settings=("lock_wait_timeout",),
    statement_timeout_settings=("max_execution_time", "max_statement_time"),
    lock_timeout_sql="SET SESSION lock_wait_timeout = 5;",
    table_lock_modes=False,
    ddl_metadata_lock=True,
    row_id_column=None,
    alter_column_not_null=False,
    create_table_like="CREATE TABLE {new} LIKE {old};",
    added_identity_column="BIGINT NOT NULL AUTO_INCREMENT UNIQUE",
    rename_column_combines=True,
    updatable_views=True,
    drop_column_shrinks_indexes=True,
    sqlglot_type_names=(("inet", "inet6"),),  # MySQL has no INET: sqlglot spells MariaDB's inet6 so
    schemas_are_databases=True,
)

SQLITE = Description(
    name="sqlite",
    label="SQLite",
    family_label="SQLite",
    quote_char='"',
    placeholder="?",
    backslash_escapes=False,
    true="1",
    false="0",
    identifier_limit=None,
    truncates_long_identifiers=False,
    text_type="TEXT",
    timestamp_type="TEXT",
    int_type="INTEGER",
    bigint_type="INTEGER",
    autoincrement_pk="INTEGER PRIMARY KEY AUTOINCREMENT",
    long_text_type="TEXT",
    sqlglot_dialect="sqlite",
    transactional_ddl=True,
    estimates_rows=False,
    opens_a_file=True,
    naive_timestamps=False,
    online_ddl_clauses=False,
    versioned_schemas=False,
    engine_class="shoring.engines.sqlite:SQLiteEngine",
    statement_splitter="shoring.statement_splitter:split_sqlite",
    parser="shoring.analysis.sqlglot_reader",
    parser_library="sqlglot",
    parses_sections=False,
    facts="shoring.analysis.facts_sqlite",
    introspection="shoring.verify.introspect_sqlite",
    scratch="shoring.rehearsal.scratch_sqlite",
    lab="shoring.plan.lab_sqlite",
    # --- operation and plan facts
    concurrent_index_build=False,
    index_if_not_exists=True,
    drops_index_by_table=False,
    outside_transaction_steps=False,
    constraints_not_valid=False,
    unique_using_index=False,
    alter_rebuilds_table=True,
    drops_constraints_by_kind=False,
    foreign_keys_added_unchecked=False,
    foreign_keys_make_an_index=False,
    not_null_via_check=False,
    alter_drops_and_renames_at_once=False,
    trigger_functions=False,
    triggers_rewrite_rows=True,
    rename_table_full_name=False,
    shadow_copy_alter=False,
    declarative_partitioning=False,
    pg_repack=False,
    locks_whole_database=True,
    locks_spread_to_related=False,
    online_ddl_catalog=False,
    reads_check_definitions=False,
    parser_is_the_servers=False,
    column_statistics=False,
    lock_tracer="",
    data_truncated_code=None,
    named_enum_types=False,
    type_affinity=True,
    server_variants=(),
    schema_qualified_tables=False,
    row_checksum="client",
    # --- lint and analysis facts
    flavours=(Flavour("sqlite", "SQLite", None, None, inline_references=True, instant_expression_default=False,
                      inplace_varchar_bytes=None, lock_wait_clause=None),),
    default_version=None,
    minor_release_from=None,
    plain_identifier=r"[A-Za-z_][A-Za-z0-9_]*",
    reserved_words="shoring.lint.reserved:sqlite",
    lock_timeout_settings=(),
    statement_timeout_settings=(),
    lock_timeout_sql=None,
    table_lock_modes=False,
    ddl_metadata_lock=False,
    row_id_column="rowid",
    alter_column_not_null=False,
    create_table_like=None,
    added_identity_column=None,
    rename_column_combines=False,
    updatable_views=False,
    drop_column_shrinks_indexes=False,
    sqlglot_type_names=(),
    schemas_are_databases=False,
)

#: every engine shoring speaks, by name
ENGINES: dict[str, Description] = {d.name: d for d in (POSTGRESQL, MYSQL, SQLITE)}


def describe(name: str) -> Description:
    """The description of the engine called `name`; ValueError for a name shoring does not speak."""
    try:
        return ENGINES[name]
    except KeyError:
        raise ValueError(f"unknown engine {name!r}") from None
