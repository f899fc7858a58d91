"""Table constraints added the way each engine takes them without a long lock: NOT VALID then VALIDATE
on PostgreSQL, a plain ADD on MySQL/MariaDB, the 12-step rebuild on SQLite (which cannot ADD them)."""

from __future__ import annotations

from functools import partial

from shoring.operations.base import Step
from shoring.operations.dialects import Dialect


def add_constraint(d: Dialect, table: str, name: str, clause: str, what: str) -> list[str | Step]:
    """`clause`: the constraint after its name, e.g. "CHECK (total >= 0)"."""
    t, n = d.table(table), d.quote(name)
    sql = f"ALTER TABLE {t} ADD CONSTRAINT {n} {clause}"
    if d.alter_rebuilds_table:
        from shoring.operations.sqlite_rebuild import add_table_constraint, rebuild_step

        return [rebuild_step(d, table, sql, partial(add_table_constraint, constraint=f"CONSTRAINT {n} {clause}"), what)]
    if not d.constraints_not_valid:
        return [sql]
    return [sql + " NOT VALID", f"ALTER TABLE {t} VALIDATE CONSTRAINT {n}"]


def drop_constraint(d: Dialect, table: str, name: str, mysql_form: str = "CONSTRAINT") -> list[str] | None:
    """None on SQLite: taking a constraint away is a rebuild the user writes."""
    if d.alter_rebuilds_table:
        return None
    if d.drops_constraints_by_kind:
        return [f"ALTER TABLE {d.table(table)} DROP {mysql_form} {d.quote(name)}"]
    return [f"ALTER TABLE {d.table(table)} DROP CONSTRAINT IF EXISTS {d.quote(name)}"]
