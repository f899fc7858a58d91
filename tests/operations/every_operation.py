"""A project that uses every operation's EXAMPLES (docs/operations.md), expand before contract, each in
a migration with the header a careful user writes: what `shoring lint` and `plan` must find clean."""

from __future__ import annotations

from pathlib import Path

from shoring.operations import AddColumn, CreateTable, RenameColumn, RunSQL
from shoring.operations.docs import operation_modules, repr_call

#: Tables the examples work on, made first (the examples' own CreateTable makes `audit`).
SETUP = [
    CreateTable("people", {"id": "bigint PRIMARY KEY", "name": "varchar(50)", "email": "varchar(255)",
                           "age": "varchar(10)", "legacy_flag": "boolean"}),
    CreateTable("orders", {"id": "bigint PRIMARY KEY", "user_id": "bigint", "total": "integer"}),
    CreateTable("settings", {"name": "varchar(50) PRIMARY KEY", "value": "varchar(50)"}),
    CreateTable("legacy_sessions", {"id": "bigint PRIMARY KEY"}),
    CreateTable("payments", {"id": "bigint PRIMARY KEY", "amount": "INT NOT NULL"}),
]

#: Module name (operations/<name>.py) in the order their examples can run one after another, with
#: the operations in between that put the schema back where the next example expects it.
ORDER = [
    "rename_table", "create_table", "add_column", "backfill", "create_index", "drop_index", "add_unique",
    "add_check", "add_foreign_key", "set_not_null", "drop_column", "drop_table", "run_sql",
    "rename_column", [RenameColumn("users", "display_name", "name")],
    "expand_change_type", "expand_rename_column", "online_alter", "repack", "partition_table",
]
#: PartitionTable's example partitions this PostgreSQL-only table
PARTITION_SETUP = [CreateTable("events", {"id": "bigint PRIMARY KEY", "created_at": "timestamptz NOT NULL"})]
#: Repack runs pg_repack, which needs its extension in the database (the server has it: .ci/run installs it)
REPACK_EXTENSION = [RunSQL("CREATE EXTENSION IF NOT EXISTS pg_repack", down_sql="DROP EXTENSION IF EXISTS pg_repack")]

#: What a careful user declares for an example that breaks old code or cannot be undone: the header
#: lint's own suggestions ask for, and for a rename done on purpose the suppression with its reason.
HEADERS = {
    "RenameTable": "Breaking-Changes: code must use users, not people",
    "RenameColumn": "Breaking-Changes: code must use the new column name",
    "DropColumn": "Phase: contract\nBreaking-Changes: code must no longer read users.legacy_flag\nRollback: irreversible; restore from backup",
    "DropTable": "Phase: contract\nBreaking-Changes: code must no longer read legacy_sessions\nRollback: irreversible; restore from backup",
    "SetNotNull": "Breaking-Changes: code must always write users.email",
    "ContractRenameColumn": "Phase: contract\nBreaking-Changes: code must no longer use users.name\nRollback: none; the data lives on in users.display_name",
    "ContractChangeType": "Phase: contract\nBreaking-Changes: code must read users.age as integer\nRollback: none; the converted data is kept",
    "ExpandRenameColumn": "Phase: expand",
    "PartitionTable": "Phase: expand",
    "ContractPartitionTable": "Phase: contract\nRollback: irreversible; restore from backup",
    "ExpandChangeType": "Phase: expand",
}
SUPPRESSIONS = {
    "RenameTable": "# shoring:ignore-file rename-table released in a maintenance window with the code that uses users",
    "RenameColumn": "# shoring:ignore-file rename-column released in a maintenance window with the code that uses it",
}


def _repack_expected() -> bool:
    import os
    import shutil

    return shutil.which("pg_repack") is not None or os.environ.get("CI", "").lower() in ("1", "true", "yes")


def examples_by_module() -> dict[str, list]:
    return {module.__name__.rsplit(".", 1)[1]: list(module.EXAMPLES) for module in operation_modules()}


def migration_text(ops: list, header: str = "", suppression: str = "") -> str:
    names = sorted({type(op).__name__ for op in ops})
    doc = "\n".join(["Purpose: " + ", ".join(names), "Rollback: the operations' own undo", "Estimated-Time: < 1 s (empty tables)"])
    for line in header.splitlines():  # the header's own lines win
        key = line.split(":", 1)[0]
        doc = "\n".join(x for x in doc.splitlines() if not x.startswith(key + ":"))
        doc += "\n" + line
    body = ",\n".join(f"    {repr_call(op)}" for op in ops)
    extra = f"{suppression}\n" if suppression else ""
    return f'"""{doc}\n"""\n{extra}from shoring.operations import {", ".join(names)}\n\noperations = [\n{body},\n]\n'


def write_project(migrations: Path, engine: str) -> list[Path]:
    """One migration per example (expand and contract apart), in ORDER; OnlineAlter only on MySQL."""
    examples = examples_by_module()
    covered = {m for m in ORDER if isinstance(m, str)}
    assert covered == set(examples), f"every operation module's EXAMPLES belongs in ORDER: {set(examples) ^ covered}"
    groups: list[list] = [SETUP]
    for item in ORDER:
        if not isinstance(item, str):
            groups.append(item)
            continue
        if item == "online_alter" and engine != "mysql":
            continue  # it has no form elsewhere (an error naming the file and line)
        if item == "partition_table":
            if engine != "postgresql":
                continue  # declarative partitioning is PostgreSQL's
            groups.append(PARTITION_SETUP)
        if item == "repack":
            if engine != "postgresql" or not _repack_expected():
                continue  # pg_repack is PostgreSQL's (and CI installs it; elsewhere it may be missing)
            groups.append(REPACK_EXTENSION)
        groups.extend([op] for op in examples[item])
    paths = []
    for number, ops in enumerate(groups, start=1):
        kind = type(ops[0]).__name__ if len(ops) == 1 else ""
        path = migrations / f"{20260101000000 + number}_{type(ops[0]).__name__.lower()}.py"
        path.write_text(migration_text(ops, HEADERS.get(kind, ""), SUPPRESSIONS.get(kind, "")), encoding="utf-8")
        paths.append(path)
    return paths
