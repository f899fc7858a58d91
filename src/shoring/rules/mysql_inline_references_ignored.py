"""MySQL parses a column-level REFERENCES clause and throws it away: no foreign key is created."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    if ctx.server.inline_references:
        return  # MariaDB 10.5+ creates the foreign key
    specs = (op.get("columns") or []) if op.kind == "create_table" else [op.get("spec")]
    for spec in specs:
        if spec is not None and spec.references:
            e = ctx.engine
            yield ctx.finding(
                RULE, st, f"REFERENCES {spec.references} on column {spec.name} is ignored by MySQL: no foreign key is created",
                op=op, suggestion=f"CONSTRAINT {quote((op.table.split('.')[-1] + '_' + spec.name + '_fk')[:64], e)} "
                                  f"FOREIGN KEY ({quote(spec.name, e)}) REFERENCES {quote(spec.references, e)} (<column>)",
            )


RULE = Rule(
    check=check,
    id="mysql-inline-references-ignored",
    severity="warning",
    summary="Column-level REFERENCES on MySQL, which creates no foreign key",
    why=(
        "MySQL (up to 8.x) accepts `col INT REFERENCES other(id)` and silently ignores it: the "
        "schema looks constrained but nothing is enforced. Only a table-level FOREIGN KEY clause "
        "creates the constraint. MariaDB 10.5 and later honour the inline form."
    ),
    fix="A table-level CONSTRAINT ... FOREIGN KEY (...) REFERENCES ... clause.",
    engines=("mysql",),
    kinds=("create_table", "add_column"),
    anchors="Atlas MY102",
    examples={
        "mysql": Example(
            bad="""-- migrate:up
CREATE TABLE payments (id BIGINT AUTO_INCREMENT PRIMARY KEY, order_id BIGINT NOT NULL REFERENCES orders (id));

-- migrate:down
DROP TABLE payments;
""",
            good="""-- migrate:up
CREATE TABLE payments (
    id BIGINT AUTO_INCREMENT PRIMARY KEY,
    order_id BIGINT NOT NULL,
    CONSTRAINT payments_order_fk FOREIGN KEY (order_id) REFERENCES orders (id)
);

-- migrate:down
DROP TABLE payments;
""",
        ),
    },
)
