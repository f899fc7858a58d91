"""Which code must be deployed before a migration and which may follow it (expand–contract order).

The seed's rule: deploy backward-compatible code first, then migrate. Expand changes (new
tables, new nullable columns) are safe for running code, and code that uses them ships after.
Contract changes (drops, NOT NULL, stricter constraints) break code that still uses the old
schema, so the code that stops using it ships before. Renames break both old and new code; only
expand–contract (add, dual-write, backfill, switch, drop) keeps the application running.
"""

from __future__ import annotations

from shoring.analysis.model import AnalyzedStatement, Operation

#: kind -> (before: code to deploy first, after: code that may ship once applied, phase).
#: {t} table, {c} column, {n} name, {new} new name. None: nothing to say.
ORDER: dict[str, tuple[str | None, str | None, str]] = {
    "create_table": (None, "code that uses table {t}", "expand"),
    "add_column": (None, "code that reads or writes {t}.{c}", "expand"),
    "create_index": (None, None, "expand"),
    "create_view": (None, "code that uses view {t}", "expand"),
    "add_enum_value": (None, "code that writes the new value {v} of {n}", "expand"),
    "create_type": (None, None, "expand"),
    "drop_column": ("code that no longer reads or writes {t}.{c} (check ORMs that select every column)", None, "contract"),
    "drop_table": ("code that no longer uses table {t}", None, "contract"),
    "drop_view": ("code that no longer uses view {t}", None, "contract"),
    "drop_index": (None, None, "contract"),
    "drop_function": ("code that no longer calls {n}", None, "contract"),
    "drop_type": ("code that no longer uses type {n}", None, "contract"),
    "rename_column": ("(no safe order) old code uses {t}.{c}, new code {t}.{new}: expand–contract instead "
                      "(add {new}, write both, backfill, switch reads, drop {c})", None, "contract"),
    "rename_table": ("(no safe order) old code uses {t}, new code {new}: expand–contract instead "
                     "(new table or an updatable view under the old name)", None, "contract"),
    "alter_column_type": ("code that works with both the old and the new type of {t}.{c}", None, "contract"),
    "set_not_null": ("code that always writes {t}.{c} (every INSERT sets it)", None, "contract"),
    "drop_default": ("code that sets {t}.{c} explicitly on INSERT", None, "contract"),
    "add_constraint": ("code whose writes to {t} satisfy the new constraint", None, "contract"),
    "update": (None, None, "backfill"),
    "delete": (None, None, "backfill"),
    "insert": (None, None, "backfill"),
}
COMPATIBLE_TYPE_CHANGE = "alter_column_type"


def _fmt(template: str, op: Operation) -> str:
    return template.format(t=op.table or "?", c=op.column or "?", n=op.name or "?", new=op.get("new_name") or "?",
                           v=op.get("value") or "?")


def _written_columns(up: list[AnalyzedStatement]) -> dict[str, set[str] | None]:
    """table -> the columns the up section's UPDATEs set (None: one UPDATE whose columns are unknown)."""
    out: dict[str, set[str] | None] = {}
    for st in up:
        for op in st.operations:
            if op.kind != "update" or not op.table:
                continue
            columns = op.get("columns")
            if not columns or (op.table in out and out[op.table] is None):
                out[op.table] = None
            else:
                out.setdefault(op.table, set()).update(str(c).lower() for c in columns)
    return out


def deploy_order(up: list[AnalyzedStatement], new_columns: set[tuple[str, str]],
                 earlier_columns: set[tuple[str, str]] = frozenset(),
                 backfilled: set[str] = frozenset()) -> tuple[list[str], list[str], str]:
    """(before, after, phase) for a migration's up section.

    `new_columns` were added by this migration, `earlier_columns` by earlier migrations of the plan;
    `backfilled` are the tables this migration updates. A backfill of a column added earlier needs
    the code that writes it deployed in between, or rows written meanwhile stay unfilled.
    """
    before: list[str] = []
    after: list[str] = []
    phases: list[str] = []
    for st in up:
        for op, eff in zip(st.operations, st.effects):
            entry = ORDER.get(op.kind)
            if entry is None:
                continue
            b, a, phase = entry
            if op.new_table:
                b = a = None  # nothing runs against a table this migration just created
            elif (op.table, op.column) in new_columns and op.kind != "add_column":
                b = None  # nor against a column it just added
            if op.kind == COMPATIBLE_TYPE_CHANGE and eff.backward_compatible:
                b = None  # a widening: old code's values still fit
            if op.kind == "add_constraint" and op.get("not_valid"):
                b = "code whose new writes to {t} satisfy the constraint (existing rows are checked at VALIDATE)"
            if op.kind == "add_column":
                spec = op.get("spec")
                if spec is not None and spec.not_null and spec.default is None:
                    b = "code that sets {t}.{c} on every INSERT (the column is NOT NULL without a default)"
            if b and _fmt(b, op) not in before:
                before.append(_fmt(b, op))
            if a and _fmt(a, op) not in after:
                after.append(_fmt(a, op))
            if phase not in phases:
                phases.append(phase)
    if "contract" in phases:
        phase = "contract"
    elif "expand" in phases:
        phase = "expand"
    elif phases:
        phase = phases[0]
    else:
        phase = ""
    if backfilled:
        if phase == "":
            phase = "backfill"
        written = _written_columns(up)
        for t, c in sorted(earlier_columns):
            if t in backfilled and (written.get(t) is None or c.lower() in written[t]):
                text = f"code that writes {t}.{c} for new rows before the backfill runs, or rows written meanwhile stay unfilled"
                if text not in before:
                    before.append(text)
    return before, after, phase
