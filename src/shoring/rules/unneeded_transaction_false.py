"""`Transaction: false` on a migration that could run in a transaction gives up atomicity for nothing."""

from __future__ import annotations

from shoring.analysis.operations import DATA_KINDS
from shoring.lint.base import Example, Rule


def check(ctx):
    if ctx.kind == "python" or ctx.explicit_transactions or ctx.migration.metadata.transaction is not False:
        return
    statements = [st for st in ctx.up if not st.error]
    if not statements:
        return
    for st in statements:
        if not st.transactional or any(op.kind in DATA_KINDS or op.kind in ("do_block", "other") for op in st.operations):
            return  # it needs to run outside one, or it is a batched data change that commits per batch
    line = ctx.migration.metadata.lines.get("Transaction", 1)
    yield ctx.finding(
        RULE, None, "marked `Transaction: false`, but every statement can run in a transaction: a failure halfway "
                    "leaves it half applied", line=line, column=1,
        suggestion="-- Transaction: true   (or delete the line: true is the default)",
    )


RULE = Rule(
    check=check,
    id="unneeded-transaction-false",
    severity="warning",
    summary="`-- Transaction: false` on a migration whose statements can all run in a transaction",
    why=(
        "The seed: use transactions for atomic changes. On PostgreSQL and SQLite shoring runs a "
        "migration in one transaction, so a failure undoes all of it. `Transaction: false` is for "
        "the statements that refuse a transaction (CREATE INDEX CONCURRENTLY, VACUUM...) and for "
        "batched backfills that commit batch by batch. On a migration with neither, it only means "
        "a failure leaves the schema half changed."
    ),
    fix="Remove the `Transaction: false` line.",
    engines=("postgresql", "sqlite"),
    anchors="the seed's Best Practices (use transactions for atomic changes)",
    examples={
        engine: Example(
            bad=f"""-- Transaction: false
-- migrate:up
ALTER TABLE users ADD COLUMN nickname {typ};
ALTER TABLE users ADD COLUMN avatar_url {typ};

-- migrate:down
ALTER TABLE users DROP COLUMN avatar_url;
ALTER TABLE users DROP COLUMN nickname;
""",
            good=f"""-- migrate:up
ALTER TABLE users ADD COLUMN nickname {typ};
ALTER TABLE users ADD COLUMN avatar_url {typ};

-- migrate:down
ALTER TABLE users DROP COLUMN avatar_url;
ALTER TABLE users DROP COLUMN nickname;
""",
        )
        for engine, typ in (("postgresql", "text"), ("sqlite", "TEXT"))
    },
)
