"""What every operation of an `operations = [...]` migration is: SQL for up and for down, per engine.

Operations compile to plain SQL statements, so the runner executes, resumes and records them as it
does a SQL file's, and lint, plan and test analyse exactly the statements that will run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shoring.engines.description import describe
from shoring.errors import ShoringError
from shoring.operations.dialects import Dialect, Unsupported

#: A column type as SQL writes it: names, sizes, arrays. Anything else is not a type (and would be
#: pasted into DDL unquoted), so it is refused.
_TYPE = re.compile(r"[A-Za-z_][A-Za-z0-9_ ]*(\(\s*\d+(\s*,\s*\d+)?\s*\))?( *\[\])*( +[A-Za-z_][A-Za-z0-9_ ]*)?")


@dataclass(frozen=True)
class Step:
    """A statement that the runner does not send as it is: `action.run(engine, checkpoint=, say=,
    own_transactions=)` runs in its place (a backfill's batch loop, a check); `sql` is what each
    round of it runs, for lint, plan and the history."""

    sql: str
    action: Any


class BaseOperation:
    #: True when a statement of it must not run inside a transaction block (CONCURRENTLY), or when
    #: its statements must each commit on their own to keep locks short (NOT VALID, then VALIDATE):
    #: a migration holding one runs statement by statement unless its header says otherwise.
    outside_transaction: bool = False
    #: Tables whose rows down leaves as up changed them (rehearsal does not expect them restored).
    rollback_keeps: tuple[str, ...] = ()
    #: Expand-contract pairs: the change an expand starts and its contract ends, as one key.
    expands: tuple | None = None
    contracts: tuple | None = None
    #: Lint rules whose hazard the operation's compiled SQL handles by construction, so lint does not
    #: report them at its line. Every operation: the runner records each statement and resumes at the
    #: one that failed, so none runs twice (non-idempotent-statement), and an operation's ALTERs are its
    #: chosen route, which the user cannot combine (multiple-alters-same-table).
    lint_handled: frozenset[str] = frozenset({"non-idempotent-statement", "multiple-alters-same-table"})
    #: True when the user can make the operation undoable by giving it more (RunSQL's down_sql=,
    #: DropIndex's columns=): lint's missing-down is then an error, else a warning that it has no undo.
    undo_from_arguments: bool = False
    #: Lint rules reported as warnings, not errors, at its line: a hazard the operation cannot avoid on
    #: some engine, which it already takes the least blocking way there (the user may choose another).
    lint_warns: frozenset[str] = frozenset()
    #: Operation kinds (analysis/operations.py) of its own statements that plan must not read as what
    #: they look like (a contract's DROP COLUMN loses no data; its RENAME breaks no code).
    plan_handled: frozenset[str] = frozenset()
    #: An operation only some engines have: the capability flag of the engine's description
    #: (shoring.engines.description) it needs, and what to do instead where the flag is off.
    needs: str | None = None
    unsupported: str = ""

    def require(self, d: Dialect) -> None:
        """Unsupported (with `unsupported`'s advice) on an engine without the capability the operation needs."""
        if self.needs and not getattr(d, self.needs):
            raise Unsupported(self.unsupported)

    def deploy_before(self) -> list[str]:
        """The code to deploy before it, said in place of what plan reads from the kinds it handles."""
        return []

    def outside_transaction_on(self, dialect: str) -> bool:
        """outside_transaction, on this engine (CONCURRENTLY and NOT VALID/VALIDATE matter on PostgreSQL only)."""
        return self.outside_transaction

    def up(self, d: Dialect) -> list[str | Step]:
        raise NotImplementedError

    def down(self, d: Dialect) -> list[str] | None:
        """Statements that undo up; None when nothing can (the migration then has no down)."""
        return None

    def describe(self) -> str:
        return type(self).__name__

    def contract(self) -> "BaseOperation | None":
        """An expand's contract (what `shoring complete` runs when no migration file holds it); None otherwise."""
        return None


class PostgresOnlineSteps:
    """For operations whose statements must commit one by one only on PostgreSQL (CONCURRENTLY, NOT VALID
    then VALIDATE); elsewhere they may share the migration's transaction (SQLite) or commit anyway (MySQL)."""

    def outside_transaction_on(self, dialect: str) -> bool:
        return describe(dialect).outside_transaction_steps and self.outside_transaction


def check_identifier(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ShoringError(f"{what} must be a non-empty string, not {value!r}")
    return value


def check_identifiers(values: object, what: str) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    items = tuple(values) if isinstance(values, (list, tuple)) else ()
    if not items:
        raise ShoringError(f"{what} must name at least one column")
    return tuple(check_identifier(v, what) for v in items)


def check_type(value: object) -> str:
    if not isinstance(value, str) or not _TYPE.fullmatch(value.strip()):
        raise ShoringError(f"column type {value!r} is not a SQL type name (e.g. 'bigint', 'varchar(255)', 'numeric(10, 2)')")
    return value.strip()
