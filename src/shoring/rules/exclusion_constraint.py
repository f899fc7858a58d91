"""An EXCLUDE constraint on an existing table builds its index under ACCESS EXCLUSIVE, with no way round."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx, st, op):
    if op.new_table or op.get("constraint") != "exclude":
        return
    yield ctx.finding(
        RULE, st, f"ADD EXCLUDE {op.name or ''} on {op.table} builds its index while holding ACCESS EXCLUSIVE, and "
                  f"cannot be added NOT VALID or from a prebuilt index".replace("  ", " "),
        op=op, suggestion="-- give the new shape a new table that has the constraint from the start, copy rows in\n"
                          "-- batches and swap; or enforce the rule in a BEFORE INSERT OR UPDATE trigger",
    )


RULE = Rule(
    check=check,
    id="exclusion-constraint",
    severity="error",
    summary="Adding an EXCLUDE constraint to an existing table blocks reads and writes while it builds",
    why=(
        "EXCLUDE constraints are backed by an index that is built while ACCESS EXCLUSIVE is held. "
        "Unlike CHECK and FOREIGN KEY they cannot be added NOT VALID, and unlike UNIQUE they cannot "
        "adopt an index built CONCURRENTLY. Define them when the table is created, or move the data "
        "to a new table that has one."
    ),
    fix="Create the constraint with the table (a new table if need be), or enforce it in a trigger.",
    engines=("postgresql",),
    kinds=("add_constraint",),
    anchors="strong_migrations add_exclusion_constraint; Eugene E8",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE bookings ADD CONSTRAINT bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);

-- migrate:down
ALTER TABLE bookings DROP CONSTRAINT bookings_no_overlap;
""",
            good="""-- migrate:up
CREATE TABLE room_bookings (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room_id bigint NOT NULL,
    during tstzrange NOT NULL,
    CONSTRAINT room_bookings_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&)
);

-- migrate:down
DROP TABLE room_bookings;
""",
        ),
    },
)
