"""An up section with no statement: apply would record the migration as applied and change nothing."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx):
    if ctx.kind == "python" or ctx.up:
        return
    migration = ctx.migration
    line = migration.up.line if getattr(migration, "up", None) is not None else 1
    what = "operations = [...] lists no operation" if ctx.kind == "operations" else "the up section holds no statement"
    yield ctx.finding(
        RULE, None, f"{what}: apply would record the migration as applied without changing anything, and the "
                    f"change written into it later would be an edited applied file",
        line=line, column=1,
        suggestion="-- write the change under '-- migrate:up' (or delete the file if it is not needed)",
    )


RULE = Rule(
    check=check,
    id="empty-up-section",
    severity="error",
    summary="A migration whose up section is empty (a scaffold never filled in)",
    why=(
        "`shoring new` writes an empty migration to fill in. Applied as it is, it is recorded as applied "
        "and changes nothing; the statements written into it afterwards never run there, and the file "
        "then counts as an edited applied file. Fill it in or delete it before it reaches a database."
    ),
    fix="Write the statements under `-- migrate:up` (or list the operations), or delete the file.",
    engines=("postgresql", "mysql", "sqlite"),
    anchors="the seed's Create Scripts step",
    examples={
        engine: Example(
            bad="""-- Purpose: let users pick a display nickname
-- migrate:up

-- migrate:down
""",
            good=f"""-- Purpose: let users pick a display nickname
-- migrate:up
ALTER TABLE users ADD COLUMN nickname {typ};

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
        )
        for engine, typ in (("postgresql", "text"), ("mysql", "VARCHAR(50)"), ("sqlite", "TEXT"))
    },
)
