"""VALIDATE in the transaction that took a strong lock keeps that lock for the whole scan."""

from __future__ import annotations

from shoring.analysis.model import PG_LOCK_ORDER
from shoring.lint.base import Example, Rule, quote

_WEAK = frozenset(PG_LOCK_ORDER[: PG_LOCK_ORDER.index("ShareUpdateExclusiveLock") + 1])


def check(ctx, st, op):
    if not st.in_transaction or op.new_table:
        return
    for earlier in ctx.section(st.section):
        if earlier.index >= st.index:
            break
        if earlier.transaction != st.transaction:
            continue
        mode = earlier.locks.get(op.table)
        if mode and mode not in _WEAK:
            yield ctx.finding(
                RULE, st,
                f"VALIDATE CONSTRAINT {op.name} scans {op.table} while the {mode} taken on line {earlier.line} "
                f"is still held (same transaction): the scan blocks what that lock blocks",
                op=op, suggestion=f"-- move it to the next migration (its own transaction):\n"
                                  f"ALTER TABLE {quote(op.table, ctx.engine)} VALIDATE CONSTRAINT {quote(op.name, ctx.engine)};",
            )
            return


RULE = Rule(
    check=check,
    id="validate-in-same-transaction",
    severity="error",
    summary="VALIDATE CONSTRAINT in the same transaction as the statement that took a strong lock",
    why=(
        "NOT VALID + VALIDATE CONSTRAINT avoids blocking only if VALIDATE runs in its own transaction. "
        "Locks are held until commit, so a VALIDATE after ADD CONSTRAINT ... NOT VALID (ACCESS "
        "EXCLUSIVE, or SHARE ROW EXCLUSIVE for a foreign key) in the same transaction scans the whole "
        "table while that strong lock is still held: exactly what NOT VALID was meant to avoid."
    ),
    fix="Put VALIDATE CONSTRAINT in the next migration.",
    engines=("postgresql",),
    kinds=("validate_constraint",),
    anchors="squawk constraint-missing-not-valid (same transaction); strong_migrations validate_check_constraint",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive CHECK (quantity > 0) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_quantity_positive;

-- migrate:down
ALTER TABLE orders DROP CONSTRAINT orders_quantity_positive;
""",
            good="""-- file: 20240101000000_quantity_check.sql
-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive CHECK (quantity > 0) NOT VALID;

-- migrate:down
ALTER TABLE orders DROP CONSTRAINT orders_quantity_positive;
-- file: 20240102000000_validate_quantity_check.sql
-- migrate:up
ALTER TABLE orders VALIDATE CONSTRAINT orders_quantity_positive;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
