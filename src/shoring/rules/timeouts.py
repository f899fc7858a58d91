"""Which statements need timeouts, shared by missing-lock-timeout and missing-statement-timeout."""

from __future__ import annotations

from shoring.analysis.model import PG_BLOCKS_WRITES

#: Session settings that bound the wait for a lock, per engine.
LOCK_SETTINGS = {"postgresql": ("lock_timeout",), "mysql": ("lock_wait_timeout",)}
STATEMENT_SETTINGS = {"postgresql": ("statement_timeout",), "mysql": ("max_execution_time", "max_statement_time")}


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
    for rel, mode in st.locks.items():
        if ctx.catalog.is_new(rel):
            continue
        if ctx.engine == "postgresql" and mode in PG_BLOCKS_WRITES:
            return True
        if ctx.engine == "mysql" and mode != "ROW":
            return True  # every DDL takes an exclusive metadata lock at its start and end
    return False
