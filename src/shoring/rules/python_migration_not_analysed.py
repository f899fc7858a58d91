"""Python migrations run arbitrary code: lint says plainly that it did not check them."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx):
    if ctx.kind != "python":
        return
    st = ctx.up[0]
    yield ctx.finding(
        RULE, st, "Python migration: its up(ctx) code cannot be analysed statically; locks and rewrites are unknown",
        suggestion="# schema changes: operations = [...] from shoring.operations (lint reads them); "
                   "then run `shoring test` to rehearse the code on a scratch copy and see the locks it really takes",
    )


RULE = Rule(
    check=check,
    id="python-migration-not-analysed",
    severity="info",
    summary="A Python migration's up(ctx) code is not analysed (operations = [...] is)",
    why=(
        "SQL migrations are parsed and every statement is checked, and so are the statements a "
        "Python migration's `operations = [...]` compiles to. A Python migration's `up(ctx)` runs "
        "whatever code it contains, so lint cannot tell which locks it takes. It is reported at info "
        "level so that a clean lint is not mistaken for a checked migration; `shoring test` "
        "rehearses it and records the locks it actually takes."
    ),
    fix="Write schema changes as `operations = [...]` (shoring.operations), keep up(ctx) for data, and rehearse it with `shoring test`.",
    engines=("postgresql", "mysql", "sqlite"),
    examples={
        engine: Example(
            bad='''-- file: 20240101000000_backfill.py
"""Purpose: backfill display names"""


def up(ctx):
    ctx.execute("UPDATE users SET display_name = name WHERE display_name IS NULL")


def down(ctx):
    pass
''',
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN display_name TEXT;

-- migrate:down
ALTER TABLE users DROP COLUMN display_name;
""",
        )
        for engine in ("postgresql", "mysql", "sqlite")
    },
)
