"""Changing a column's type rewrites (or copies) the table, unless it is a known safe widening."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, backfill_sql, operations_hint, py, quote

#: New types a change can widen to without a rewrite, when the old type is one of a few (per engine).
WIDENING_TARGETS = {"postgresql": ("varchar", "text", "numeric", "varbit", "inet"), "mysql": ("varchar",)}


def _expand_contract(ctx, op) -> str:
    e = ctx.engine
    t, c = quote(op.table, e), quote(op.column, e)
    new = quote(f"{op.column}_new", e)
    cast = f"CAST({c} AS {op.get('type')})"
    return "\n".join([
        "-- expand: a new column beside the old one (and dual writes from the application or a trigger)",
        f"ALTER TABLE {t} ADD COLUMN {new} {op.get('type')};",
        "-- backfill in batches, in a later migration:",
        backfill_sql(e, op.table, f"{new} = {cast}", f"{op.column}_new"),
        f"SELECT COUNT(*) FROM {t} WHERE {new} IS NULL AND {c} IS NOT NULL;  -- must be 0",
        "-- contract, once every reader uses the new column:",
        f"ALTER TABLE {t} DROP COLUMN {c};",
        f"ALTER TABLE {t} RENAME COLUMN {new} TO {c};",
        operations_hint(f"ExpandChangeType({py(op.table)}, {py(op.column)}, {py(op.get('type'))})")
        + "; later ContractChangeType(...)",
    ])


def check(ctx, st, op):
    if op.new_table:
        return
    e = ctx.engine
    i = st.operations.index(op)
    eff = st.effects[i]
    old, new = op.get("old_type"), op.get("type") or "?"
    if old and old.split("(")[0] in ("enum", "set") and new.split("(")[0] == old.split("(")[0]:
        return  # enum-reorder-or-removal judges enum changes
    if not ctx.description.online_ddl_clauses:  # a rewrite; MySQL/MariaDB report ALGORITHM= levels instead
        if not eff.rewrites:
            return
        what = f"rewrites {op.table} and rebuilds its indexes while holding ACCESS EXCLUSIVE"
    else:
        if not eff.online_ddl or eff.online_ddl[0] not in ("COPY", "UNKNOWN"):
            return
        if eff.online_ddl[0] == "UNKNOWN":  # a guess: a warning, never an error
            yield ctx.finding(
                RULE, st, f"changing {op.table}.{op.column} to {new} may copy {op.table} (ALGORITHM=COPY, writes blocked "
                          f"until it finishes): shoring cannot see the column's current definition, so whether it is "
                          f"INSTANT, INPLACE or COPY is unknown; `shoring plan --database` reads it",
                op=op, severity="warning", suggestion=_expand_contract(ctx, op))
            return
        what = f"copies {op.table} (ALGORITHM=COPY): writes are blocked until it finishes"
    if old is None:
        if new.split("(")[0] in WIDENING_TARGETS.get(e, ()):
            yield ctx.finding(
                RULE, st, f"changing {op.table}.{op.column} to {new} {what}, unless it only widens the old type "
                          f"(which shoring cannot see: the column was not created by these migrations)",
                op=op, severity="warning", suggestion=_expand_contract(ctx, op))
            return
        yield ctx.finding(RULE, st, f"changing {op.table}.{op.column} to {new} {what}", op=op,
                          suggestion=_expand_contract(ctx, op))
        return
    yield ctx.finding(RULE, st, f"changing {op.table}.{op.column} from {old} to {new} {what}", op=op,
                      suggestion=_expand_contract(ctx, op))


RULE = Rule(
    check=check,
    id="column-type-change",
    severity="error",
    summary="A column type change that rewrites (PostgreSQL) or copies (MySQL/MariaDB) the table",
    why=(
        "Most type changes rewrite every row: PostgreSQL does it under ACCESS EXCLUSIVE and rebuilds "
        "the table's indexes, MySQL and MariaDB copy the table with writes blocked. Code that still "
        "writes the old type may also break. Safe widenings pass: on PostgreSQL varchar(n) to a "
        "longer varchar or to text, text to unbounded varchar, numeric(p,s) to a larger precision "
        "with the same scale; on MySQL/MariaDB VARCHAR growth that keeps the same length-prefix size "
        "(up to 63 or from 64 characters in utf8mb4, counted in bytes of the column's character set; MariaDB also grows "
        "a column of at most 127 bytes in place) and ENUM/SET members appended at the end. "
        "When the old type is unknown (the column predates the linted migrations) a change to a "
        "widening type is a warning. Otherwise use the seed's expand-contract pattern."
    ),
    fix="Expand-contract: new column, dual writes, batched backfill, verify, swap.",
    engines=("postgresql", "mysql"),
    kinds=("alter_column_type",),
    anchors="squawk changing-column-type; strong_migrations change_column; Eugene E5; Atlas PG301",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ALTER COLUMN quantity TYPE bigint;

-- migrate:down
ALTER TABLE orders ALTER COLUMN quantity TYPE integer;
""",
            good="""-- file: 20240101000000_create_users.sql
-- migrate:up
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, nickname varchar(50));

-- migrate:down
DROP TABLE users;
-- file: 20240102000000_longer_nickname.sql
-- migrate:up
ALTER TABLE users ALTER COLUMN nickname TYPE varchar(100);

-- migrate:down
SELECT 1;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE orders MODIFY quantity BIGINT NOT NULL;

-- migrate:down
ALTER TABLE orders MODIFY quantity INT NOT NULL;
""",
            good="""-- file: 20240101000000_create_users.sql
-- migrate:up
CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY, nickname VARCHAR(20));

-- migrate:down
DROP TABLE users;
-- file: 20240102000000_longer_nickname.sql
-- migrate:up
ALTER TABLE users MODIFY nickname VARCHAR(60), ALGORITHM=INPLACE, LOCK=NONE;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
