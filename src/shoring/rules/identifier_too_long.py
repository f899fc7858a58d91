"""Names longer than the engine's limit are cut short (PostgreSQL) or refused (MySQL)."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule

#: a DROP names the object too: PostgreSQL truncates that name as well, MySQL refuses it
DROP_KINDS = ("drop_table", "drop_index", "drop_view", "drop_type", "drop_schema", "drop_sequence", "drop_function",
              "drop_trigger", "drop_column", "drop_constraint")


def _names(op):
    if op.kind == "create_table":
        yield "table", op.table
        for spec in op.get("columns") or ():
            yield "column", spec.name
        for con in op.get("constraints") or ():
            if con.get("name"):
                yield "constraint", con["name"]
    elif op.kind == "add_column":
        yield "column", op.column
    elif op.kind in ("drop_column",) and op.column:
        yield "column", op.column
    elif op.kind in ("create_index", "add_constraint") and op.name:
        yield ("index" if op.kind == "create_index" else "constraint"), op.name
    elif op.kind in ("rename_column", "rename_table", "rename_index"):
        yield op.kind.split("_")[1], op.get("new_name")
    elif op.kind in ("create_type", "create_view", "create_schema") and (op.name or op.table):
        yield op.kind.split("_")[1], op.name or op.table
    elif op.kind in DROP_KINDS and (op.name or op.table):
        yield op.kind.split("_")[1], op.name or op.table


#: a run of 64 bytes or more that could be one name (a cheap test before the scanner runs)
_LONG_RUN = re.compile(rb"[^\s(),;.]{64,}")


def _pg_long_names(sql: str, limit: int) -> list[str]:
    """Identifiers as written in the statement: PostgreSQL's parser hands back names already truncated."""
    from pglast import parser

    raw = sql.encode("utf-8")  # the limit is in bytes: 19 four-byte emoji are 76 of them
    if not _LONG_RUN.search(raw):
        return []  # no word is long enough: skip the scan

    out = []
    try:
        tokens = parser.scan(sql)
    except parser.ParseError:
        return out
    for tok in tokens:
        if tok.name != "IDENT":
            continue
        text = sql[tok.start: tok.end + 1].encode("utf-8")  # pglast's token offsets count characters
        if text.startswith(b'"'):
            text = text[1:-1].replace(b'""', b'"')
        if len(text) > limit:
            out.append(text.decode("utf-8", "replace"))
    return out


def check(ctx, st, op):
    d = ctx.description
    limit, unit = d.identifier_limit
    verb = "silently truncates it to" if d.truncates_long_identifiers else "refuses names over"
    if d.truncates_long_identifiers:  # PostgreSQL's parser hands back names already cut: scan the statement
        if st.operations.index(op) != 0:
            return  # the whole statement is scanned once
        for name in dict.fromkeys(_pg_long_names(st.sql, limit)):
            kept = name.encode("utf-8")[:limit].decode("utf-8", "ignore")
            yield ctx.finding(
                RULE, st, f"name {name!r} is {len(name.encode('utf-8'))} bytes: PostgreSQL {verb} {limit} ({kept!r}), "
                          f"so two long names can collide and tools that use the full name miss it",
                op=op, suggestion=f"-- a shorter name, at most {limit} bytes",
            )
        return
    for what, name in _names(op):
        if not name:
            continue
        name = name.split(".")[-1]
        if len(name) > limit:
            yield ctx.finding(
                RULE, st, f"{what} name {name!r} is {len(name)} {unit}: {ctx.version.label.split()[0]} {verb} {limit}",
                op=op, suggestion=f"-- a shorter name, at most {limit} {unit}",
            )


RULE = Rule(
    check=check,
    id="identifier-too-long",
    severity="error",
    summary="An identifier longer than 63 bytes (PostgreSQL) or 64 characters (MySQL)",
    why=(
        "PostgreSQL truncates identifiers to 63 bytes with only a NOTICE, so two long index names "
        "can collide after truncation and a later DROP INDEX with the full name finds nothing. "
        "MySQL and MariaDB refuse names over 64 characters, so the migration fails."
    ),
    fix="A shorter name.",
    engines=("postgresql", "mysql"),
    kinds=("create_table", "add_column", "create_index", "add_constraint", "rename_column", "rename_table",
           "rename_index", "create_type", "create_view", "create_schema", *DROP_KINDS),
    anchors="squawk identifier-too-long",
    examples={
        "postgresql": Example(
            bad="""-- Transaction: false
-- migrate:up
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_customer_subscription_invoices_on_billing_period_start_and_status ON invoices (billing_period_start, status);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS idx_customer_subscription_invoices_on_billing_period_start_and_status;
""",
            good="""-- Transaction: false
-- migrate:up
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_invoices_period_status ON invoices (billing_period_start, status);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS idx_invoices_period_status;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
CREATE INDEX idx_customer_subscription_invoices_on_billing_period_start_and_status ON invoices (billing_period_start, status);

-- migrate:down
DROP INDEX idx_customer_subscription_invoices_on_billing_period_start_and_status ON invoices;
""",
            good="""-- migrate:up
CREATE INDEX idx_invoices_period_status ON invoices (billing_period_start, status);

-- migrate:down
DROP INDEX idx_invoices_period_status ON invoices;
""",
        ),
    },
)
