"""Python migrations run arbitrary code: lint says plainly that it did not check them."""

from __future__ import annotations

from shoring.rules.base import Example, Rule


def check(ctx):
    if ctx.kind != "python":
        return
    st = ctx.up[0]
    op = st.operations[0]
    what = "its operations = [...]" if op.get("operations") else "its up(ctx) code"
    yield ctx.finding(
        RULE, st, f"Python migration: {what} cannot be analysed statically; locks and rewrites are unknown",
        suggestion="-- run `shoring test` to rehearse it on a scratch copy and see the locks it really takes",
    )


RULE = Rule(
    check=check,
    id="python-migration-not-analysed",
    severity="info",
    summary="A Python migration's code is not analysed (no operations framework to read yet)",
    why=(
        "SQL migrations are parsed and every statement is checked. A Python migration's `up(ctx)` "
        "runs whatever code it contains, and shoring has no operations framework yet whose "
        "`operations = [...]` it could read, so lint cannot tell which locks it takes. It is "
        "reported at info level so that a clean lint is not mistaken for a checked migration; "
        "`shoring test` rehearses it and records the locks it actually takes."
    ),
    fix="Rehearse it with `shoring test`.",
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
