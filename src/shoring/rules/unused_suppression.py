"""A suppression that silences nothing is stale: it would hide the next real problem there."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx):
    return ()  # reported by shoring.lint.suppressions once every other rule has run


RULE = Rule(
    check=check,
    id="unused-suppression",
    severity="warning",
    summary="A `-- shoring:ignore` that matches no finding, names an unknown rule or precedes no statement",
    why=(
        "`-- shoring:ignore <rule>[, <rule>] reason` silences rules on the next statement and "
        "`-- shoring:ignore-file <rule> reason` in the whole file. When the statement changes, the "
        "suppression stays behind and would silently swallow a future finding of that rule; an "
        "unknown rule id is usually a typo that suppresses nothing."
    ),
    fix="Delete the suppression, or correct the rule id.",
    engines=("postgresql", "mysql", "sqlite"),
    examples={
        engine: Example(
            bad="""-- migrate:up
-- shoring:ignore drop-column the column was never read
ALTER TABLE users ADD COLUMN nickname TEXT;

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname TEXT;

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
        )
        for engine in ("postgresql", "mysql", "sqlite")
    },
)
