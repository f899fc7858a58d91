"""Renaming, removing or reordering enum members changes what stored values mean."""

from __future__ import annotations

from shoring.analysis.facts_mysql import enum_change
from shoring.lint.base import Example, Rule, literal, quote


def check(ctx, st, op):
    e = ctx.engine
    if op.kind == "rename_enum_value":
        yield ctx.finding(
            RULE, st, f"renaming enum value {op.get('value')!r} of {op.name} breaks code that still writes {op.get('value')!r}",
            op=op, suggestion=f"ALTER TYPE {quote(op.name, e)} ADD VALUE IF NOT EXISTS {literal(op.get('new_name'))};\n"
                              f"-- move rows and code to the new value; leave the old one unused",
        )
        return
    if op.kind == "drop_type":
        if op.name not in ctx.catalog.enums and not ctx.catalog.enums.get(op.name):
            return
        yield ctx.finding(RULE, st, f"DROP TYPE {op.name} removes an enum that columns may still use", op=op,
                          suggestion="-- change the columns to text (or a lookup table) first, in their own migrations")
        return
    if op.new_table:
        return
    spec = op.get("spec")
    old_type = op.get("old_type") or ""
    if spec is None or spec.enum_values is None:
        return
    kind = spec.type.split("(")[0]
    change = enum_change(op.get("old_enum"), spec.enum_values)
    if change == "append":
        return
    if change == "unknown":
        if old_type and not old_type.startswith(kind):
            return  # a type change to an enum: column-type-change says it
        yield ctx.finding(
            RULE, st, f"redefining {kind.upper()} {op.table}.{op.column}: unless members are only appended at the end, MySQL copies "
                      f"the table and stored values shift (members are stored by position)",
            op=op, severity="warning",
            suggestion=f"-- list the existing members unchanged, in the same order, and append new ones at the end:\n"
                       f"ALTER TABLE {quote(op.table, e)} MODIFY {quote(op.column, e)} {kind.upper()}(<old members>, <new ones>), ALGORITHM=INSTANT;",
        )
        return
    old = list(op.get("old_enum"))
    new = list(spec.enum_values)
    removed = [m for m in old if m not in new]
    what = f"removes {', '.join(map(repr, removed))}" if removed else "reorders the members"
    merged = old + [m for m in new if m not in old]
    yield ctx.finding(
        RULE, st, f"{kind.upper()} change on {op.table}.{op.column} {what}: the table is copied and rows holding "
                  f"{'those values become empty or fail' if removed else 'a moved member change meaning in sorts and comparisons'}",
        op=op, suggestion=f"ALTER TABLE {quote(op.table, e)} MODIFY {quote(op.column, e)} "
                          f"{kind.upper()}({', '.join(literal(m) for m in merged)}), ALGORITHM=INSTANT;",
    )


RULE = Rule(
    check=check,
    id="enum-reorder-or-removal",
    severity="error",
    summary="Enum members renamed, removed or reordered (MySQL ENUM/SET, PostgreSQL enum types)",
    why=(
        "MySQL and MariaDB store ENUM and SET values by position: appending members at the end is "
        "instant, but removing or reordering them copies the table with writes blocked, and rows "
        "holding a removed member become '' (or fail in strict mode). PostgreSQL cannot remove "
        "enum values at all; renaming one (ALTER TYPE ... RENAME VALUE) breaks code that still "
        "writes the old label, and DROP TYPE fails or cascades while columns use it. Append new "
        "members; retire old ones in code."
    ),
    fix="Append members at the end; never remove or reorder them in place.",
    engines=("postgresql", "mysql"),
    kinds=("alter_column_type", "rename_enum_value", "drop_type"),
    anchors="Atlas MY110-MY123; Eugene W13",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TYPE order_status RENAME VALUE 'canceled' TO 'cancelled';

-- migrate:down
ALTER TYPE order_status RENAME VALUE 'cancelled' TO 'canceled';
""",
            good="""-- migrate:up
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'cancelled' AFTER 'canceled';

-- migrate:down
SELECT 1;
""",
        ),
        "mysql": Example(
            bad="""-- file: 20240101000000_create_orders.sql
-- migrate:up
CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, status ENUM('new', 'paid', 'shipped') NOT NULL DEFAULT 'new');

-- migrate:down
DROP TABLE orders;
-- file: 20240102000000_reorder_status.sql
-- migrate:up
ALTER TABLE orders MODIFY status ENUM('new', 'shipped', 'paid') NOT NULL DEFAULT 'new';

-- migrate:down
ALTER TABLE orders MODIFY status ENUM('new', 'paid', 'shipped') NOT NULL DEFAULT 'new';
""",
            good="""-- file: 20240101000000_create_orders.sql
-- migrate:up
CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, status ENUM('new', 'paid', 'shipped') NOT NULL DEFAULT 'new');

-- migrate:down
DROP TABLE orders;
-- file: 20240102000000_add_refunded.sql
-- migrate:up
ALTER TABLE orders MODIFY status ENUM('new', 'paid', 'shipped', 'refunded') NOT NULL DEFAULT 'new', ALGORITHM=INSTANT;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
