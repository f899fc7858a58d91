"""Which statements need timeouts, shared by missing-lock-timeout and missing-statement-timeout."""

from __future__ import annotations

from shoring.analysis.model import PG_BLOCKS_WRITES
from shoring.engines.description import ENGINES, describe

#: Session settings that bound the wait for a lock, and a statement's run time, per engine (from its description).
LOCK_SETTINGS = {name: d.lock_timeout_settings for name, d in ENGINES.items()}
STATEMENT_SETTINGS = {name: d.statement_timeout_settings for name, d in ENGINES.items()}


def sets(st, names: tuple[str, ...]) -> bool:
    """The statement sets one of `names` to a non-zero value."""
    for op in st.operations:
        if op.kind == "set" and op.name in names:
            value = str(op.get("value", "")).strip().strip("'\"").lower()
            if value not in ("0", "", "default", "0s", "0ms"):
                return True
    return False


def blocking(ctx, st) -> bool:
    """The statement waits for a lock that conflicts with ordinary reads or writes of an existing table."""
    d = describe(ctx.engine)
    for rel, mode in st.locks.items():
        if ctx.catalog.is_new(rel):
            continue
        if d.table_lock_modes and mode in PG_BLOCKS_WRITES:
            return True
        if d.ddl_metadata_lock and mode != "ROW":
            return True  # every DDL takes an exclusive metadata lock at its start and end
    return False
