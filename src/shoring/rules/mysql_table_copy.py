"""Other MySQL/MariaDB changes that copy the whole table with writes blocked."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule, operations_hint, py

#: (kind, variant) -> what the change is; the specific rules cover the rest.
COPIES = {
    ("add_constraint", "check"): "ADD CHECK validates every row in a table copy",
    ("drop_constraint", "primary_key"): "DROP PRIMARY KEY (without adding one) copies the table",
    ("rebuild_table", "convert_charset"): "CONVERT TO CHARACTER SET copies the table",
}


#: "ALTER TABLE <name> " before the clauses an OnlineAlter takes
_ALTER = re.compile(r"^\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+\S+\s+", re.I)


def check(ctx, st, op):
    if op.new_table or op.get("online_copy"):
        return
    from shoring.analysis.facts_mysql import variant

    what = COPIES.get((op.kind, variant(op, ctx.version, ctx.catalog)))
    if what is None:
        return
    yield ctx.finding(
        RULE, st, f"{what}: writes to {op.table} are blocked until it finishes", op=op,
        suggestion="-- run it with pt-online-schema-change or gh-ost (chunked copy, writes continue):\n"
                   f"-- pt-online-schema-change --alter \"<the change>\" D=<database>,t={op.table} --execute\n"
                   + operations_hint(f"OnlineAlter({py(op.table)}, {py(_ALTER.sub('', ' '.join(st.sql.split())))})"),
    )


RULE = Rule(
    check=check,
    id="mysql-table-copy",
    severity="error",
    summary="ALTERs MySQL/MariaDB can only do by copying the table (ADD CHECK, DROP PRIMARY KEY, CONVERT TO CHARACTER SET)",
    why=(
        "Some changes have no in-place algorithm: adding a CHECK constraint (every row is checked "
        "during a copy), dropping a primary key without adding another, converting the character "
        "set. The table is copied row by row with concurrent writes blocked. Online schema change "
        "tools do the same copy in chunks while writes continue, and swap the tables at the end."
    ),
    fix="pt-online-schema-change or gh-ost.",
    engines=("mysql",),
    kinds=("add_constraint", "drop_constraint", "rebuild_table"),
    anchors="strong_migrations (MySQL) ; MySQL online DDL tables",
    examples={
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive CHECK (quantity > 0);

-- migrate:down
ALTER TABLE orders DROP CHECK orders_quantity_positive;
""",
            good="""-- migrate:up
CREATE TABLE order_limits (id BIGINT AUTO_INCREMENT PRIMARY KEY, max_quantity INT NOT NULL, CONSTRAINT order_limits_positive CHECK (max_quantity > 0));

-- migrate:down
DROP TABLE order_limits;
""",
        ),
    },
)
