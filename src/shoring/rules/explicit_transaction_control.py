"""BEGIN/COMMIT in a migration fights the runner, which already manages the transaction."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx):
    if ctx.kind == "python":
        return
    for section in ("up", "down"):
        open_at = None
        for st in ctx.section(section):
            for op in st.operations:
                if op.kind != "transaction":
                    continue
                action = op.get("action")
                if ctx.kind == "shoring" and action in ("begin", "commit", "rollback"):
                    yield ctx.finding(
                        RULE, st, f"{action.upper()} in a migration: shoring runs each migration in its own transaction "
                                  f"(or statement by statement with `-- Transaction: false`)"
                                  + (", so this COMMIT ends it early and what follows is not rolled back on failure"
                                     if action == "commit" and ctx.wrapped else ""),
                        op=op, suggestion="-- delete it; use the `-- Transaction: false` header for statements that cannot run in a transaction",
                    )
                if ctx.kind == "plain":
                    if action == "begin" and open_at is not None:
                        yield ctx.finding(
                            RULE, st, f"BEGIN inside the transaction opened on line {open_at.line}: PostgreSQL only warns "
                                      f"and goes on in the outer one, MySQL commits it, SQLite refuses",
                            op=op, suggestion="COMMIT;  -- end the first transaction before opening another")
                    elif action in ("commit", "rollback") and open_at is None:
                        yield ctx.finding(
                            RULE, st, f"{action.upper()} with no BEGIN before it: outside a transaction it does nothing "
                                      f"(PostgreSQL warns, SQLite refuses); inside the transaction a tool wraps the file in, "
                                      f"it ends that one early and the rest of the file is no longer rolled back with it",
                            op=op, suggestion=f"-- delete this {action.upper()}, or open the transaction with BEGIN;")
                if action == "begin":
                    open_at = open_at or st
                elif action in ("commit", "rollback"):
                    open_at = None
        if ctx.kind == "plain" and open_at is not None:
            yield ctx.finding(RULE, open_at, "BEGIN is never committed: the file ends inside a transaction, which is "
                                             "rolled back (or left open) when the session ends",
                              suggestion="COMMIT;  -- at the end of the file")


RULE = Rule(
    check=check,
    id="explicit-transaction-control",
    severity="error",
    summary="BEGIN/COMMIT/ROLLBACK inside a shoring migration; in plain SQL a BEGIN never committed, a nested BEGIN or a COMMIT with no BEGIN",
    why=(
        "shoring's runner opens the migration's transaction, records it in the history table in "
        "the same transaction and commits both together. A COMMIT in the file ends that "
        "transaction early: a later failure leaves half the migration applied and the history "
        "wrong. A BEGIN nests (PostgreSQL warns and ignores it; MySQL commits the open "
        "transaction). Plain SQL files from other tools may manage their own transactions, but "
        "one that opens with BEGIN and never commits loses its work, a BEGIN inside an open "
        "transaction does not nest, and a COMMIT with no BEGIN (a second COMMIT) commits the "
        "transaction of the tool running the file, or nothing."
    ),
    fix="Remove BEGIN/COMMIT; use `-- Transaction: false` where statements need it.",
    engines=("postgresql", "mysql", "sqlite"),
    anchors="squawk transaction-nesting, ban-uncommitted-transaction",
    examples={
        engine: Example(
            bad=f"""-- migrate:up
BEGIN;
ALTER TABLE users ADD COLUMN nickname {typ};
COMMIT;

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
            good=f"""-- migrate:up
ALTER TABLE users ADD COLUMN nickname {typ};

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
        )
        for engine, typ in (("postgresql", "text"), ("mysql", "VARCHAR(50)"), ("sqlite", "TEXT"))
    },
)
