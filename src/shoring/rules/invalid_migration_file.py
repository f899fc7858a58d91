"""A file shoring cannot read as a migration is a finding, so one bad file does not hide the rest."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx):
    return ()  # the linter reports these itself: the file never gets as far as analysis


RULE = Rule(
    check=check,
    id="invalid-migration-file",
    severity="error",
    summary="A file that cannot be read as a migration (header typo, misplaced markers, not UTF-8)",
    why=(
        "shoring reads the seed's header (`-- Purpose:`, `-- Transaction:`, ...) and the "
        "`-- migrate:up` / `-- migrate:down` markers. A misspelt header key, a second up marker or a "
        "down section before the up section would make `shoring apply` refuse the file, so lint "
        "says so first, with the line."
    ),
    fix="Correct the line named in the message.",
    engines=("postgresql", "mysql", "sqlite"),
    examples={
        engine: Example(
            bad="""-- Purpse: add a nickname column
-- migrate:up
ALTER TABLE users ADD COLUMN nickname TEXT;

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
            good="""-- Purpose: add a nickname column
-- migrate:up
ALTER TABLE users ADD COLUMN nickname TEXT;

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
        )
        for engine in ("postgresql", "mysql", "sqlite")
    },
)
