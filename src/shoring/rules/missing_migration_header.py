"""The seed's header (purpose, rollback, estimated time) is how a migration is reviewed and run."""

from __future__ import annotations

from shoring.lint.base import Example, Rule

REQUIRED = ("Purpose", "Rollback", "Estimated-Time")


def check(ctx):
    if ctx.kind == "plain":
        return
    missing = [k for k in REQUIRED if not ctx.migration.metadata.get(k)]
    if not missing:
        return
    yield ctx.finding(
        RULE, None, f"header lacks {', '.join(missing)}", line=1, column=1,
        suggestion="\n".join(f"-- {k}: <{ {'Purpose': 'why the change is made', 'Rollback': 'how to undo it, what cannot be undone', 'Estimated-Time': 'how long on production volume'}[k] }>"
                             for k in missing),
    )


RULE = Rule(
    check=check,
    id="missing-migration-header",
    severity="info",
    summary="A migration without the seed's Purpose / Rollback / Estimated-Time header lines",
    why=(
        "The seed asks every migration to document its purpose and impact and to estimate its "
        "execution time before it runs; `shoring new` writes the header for that. Reviewers read "
        "it, `shoring plan` shows it next to its own estimate, and the on-call engineer reads "
        "Rollback when something goes wrong. Plain SQL files from other tools are not asked for it."
    ),
    fix="Fill in the header `shoring new` writes.",
    engines=("postgresql", "mysql", "sqlite"),
    examples={
        engine: Example(
            bad=f"""-- migrate:up
ALTER TABLE users ADD COLUMN nickname {typ};

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
            good=f"""-- Purpose: let users pick a display nickname
-- Rollback: safe; the column is dropped
-- Estimated-Time: < 1 s (metadata only)
-- migrate:up
ALTER TABLE users ADD COLUMN nickname {typ};

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
        )
        for engine, typ in (("postgresql", "text"), ("mysql", "VARCHAR(50)"), ("sqlite", "TEXT"))
    },
)
