"""With foreign_key_checks on, MySQL adds a foreign key by copying the table with writes blocked."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx, st, op):
    if op.new_table or op.get("constraint") != "foreign_key" or op.get("foreign_key_checks_off"):
        return
    yield ctx.finding(
        RULE, st, f"ADD FOREIGN KEY on {op.table} copies the table (ALGORITHM=COPY) while foreign_key_checks is on: "
                  f"writes are blocked until it finishes",
        op=op, suggestion="\n".join([
            "-- check the rows yourself first (the server will not):",
            f"SELECT COUNT(*) FROM {op.table} c LEFT JOIN {op.get('references')} p ON <join on the key> "
            f"WHERE p.<key> IS NULL AND c.<column> IS NOT NULL;  -- must be 0",
            "SET SESSION foreign_key_checks = 0;",
            st.sql.rstrip().rstrip(";") + ", ALGORITHM=INPLACE, LOCK=NONE;",
            "SET SESSION foreign_key_checks = 1;",
        ]),
    )


RULE = Rule(
    check=check,
    id="mysql-foreign-key-copies-table",
    severity="error",
    summary="ADD FOREIGN KEY on MySQL/MariaDB with foreign_key_checks on (a blocking table copy)",
    why=(
        "InnoDB adds a foreign key in place only when foreign_key_checks is off; otherwise it "
        "copies the whole table, blocking writes, to check every row. With checks off it does "
        "not verify existing rows at all, so verify them with a query first, then add the key "
        "with ALGORITHM=INPLACE, LOCK=NONE and turn the checks back on."
    ),
    fix="Verify rows by query; SET foreign_key_checks = 0; ADD ... ALGORITHM=INPLACE, LOCK=NONE; turn checks on.",
    engines=("mysql",),
    kinds=("add_constraint",),
    anchors="the project's online DDL reference (MySQL/MariaDB FOREIGN KEY with foreign_key_checks on)",
    examples={
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id);

-- migrate:down
ALTER TABLE orders DROP FOREIGN KEY orders_customer_fk;
""",
            good="""-- migrate:up
SET SESSION foreign_key_checks = 0;
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id), ALGORITHM=INPLACE, LOCK=NONE;
SET SESSION foreign_key_checks = 1;

-- migrate:down
ALTER TABLE orders DROP FOREIGN KEY orders_customer_fk;
""",
        ),
    },
)
