"""A statement the parser cannot read is reported where it is, and analysis goes on."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, short_sql


def check(ctx):
    for st in ctx.statements(("up", "down")):
        if st.error:
            line, column = st.position(st.error_offset)
            yield ctx.finding(
                RULE, st, f"cannot parse this statement: {st.error}", line=line, column=column,
                suggestion=f"-- the statement as read:\n-- {short_sql(st.sql, 200)}",
            )


RULE = Rule(
    check=check,
    id="parse-error",
    severity="error",
    summary="A statement the engine's parser cannot read",
    why=(
        "PostgreSQL statements are read by PostgreSQL's own parser (libpg_query through pglast), so a "
        "statement it rejects would fail on the server too. MySQL/MariaDB and SQLite statements are "
        "read by sqlglot, which knows less than the servers: a statement it cannot read may still be "
        "valid; check it, and suppress this finding with a reason if it is. Nothing else is checked "
        "in an unreadable statement, so hazards in it go unseen."
    ),
    fix="Correct the statement (check --engine matches the database).",
    engines=("postgresql", "mysql", "sqlite"),
    anchors="squawk reports parse errors the same way",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname text DEFALT 'x';

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname text;

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname VARCHAR(50) DEFAULT;

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname VARCHAR(50) NULL;

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
        ),
        "sqlite": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname TEXT DEFAULT ('x';

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname TEXT;

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
        ),
    },
)
