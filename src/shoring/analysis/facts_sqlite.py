"""SQLite: which ALTER TABLE forms the library runs natively, from which version, as data.

Source: the SQLite documentation (lang_altertable). SQLite supports RENAME TO, RENAME COLUMN
(3.25.0), DROP COLUMN (3.35.0, not for indexed, key, unique or referenced columns) and ADD COLUMN
(not PRIMARY KEY or UNIQUE, no CURRENT_* or parenthesised default, NOT NULL only with a non-NULL
default, no STORED generated column). Everything else needs the 12-step rebuild (lang_altertable §7).
SQLite locks the whole database: one writer at a time (RESERVED), readers go on in WAL mode.
"""

from __future__ import annotations

from shoring.analysis.catalog import Catalog
from shoring.analysis.model import SQLITE_DATABASE, Effect, Operation
from shoring.analysis.operations import semantics
from shoring.analysis.versions import ServerVersion

#: (kind, variant) -> first SQLite version that runs it, or None: never (needs the table rebuild).
NATIVE: dict[tuple[str, str], tuple[int, ...] | None] = {
    ("add_column", "plain"): (3, 1, 3),
    ("add_column", "indexed"): None,
    ("add_column", "time_default"): None,
    ("add_column", "expression_default"): None,
    ("add_column", "not_null_no_default"): None,
    ("add_column", "generated_stored"): None,
    ("rename_table", ""): (3, 1, 0),
    ("rename_column", ""): (3, 25, 0),
    ("drop_column", ""): (3, 35, 0),
    ("drop_column", "constrained"): None,
    ("alter_column_type", ""): None,
    ("set_not_null", ""): None,
    ("drop_not_null", ""): None,
    ("set_default", ""): None,
    ("drop_default", ""): None,
    ("add_constraint", ""): None,
    ("drop_constraint", ""): None,
    ("alter_table_other", ""): None,
}
#: Why the rebuild is needed, per variant, for messages.
REASONS: dict[tuple[str, str], str] = {
    ("add_column", "indexed"): "SQLite cannot add a PRIMARY KEY or UNIQUE column",
    ("add_column", "time_default"): "SQLite cannot add a column whose default is CURRENT_TIME/DATE/TIMESTAMP",
    ("add_column", "expression_default"): "SQLite cannot add a column with a parenthesised expression default",
    ("add_column", "not_null_no_default"): "SQLite cannot add a NOT NULL column without a non-NULL default",
    ("add_column", "generated_stored"): "SQLite cannot add a STORED generated column",
    ("drop_column", "constrained"): "SQLite cannot drop a column that is indexed, a key, or referenced",
    ("alter_column_type", ""): "SQLite has no ALTER COLUMN TYPE",
    ("set_not_null", ""): "SQLite has no ALTER COLUMN SET NOT NULL",
    ("drop_not_null", ""): "SQLite has no ALTER COLUMN DROP NOT NULL",
    ("set_default", ""): "SQLite has no ALTER COLUMN SET DEFAULT",
    ("drop_default", ""): "SQLite has no ALTER COLUMN DROP DEFAULT",
    ("add_constraint", ""): "SQLite has no ALTER TABLE ADD CONSTRAINT",
    ("drop_constraint", ""): "SQLite has no ALTER TABLE DROP CONSTRAINT",
    ("alter_table_other", ""): "SQLite does not support this ALTER TABLE form",
}
_READ_ONLY = frozenset({"select", "set", "reset", "transaction", "other", "comment"})


def variant(op: Operation, catalog: Catalog) -> str:
    if op.kind == "add_column":
        spec = op.get("spec")
        if spec is None:
            return "plain"
        if spec.primary_key or spec.unique:
            return "indexed"
        if spec.generated == "stored":
            return "generated_stored"
        if spec.default_kind == "stable":
            return "time_default"
        if spec.default_kind in ("expression", "statement_expression", "volatile", "unknown"):
            return "expression_default"
        if spec.not_null and spec.default is None:
            return "not_null_no_default"
        return "plain"
    if op.kind == "drop_column":
        t = catalog.table(op.table)
        if t is not None and (any(op.column in cols for cols in t.indexes.values())
                              or any(op.column in fk[1] for fk in t.foreign_keys)):
            return "constrained"
    return ""


def effect(op: Operation, version: ServerVersion, catalog: Catalog) -> Effect:
    compatible, destructive = semantics(op.kind)
    locks = {} if op.kind in _READ_ONLY else {SQLITE_DATABASE: "RESERVED"}
    if op.kind == "select":
        locks = {SQLITE_DATABASE: "SHARED"}
    key = (op.kind, variant(op, catalog))
    supported, note = True, ""
    if key in NATIVE:
        since = NATIVE[key]
        if since is None:
            supported, note = False, REASONS.get(key, "SQLite does not support this ALTER TABLE form")
        elif version.numbers < since:
            supported, note = False, f"needs SQLite {'.'.join(map(str, since))} or later"
    rewrites: tuple[str, ...] = ()
    if op.kind == "vacuum" or (op.kind == "drop_column" and supported):
        rewrites = (op.table or SQLITE_DATABASE,)  # DROP COLUMN rewrites the table's rows
    scans = (op.table,) if op.kind in ("update", "delete", "create_index") and op.table and not op.get("batched") else ()
    return Effect(
        locks=locks,
        rewrites=rewrites,
        scans=scans,
        transactional=op.kind != "vacuum",
        backward_compatible=compatible,
        destructive=destructive,
        supported=supported,
        note=note,
    )


def refine(ops: list[Operation], catalog: Catalog, session: dict[str, str]) -> list[Operation]:
    """The reader's operations as this engine runs them: nothing to add here."""
    return ops


def blocks(a, online) -> None:
    """One writer at a time: a write lock (RESERVED) stops writers, only EXCLUSIVE stops readers."""
    modes = set(a.locks.values())
    a.blocks_writes = bool(modes & {"RESERVED", "EXCLUSIVE"})
    a.blocks_reads = "EXCLUSIVE" in modes
