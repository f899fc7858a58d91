"""ALGORITHM=COPY or LOCK=SHARED/EXCLUSIVE asks MySQL to block writes (or reads) for the whole ALTER."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule


def check(ctx, st, op):
    algorithm = (op.get("algorithm") or "").upper()
    lock = (op.get("lock") or "").upper()
    if op.new_table or op.get("online_copy") or (algorithm != "COPY" and lock not in ("SHARED", "EXCLUSIVE")):
        return
    if st.operations.index(op) != 0:
        return  # the options belong to the whole statement: report once
    asked = ", ".join(x for x in (f"ALGORITHM={algorithm}" if algorithm == "COPY" else "",
                                 f"LOCK={lock}" if lock in ("SHARED", "EXCLUSIVE") else "") if x)
    blocks = "reads and writes" if lock == "EXCLUSIVE" else "writes"
    fixed = re.sub(r",?\s*ALGORITHM\s*=?\s*COPY", "", st.sql, flags=re.I)
    fixed = re.sub(r",?\s*LOCK\s*=?\s*(SHARED|EXCLUSIVE)", "", fixed, flags=re.I).rstrip().rstrip(";")
    yield ctx.finding(
        RULE, st, f"{asked} blocks {blocks} to {op.table} for the whole ALTER", op=op,
        suggestion=f"{fixed}, ALGORITHM=INPLACE, LOCK=NONE;  -- the server refuses if it cannot do it online",
    )


RULE = Rule(
    check=check,
    id="mysql-algorithm-copy-or-lock",
    severity="error",
    summary="ALTER TABLE ... ALGORITHM=COPY or LOCK=SHARED/EXCLUSIVE on an existing table",
    why=(
        "ALGORITHM=COPY rebuilds the table by copying it with concurrent writes blocked; LOCK=SHARED "
        "blocks writes and LOCK=EXCLUSIVE blocks reads too, for the whole operation. Without them "
        "the server picks the most online method the change allows. Asking for ALGORITHM=INPLACE "
        "(or INSTANT) and LOCK=NONE makes the server refuse, rather than silently block, when the "
        "change cannot be done online; then use pt-online-schema-change or gh-ost."
    ),
    fix="ALGORITHM=INPLACE (or INSTANT), LOCK=NONE; an online schema change tool when refused.",
    engines=("mysql",),
    kinds=("add_column", "drop_column", "rename_column", "alter_column_type", "set_not_null", "drop_not_null",
           "set_default", "drop_default", "create_index", "drop_index", "add_constraint", "drop_constraint",
           "rebuild_table", "set_table_options", "alter_table_other"),
    anchors="strong_migrations copy_algorithm, lock_option",
    examples={
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ADD INDEX idx_orders_status (status), ALGORITHM=COPY;

-- migrate:down
ALTER TABLE orders DROP INDEX idx_orders_status;
""",
            good="""-- migrate:up
ALTER TABLE orders ADD INDEX idx_orders_status (status), ALGORITHM=INPLACE, LOCK=NONE;

-- migrate:down
ALTER TABLE orders DROP INDEX idx_orders_status;
""",
        ),
    },
)
