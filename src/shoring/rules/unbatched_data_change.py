"""An UPDATE or DELETE of a whole table in one statement locks every row it touches until commit."""

from __future__ import annotations

import re

from shoring.engines.description import describe
from shoring.lint.base import Example, Rule, operations_hint, py, quote

_UPDATE = re.compile(r"^\s*UPDATE\s+(?P<table>\S+)\s+SET\s+(?P<set>.+?)(?:\s+WHERE\s+(?P<where>.+?))?\s*;?\s*$", re.I | re.S)
_DELETE = re.compile(r"^\s*DELETE\s+FROM\s+(?P<table>\S+)(?:\s+WHERE\s+(?P<where>.+?))?\s*;?\s*$", re.I | re.S)


def _batched(engine: str, sql: str, table: str) -> str:
    t = quote(table, engine)
    m = _UPDATE.match(sql) or _DELETE.match(sql)
    simple = m and "select" not in sql.lower()
    where = (m.group("where") if simple else None) or "<condition that excludes rows already done>"
    head = (f"UPDATE {t} SET {m.group('set')}" if simple and "set" in m.groupdict() and m.groupdict().get("set")
            else ("DELETE FROM " + t if sql.lstrip().upper().startswith("DELETE") else f"UPDATE {t} SET <...>"))
    key = describe(engine).row_id_column
    if key is None:  # UPDATE and DELETE take LIMIT themselves
        body = f"{head} WHERE {where} LIMIT 1000;"
    else:
        body = f"{head} WHERE {key} IN (SELECT {key} FROM {t} WHERE {where} LIMIT 1000);"
    text = ("-- in a migration of its own (-- Transaction: false), each batch commits by itself;\n"
            "-- repeat until it changes 0 rows, pausing between batches:\n" + body)
    if simple and m.groupdict().get("set"):  # an UPDATE shoring's Backfill can take as it is
        where_arg = f", where={py(' '.join(m.group('where').split()))}" if m.group("where") else ""
        text += "\n" + operations_hint(f"Backfill({py(table)}, set_sql={py(' '.join(m.group('set').split()))}{where_arg})")
    return text


def check(ctx, st, op):
    if op.get("batched") or op.new_table:
        return
    verb = "UPDATE" if op.kind == "update" else "DELETE"
    scope = "every row it matches" if op.get("where") else f"every row of {op.table}"
    tx = " and holds their row locks until the migration commits" if st.in_transaction else ""
    yield ctx.finding(
        RULE, st, f"{verb} of {scope} in one statement: it locks each row it changes{tx}; on a large table that "
                  f"is a long lock and a long transaction",
        op=op, suggestion=_batched(ctx.engine, st.sql, op.table),
    )


RULE = Rule(
    check=check,
    id="unbatched-data-change",
    severity="warning",
    summary="UPDATE/DELETE of a whole (existing) table in one statement instead of batches",
    why=(
        "The seed's first pitfall: running long migrations without batching locks tables and "
        "causes downtime. One UPDATE or DELETE over a large table locks every row it changes until "
        "commit (other writers to those rows wait), bloats the table, and lags replicas. A WHERE "
        "clause does not bound it; a LIMIT does. Process it in batches of about a thousand rows, "
        "each committed on its own (a migration marked `-- Transaction: false`), pausing between "
        "batches. Tables created in the same migration are exempt."
    ),
    fix="Batches of ~1000 rows, each in its own transaction, with a pause between them.",
    engines=("postgresql", "mysql", "sqlite"),
    kinds=("update", "delete"),
    anchors="none of squawk, strong_migrations, Eugene or Atlas catch this one",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
UPDATE users SET status = 'active' WHERE status IS NULL;

-- migrate:down
SELECT 1;
""",
            good="""-- Transaction: false
-- migrate:up
UPDATE users SET status = 'active' WHERE ctid IN (SELECT ctid FROM users WHERE status IS NULL LIMIT 1000);

-- migrate:down
SELECT 1;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
UPDATE users SET status = 'active' WHERE status IS NULL;

-- migrate:down
SELECT 1;
""",
            good="""-- migrate:up
UPDATE users SET status = 'active' WHERE status IS NULL LIMIT 1000;

-- migrate:down
SELECT 1;
""",
        ),
        "sqlite": Example(
            bad="""-- migrate:up
DELETE FROM sessions WHERE expires_at < '2024-01-01';

-- migrate:down
SELECT 1;
""",
            good="""-- Transaction: false
-- migrate:up
DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE expires_at < '2024-01-01' LIMIT 1000);

-- migrate:down
SELECT 1;
""",
        ),
    },
)
