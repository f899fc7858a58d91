"""Schema snapshots, diffs and data fingerprints on PostgreSQL, MySQL/MariaDB and SQLite.

The one entry point per question::

    from shoring import verify

    before = verify.snapshot(engine)                  # Schema: tables, columns, types, defaults,
                                                      # nullability, constraints, indexes (validity),
                                                      # sequences, views, triggers, functions, enums
    ...
    changes = verify.diff(before, verify.snapshot(engine))   # SchemaDiff; falsy when equal
    print(changes.text())                                    # "+ index users.idx_email: ..." lines

    prints = verify.fingerprint(engine, before)       # {table: TableFingerprint(rows, checksum)}
    lost = verify.compare_fingerprints(prints, verify.fingerprint(engine, before))
    stats = verify.table_stats(engine, before)        # {table: TableStats(rows, bytes, exact)}

Snapshots leave out shoring's own history tables (``history_table`` and ``<history_table>_events``)
and anything named in ``exclude``. Two snapshots of equal schemas compare equal with ``==``, also
across databases of different names on the same engine, and ``Schema.to_dict()/from_dict()``
round-trip them through JSON.
"""

from __future__ import annotations

import importlib
from typing import Any, Iterable

from shoring.engines.description import describe
from shoring.verify.diff import Change, SchemaDiff, diff
from shoring.verify.fingerprint import DataChange, TableFingerprint, compare_fingerprints, fingerprint
from shoring.verify.model import Column, Constraint, Enum, Function, Index, Schema, Sequence, Table, Trigger, View
from shoring.verify.stats import TableStats, table_stats

__all__ = [
    "Change", "Column", "Constraint", "DataChange", "Enum", "Function", "Index", "Schema", "SchemaDiff", "Sequence",
    "Table", "TableFingerprint", "TableStats", "Trigger", "View", "compare_fingerprints", "diff", "excluded_tables",
    "fingerprint", "snapshot", "table_stats",
]

DEFAULT_HISTORY_TABLE = "shoring_migrations"

#: engine name -> module holding that engine's catalog queries (imported on first use)
def excluded_tables(history_table: str = DEFAULT_HISTORY_TABLE) -> frozenset[str]:
    """Shoring's bookkeeping tables: they change on every run and are not the user's schema."""
    return frozenset({history_table, f"{history_table}_events", f"{history_table}_backfills", f"{history_table}_schemas"})


def snapshot(engine: Any, *, history_table: str | None = DEFAULT_HISTORY_TABLE, exclude: Iterable[str] = ()) -> Schema:
    """The schema of the database ``engine`` is connected to, normalised for comparison.

    ``history_table=None`` keeps shoring's own tables in (to prove they did not change either).
    """
    module = importlib.import_module(describe(engine.name).introspection)
    own = excluded_tables(history_table) if history_table else frozenset()
    return module.introspect(engine, own | frozenset(exclude))
