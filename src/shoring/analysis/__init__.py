"""SQL migrations to analysed statements: what each statement does and what that costs while it runs.

The layer `shoring lint` and `shoring plan` build on; it knows no database connection.

    from shoring.analysis import analyze_migration, analyze_sql, Catalog

    catalog = Catalog()                      # the schema the migrations build, replayed in order
    for migration in load_migrations(dir):   # oldest first
        up = analyze_migration(migration, "postgresql", "15", catalog=catalog)
        down = analyze_migration(migration, "postgresql", "15", direction="down", catalog=catalog)

    analyze_sql(text, engine="postgresql", server_version=None, *, catalog=None, transactional=True)

The down section is analysed from the state after up, on a copy of the catalog (which stays the
state after up), each statement seeing what the ones before it did; `analyze_down(...)` returns the
statements and that copy, the state after down.

Both return `list[AnalyzedStatement]`; a statement the parser cannot read comes back with `.error`
set (and `.line`), never as an exception. Per statement: `index`, `line`, `column`, `sql`,
`section`, `operation` (one name) and `operations` (each an `Operation(kind, table, column, name,
attrs, new_table)`, kinds listed in `operations.OPERATIONS`), `tables`, `locks` ({relation: mode},
PostgreSQL modes spelled as pg_locks.mode spells them; MySQL/MariaDB LOCK levels; SQLite's database
lock under "<database>"), `rewrites`, `scans`, `blocks_reads`, `blocks_writes`,
`backward_compatible`, `destructive`, `transactional` (may run in a transaction block),
`in_transaction` / `transaction` (how the runner will run it), `online_ddl` (MySQL/MariaDB:
{"algorithm", "lock"}), `effects` (one `Effect` per operation, with `supported` and a `note`),
`notes`; `to_dict()` gives the plan JSON contract's statement keys.

Engines: "postgresql" (pglast, PostgreSQL's own parser; facts for 11-17), "mysql" (sqlglot; MySQL
8.0 and MariaDB 10.x told apart by the server version, e.g. "8.0.36" or "10.11.6-MariaDB"),
"sqlite" (sqlglot; native ALTER forms by library version). Facts are data tables in
facts_postgresql.py, facts_mysql.py and facts_sqlite.py. Python migrations are analysed as
unknown code: there is no operations framework to read them from yet.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

#: name -> the module that defines it. Imported when first asked for (PEP 562), so that importing one
#: light module of the package (versions, for a re-lint from the cache) does not import the analysis.
_EXPORTS = {
    "analyze_down": "analyze", "analyze_migration": "analyze", "analyze_sql": "analyze", "analyze_statements": "analyze",
    "Catalog": "catalog",
    "AnalyzedStatement": "model", "ColumnSpec": "model", "Effect": "model", "Operation": "model",
    "ServerVersion": "versions", "parse_server_version": "versions",
}

if TYPE_CHECKING:
    from shoring.analysis.analyze import analyze_down, analyze_migration, analyze_sql, analyze_statements
    from shoring.analysis.catalog import Catalog
    from shoring.analysis.model import AnalyzedStatement, ColumnSpec, Effect, Operation
    from shoring.analysis.versions import ServerVersion, parse_server_version


def __getattr__(name: str):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'shoring.analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"shoring.analysis.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "AnalyzedStatement", "Catalog", "ColumnSpec", "Effect", "Operation", "ServerVersion",
    "analyze_down", "analyze_migration", "analyze_sql", "analyze_statements", "parse_server_version",
]
