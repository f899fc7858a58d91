"""`shoring new NAME --pattern P`: the seed's safe way to make a common change, written as operations.

Each pattern is a row: the options it needs, the operations it writes, and what its header says.
The file is an ordinary operations migration, so lint, plan, test and apply read it as any other.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Callable

import click


@dataclass(frozen=True)
class Pattern:
    needs: tuple[str, ...]  # options that must be given
    takes: tuple[str, ...]  # options it may be given
    operations: Callable[[dict[str, Any]], list[tuple[str, tuple, dict]]]  # options -> (operation, args, keywords)
    purpose: Callable[[dict[str, Any]], str]
    rollback: str | Callable[[dict[str, Any]], str]
    breaking: str | Callable[[dict[str, Any]], str] = "none"
    next_step: Callable[[dict[str, Any]], str | None] = lambda o: None


#: SQLite adds these constraints by its 12-step table rebuild, which has no undo
_SQLITE_REBUILD = "on SQLite (a table rebuild) irreversible: restore from backup"


#: a contract drops the old column: its values cannot come back
_CONTRACT_ROLLBACK = "irreversible: the old column and its values are dropped; restore from backup"


_CONTRACT_BREAKS = "drops the old {table}.{column}: deploy code that no longer uses it first"


def _cols(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def _contract_hint(kind: str) -> Callable[[dict[str, Any]], str | None]:
    def hint(o: dict[str, Any]) -> str | None:
        if o.get("contract"):
            return None
        extra = f" --to {o['to']}" if kind == "rename-column" else ""
        return (f"next: once no running code uses the old {'name' if kind == 'rename-column' else 'type'}, write the contract: "
                f"shoring new {o['name']}_contract --pattern {kind} --table {o['table']} --column {o['column']}{extra} --contract")
    return hint


PATTERNS: dict[str, Pattern] = {
    "add-column": Pattern(
        needs=("table", "column", "type"), takes=("default",),
        operations=lambda o: [("AddColumn", (o["table"], o["column"], o["type"]), {"default": o["default"]} if "default" in o else {})],
        purpose=lambda o: f"add {o['table']}.{o['column']} ({o['type']}), nullable" + (f" with default {o['default']!r}" if "default" in o else ""),
        rollback="safe; the column is dropped",
    ),
    "rename-column": Pattern(
        needs=("table", "column", "to"), takes=("type", "contract"),
        operations=lambda o: [("ContractRenameColumn", (o["table"], o["column"], o["to"]), {})] if o.get("contract") else
        [("ExpandRenameColumn", (o["table"], o["column"], o["to"]), {"type": o["type"]})],
        purpose=lambda o: (f"contract: drop {o['table']}.{o['column']} (now {o['to']}) and its sync triggers" if o.get("contract") else
                           f"expand: {o['table']}.{o['column']} is also {o['to']}, kept in step by triggers and backfilled"),
        rollback=lambda o: _CONTRACT_ROLLBACK if o.get("contract") else "safe; the new column and its triggers are dropped",
        breaking=lambda o: _CONTRACT_BREAKS.format(**o) if o.get("contract") else "none: both names work until the contract",
        next_step=_contract_hint("rename-column"),
    ),
    "change-type": Pattern(
        needs=("table", "column"), takes=("type", "using", "contract"),
        operations=lambda o: [("ContractChangeType", (o["table"], o["column"]), {})] if o.get("contract") else
        [("ExpandChangeType", (o["table"], o["column"], o["type"]), {"using": o["using"]} if o.get("using") else {})],
        purpose=lambda o: (f"contract: {o['table']}.{o['column']} becomes its converted copy" if o.get("contract") else
                           f"expand: {o['table']}.{o['column']}_new as {o['type']}, converted by triggers and backfilled, checked for lost values"),
        rollback=lambda o: _CONTRACT_ROLLBACK if o.get("contract") else "safe; the new column and its triggers are dropped",
        breaking=lambda o: _CONTRACT_BREAKS.format(**o) if o.get("contract") else "none: the old column works until the contract",
        next_step=_contract_hint("change-type"),
    ),
    "add-index": Pattern(
        needs=("table", "columns"), takes=("unique", "index_name"),
        operations=lambda o: [("CreateIndex", (o.get("index_name") or f"{o['table']}_{'_'.join(_cols(o['columns']))}_idx", o["table"], _cols(o["columns"])),
                               {"unique": True} if o.get("unique") else {})],
        purpose=lambda o: f"{'unique ' if o.get('unique') else ''}index on {o['table']} ({', '.join(_cols(o['columns']))}), built without blocking writes",
        rollback="safe; the index is dropped",
    ),
    "add-foreign-key": Pattern(
        needs=("table", "column", "references"), takes=("references_column",),
        operations=lambda o: [("AddForeignKey", (o["table"], _cols(o["column"]), o["references"]),
                               {"referenced_columns": _cols(o["references_column"])} if o.get("references_column") else {})],
        purpose=lambda o: f"{o['table']}.{o['column']} references {o['references']}, added NOT VALID and validated on its own",
        rollback=f"safe; the constraint is dropped; {_SQLITE_REBUILD}",
    ),
    "set-not-null": Pattern(
        needs=("table", "column"), takes=("type",),
        operations=lambda o: [("SetNotNull", (o["table"], o["column"]), {"type": o["type"]} if o.get("type") else {})],
        purpose=lambda o: f"{o['table']}.{o['column']} NOT NULL, proved by a validated CHECK before it is set",
        rollback=f"safe; the column is nullable again; {_SQLITE_REBUILD}",
        breaking="writes of NULL into the column fail from now on",
    ),
    "backfill": Pattern(
        needs=("table",), takes=("set", "set_sql", "where", "batch_size"),
        operations=lambda o: [("Backfill", (o["table"],), {k: o[k] for k in ("set", "set_sql", "where", "batch_size") if o.get(k)})],
        purpose=lambda o: f"backfill {o['table']} in key-range batches, each committed with a checkpoint"
        + (f" where {o['where']}" if o.get("where") else ""),
        rollback="keeps the values written (the schema change's own down removes the column)",
    ),
}


def phase(pattern: str, options: dict[str, Any]) -> str | None:
    """The seed's phase, for the header: lint holds a contract's drops to what the contract phase allows."""
    if pattern in ("rename-column", "change-type"):
        return "contract" if options.get("contract") else "expand"
    return "backfill" if pattern == "backfill" else None


def value(text: str) -> Any:
    """A value as the user typed it: true/false/null, a number, a quoted string, else the text itself."""
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("null", "none"):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def pattern_options(pattern: str, given: dict[str, Any]) -> dict[str, Any]:
    spec = PATTERNS[pattern]
    options = {k: v for k, v in given.items() if v not in (None, (), False)}
    missing = [k for k in spec.needs if k not in options]
    if pattern == "rename-column" and not given.get("contract") and "type" not in options:
        missing.append("type")  # the new column is created with it
    if pattern == "change-type" and not given.get("contract") and "type" not in options:
        missing.append("type")
    if pattern == "backfill" and not (options.get("set") or options.get("set_sql")):
        missing.append("set")
    if missing:
        flags = ", ".join("--" + m.replace("_", "-") for m in missing)
        raise click.UsageError(f"--pattern {pattern} needs {flags}")
    unused = [k for k in options if k not in (*spec.needs, *spec.takes, "name")]
    if unused:
        raise click.UsageError(f"--pattern {pattern} does not take {', '.join('--' + u.replace('_', '-') for u in unused)}")
    if "default" in options:
        options["default"] = value(options["default"])
    if options.get("set"):
        pairs = {}
        for item in options["set"]:
            column, sep, raw = item.partition("=")
            if not sep or not column.strip():
                raise click.UsageError(f"--set takes COLUMN=VALUE, not {item!r}")
            pairs[column.strip()] = value(raw)
        options["set"] = pairs
    return options


def render(pattern: str, options: dict[str, Any]) -> tuple[str, list[str]]:
    """(the operations source, the names to import)."""
    spec = PATTERNS[pattern]
    calls, names = [], []
    for name, args, kwargs in spec.operations(options):
        names.append(name)
        parts = [repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()]
        calls.append(f"    {name}({', '.join(parts)}),")
    return "\n".join(calls), sorted(set(names))
