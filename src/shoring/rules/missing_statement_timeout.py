"""Without statement_timeout, a statement holding a blocking lock can hold it for as long as it runs."""

from __future__ import annotations

from shoring.lint.base import Example, Rule
from shoring.lint.timeouts import STATEMENT_SETTINGS, blocking, sets


def check(ctx):
    if ctx.runner_settings.get("statement_timeout"):
        return
    names = STATEMENT_SETTINGS[ctx.engine]
    for section in ("up", "down"):
        first = None
        slow = None
        for st in ctx.section(section):
            if sets(st, names):
                break
            if blocking(ctx, st):
                first = first or st
                if st.scans or st.rewrites:
                    slow = st
                    break
        target = slow or first
        if target is None:
            continue
        detail = ("scans or rewrites while holding it" if slow is not None
                  else "is quick, but nothing bounds it if it is not")
        yield ctx.finding(
            RULE, target, f"no statement_timeout is set and this statement holds a lock that blocks other sessions: it {detail}",
            severity=None if slow is not None else "info",
            suggestion="SET statement_timeout = '60s';  -- or statement_timeout in shoring.toml; CONCURRENTLY builds need a longer one",
        )


RULE = Rule(
    check=check,
    id="missing-statement-timeout",
    severity="warning",
    summary="No statement timeout while a statement holds a lock that blocks other sessions",
    why=(
        "lock_timeout bounds the wait for a lock, not the time it is held. A statement that scans "
        "or rewrites a table while holding a lock that blocks writes (or reads) keeps the table "
        "unavailable until it finishes, however long that is. statement_timeout caps it: the "
        "statement fails and rolls back instead of stalling the application. Set it in the file or "
        "as statement_timeout in shoring.toml (the runner applies it). Warning when the statement "
        "scans or rewrites under the lock, info when it only takes the lock briefly."
    ),
    fix="SET statement_timeout (or statement_timeout in shoring.toml).",
    engines=("postgresql",),
    anchors="squawk require-statement-timeout (require-timeout-settings)",
    examples={
        "postgresql": Example(
            bad="""SET lock_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive CHECK (quantity > 0);
""",
            good="""-- file: V1__add_column.sql
SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive CHECK (quantity > 0) NOT VALID;
-- file: U1__add_column.sql
SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER TABLE orders DROP CONSTRAINT orders_quantity_positive;
""",
        ),
    },
)
