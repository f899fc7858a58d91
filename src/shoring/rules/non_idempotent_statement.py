"""Outside a transaction, a statement that fails on a re-run turns one failure into a stuck migration."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule

#: kind -> (attr that says IF [NOT] EXISTS was written, the words to add, engines/flavours that have them)
GUARDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "create_table": ("if_not_exists", "IF NOT EXISTS", ("postgresql", "mysql", "mariadb", "sqlite")),
    "create_index": ("if_not_exists", "IF NOT EXISTS", ("postgresql", "mariadb", "sqlite")),
    "drop_table": ("if_exists", "IF EXISTS", ("postgresql", "mysql", "mariadb", "sqlite")),
    "drop_index": ("if_exists", "IF EXISTS", ("postgresql", "mariadb", "sqlite")),
    "add_column": ("if_not_exists", "IF NOT EXISTS", ("postgresql", "mariadb")),
    "drop_column": ("if_exists", "IF EXISTS", ("postgresql", "mariadb")),
    "add_enum_value": ("if_not_exists", "IF NOT EXISTS", ("postgresql",)),
    "drop_view": ("if_exists", "IF EXISTS", ("postgresql", "mysql", "mariadb", "sqlite")),
}
_WHERE = {
    "create_table": (r"^(\s*CREATE\s+(?:TEMP(?:ORARY)?\s+|UNLOGGED\s+)?TABLE)\b", r"\1 IF NOT EXISTS"),
    "create_index": (r"^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?)\b", r"\1 IF NOT EXISTS"),
    "drop_table": (r"^(\s*DROP\s+TABLE)\b", r"\1 IF EXISTS"),
    "drop_index": (r"^(\s*DROP\s+INDEX(?:\s+CONCURRENTLY)?)\b", r"\1 IF EXISTS"),
    "add_column": (r"\b(ADD\s+COLUMN)\b", r"\1 IF NOT EXISTS"),
    "drop_column": (r"\b(DROP\s+COLUMN)\b", r"\1 IF EXISTS"),
    "add_enum_value": (r"\b(ADD\s+VALUE)\b", r"\1 IF NOT EXISTS"),
    "drop_view": (r"^(\s*DROP\s+VIEW)\b", r"\1 IF EXISTS"),
}


def check(ctx, st, op):
    if st.in_transaction:
        return
    attr, words, where = GUARDS[op.kind]
    if op.get(attr) or ctx.flavour not in where:
        return
    pattern, repl = _WHERE[op.kind]
    fixed = re.sub(pattern, repl, st.sql, count=1, flags=re.I)
    commits = not ctx.description.transactional_ddl
    runner = " (MySQL commits each DDL statement on its own)" if commits else ""
    yield ctx.finding(
        RULE, st, f"runs outside a transaction{runner} without {words}: if the migration fails after it, re-running "
                  f"fails here", op=op, severity="info" if commits else None,
        suggestion=fixed.rstrip().rstrip(";") + ";",
    )


RULE = Rule(
    check=check,
    id="non-idempotent-statement",
    severity="warning",
    summary="A statement without IF [NOT] EXISTS in a migration that does not run in a transaction",
    why=(
        "The seed asks for idempotent scripts, safe to run again. In a transaction a failure rolls "
        "everything back, so a re-run starts clean. A migration marked `-- Transaction: false` (and "
        "every MySQL/MariaDB DDL, which commits on its own) keeps what ran before the failure; if "
        "its statements cannot run twice, the retry fails on the first one. Add IF [NOT] EXISTS "
        "where the engine has it. Info on MySQL, where shoring's runner resumes at the failed statement."
    ),
    fix="IF NOT EXISTS / IF EXISTS on each statement of a non-transactional migration.",
    engines=("postgresql", "mysql", "sqlite"),
    kinds=tuple(GUARDS),
    anchors="squawk prefer-robust-stmts",
    examples={
        "postgresql": Example(
            bad="""-- Transaction: false
-- migrate:up
CREATE INDEX CONCURRENTLY idx_orders_status ON orders (status);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS idx_orders_status;
""",
            good="""-- Transaction: false
-- migrate:up
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_status ON orders (status);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS idx_orders_status;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
CREATE TABLE audit_events (id BIGINT AUTO_INCREMENT PRIMARY KEY, message TEXT);

-- migrate:down
DROP TABLE IF EXISTS audit_events;
""",
            good="""-- migrate:up
CREATE TABLE IF NOT EXISTS audit_events (id BIGINT AUTO_INCREMENT PRIMARY KEY, message TEXT);

-- migrate:down
DROP TABLE IF EXISTS audit_events;
""",
        ),
        "sqlite": Example(
            bad="""-- Transaction: false
-- migrate:up
CREATE TABLE archived_sessions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);
DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE expires_at < '2024-01-01' LIMIT 1000);

-- migrate:down
DROP TABLE IF EXISTS archived_sessions;
""",
            good="""-- Transaction: false
-- migrate:up
CREATE TABLE IF NOT EXISTS archived_sessions (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);
DELETE FROM sessions WHERE rowid IN (SELECT rowid FROM sessions WHERE expires_at < '2024-01-01' LIMIT 1000);

-- migrate:down
DROP TABLE IF EXISTS archived_sessions;
""",
        ),
    },
)
