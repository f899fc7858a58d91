"""VACUUM FULL and CLUSTER rewrite the table under ACCESS EXCLUSIVE: it is unavailable throughout."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    if op.kind == "vacuum" and not op.get("full"):
        return
    if op.new_table or op.get("online_copy"):  # shoring's Repack: pg_repack runs in its place
        return
    what = "VACUUM FULL" if op.kind == "vacuum" else "CLUSTER"
    table = op.table or "every table"
    target = f" --table={quote(op.table, 'postgresql')}" if op.table else ""
    yield ctx.finding(
        RULE, st, f"{what} rewrites {table} under an ACCESS EXCLUSIVE lock: no reads or writes until it finishes", op=op,
        suggestion=f"-- rewrite online with pg_repack instead of a migration statement:\n-- pg_repack --dbname=\"$DATABASE\"{target}"
        + (" --order-by=<column>" if op.kind == "cluster" else ""),
    )


RULE = Rule(
    check=check,
    id="vacuum-full-or-cluster",
    severity="error",
    summary="VACUUM FULL / CLUSTER rewrite the table while blocking reads and writes",
    why=(
        "VACUUM FULL and CLUSTER copy the whole table into new files while holding ACCESS EXCLUSIVE: "
        "the table can be neither read nor written for the duration, which grows with its size. "
        "pg_repack does the same reorganisation online, holding the strong lock only for a moment "
        "at the start and the end. VACUUM FULL also cannot run inside a transaction."
    ),
    fix="pg_repack (or pg_squeeze), run outside migrations.",
    engines=("postgresql",),
    kinds=("vacuum", "cluster"),
    anchors="squawk prefer-repack",
    examples={
        "postgresql": Example(
            bad="""-- Transaction: false

-- migrate:up
VACUUM FULL orders;

-- migrate:down
SELECT 1;
""",
            good="""-- Transaction: false

-- migrate:up
VACUUM (ANALYZE) orders;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
