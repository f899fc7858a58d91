"""Work done after taking ACCESS EXCLUSIVE in the same transaction keeps the table locked for it."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, short_sql


def check(ctx):
    for section in ("up", "down"):
        held: dict[int, tuple[str, int]] = {}  # transaction -> (table, line) of the first ACCESS EXCLUSIVE
        reported: set[int] = set()
        for st in ctx.section(section):
            tx = st.transaction
            if tx is None or not st.in_transaction:
                continue
            if tx in held and tx not in reported:
                table, line = held[tx]
                other = [r for r, m in st.locks.items() if r != table and not ctx.catalog.is_new(r)
                         and m not in ("AccessShareLock",)]
                slow = st.scans or st.rewrites
                if slow or other:
                    why = (f"{'scans' if st.scans and not st.rewrites else 'rewrites'} {', '.join(st.rewrites or st.scans)}"
                           if slow else f"waits for a lock on {', '.join(other)}")
                    yield ctx.finding(
                        RULE, st, f"this statement {why} while the ACCESS EXCLUSIVE lock on {table} taken on line "
                                  f"{line} is held: {table} stays unreadable meanwhile",
                        suggestion=f"-- split the migration: {short_sql(st.sql, 60)} belongs in a migration of its own",
                    )
                    reported.add(tx)
            if tx not in held:
                for rel, mode in st.locks.items():
                    if mode == "AccessExclusiveLock" and not ctx.catalog.is_new(rel):
                        held[tx] = (rel, st.line)
                        break


RULE = Rule(
    check=check,
    id="statements-after-access-exclusive",
    severity="warning",
    summary="Slow statements (or locks on other tables) after ACCESS EXCLUSIVE in one transaction",
    why=(
        "Locks are held until the transaction ends. Once a statement has taken ACCESS EXCLUSIVE on "
        "a table, every later statement of the same migration runs while nobody can read or write "
        "that table: a backfill or an index build after a quick ADD COLUMN turns a millisecond "
        "lock into minutes. Waiting for a lock on a second table while holding the first also "
        "invites deadlocks. Keep the strong-lock statement last, or give the rest its own migration."
    ),
    fix="Split the migration, or order it so the ACCESS EXCLUSIVE statement comes last.",
    engines=("postgresql",),
    anchors="Eugene E4",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN status text;
UPDATE users SET status = 'active' WHERE status IS NULL;

-- migrate:down
ALTER TABLE users DROP COLUMN status;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN status text;

-- migrate:down
ALTER TABLE users DROP COLUMN status;
""",
        ),
    },
)
