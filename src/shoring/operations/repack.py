"""A table (and its indexes) rewritten compactly without blocking reads or writes: pg_repack on
PostgreSQL, where VACUUM FULL and CLUSTER would hold ACCESS EXCLUSIVE for the whole rewrite.

pg_repack copies the table into a new one while a trigger logs the changes made meanwhile, replays
them, and swaps the files in; it takes ACCESS EXCLUSIVE only for moments at the start and the end.
It needs the pg_repack client installed (Debian: postgresql-15-repack) and the extension in the
database (`CREATE EXTENSION pg_repack`); without either, the migration fails before touching the table.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Callable

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, Step, check_identifier
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class Repack(BaseOperation):
    table: str  # may be schema-qualified
    order_by: str | None = None  # CLUSTER's online form: rows rewritten in this order (SQL, e.g. "created_at")
    jobs: int = 1  # parallel index builds (pg_repack --jobs)
    timeout: float = 3600.0  # seconds the pg_repack run may take
    outside_transaction = True  # another process does the work, committing as it goes
    needs = "pg_repack"
    unsupported = ("Repack runs pg_repack, for PostgreSQL: on MySQL/MariaDB `OPTIMIZE TABLE` rebuilds "
                   "InnoDB tables online (RunSQL), on SQLite VACUUM")

    def __post_init__(self):
        check_identifier(self.table, "table")
        if not isinstance(self.jobs, int) or self.jobs < 1:
            raise ShoringError(f"jobs must be a positive integer, not {self.jobs!r}")

    def up(self, d: Dialect) -> list[Step]:
        self.require(d)
        sql = f"CLUSTER {d.table(self.table)}" if self.order_by else f"VACUUM FULL {d.table(self.table)}"
        return [Step(sql, PgRepack(self.table, self.order_by, self.jobs, self.timeout))]

    def down(self, d: Dialect) -> list[str]:
        return []  # the same rows in other files: nothing to undo

    def describe(self) -> str:
        return f"Repack {self.table}"


@dataclass(frozen=True)
class PgRepack:
    """The pg_repack run as a statement's action (see shoring.operations.base.Step)."""

    table: str
    order_by: str | None
    jobs: int
    timeout: float
    op_marks = {"online_copy": True}  # analysis: the rewrite does not block; the rules about VACUUM FULL let it be

    @staticmethod
    def adjust_effect(eff: Any) -> Any:
        from dataclasses import replace

        return replace(eff, locks={rel: "ShareUpdateExclusiveLock" for rel in eff.locks},
                       note="rewritten online by pg_repack: ACCESS EXCLUSIVE only for moments at the start and the swap")

    def command(self) -> list[str]:
        binary = shutil.which("pg_repack")
        if binary is None:
            raise ShoringError("Repack needs the pg_repack client, which is not installed here "
                               "(Debian/Ubuntu: apt-get install postgresql-15-repack, matching the server's major version)")
        args = [binary, "--no-superuser-check", "--table", self.table, "--jobs", str(self.jobs)]
        if self.order_by:
            args += ["--order-by", self.order_by]
        return args

    def run(self, engine: Any, *, say: Callable[[str], None] = lambda s: None, own_transactions: bool = True,
            **options: Any) -> None:
        from shoring.runner.backup import tool_environment

        if not own_transactions:
            raise ShoringError("pg_repack works from its own connections: Repack cannot run inside a transaction "
                               "(remove `Transaction: true` from the migration's header)")
        if not engine.query_one("SELECT count(*) FROM pg_extension WHERE extname = 'pg_repack'")[0]:
            raise ShoringError(f"Repack needs the pg_repack extension in {engine.url.database}: run "
                               "`CREATE EXTENSION pg_repack` there first (a superuser may have to)")
        command = self.command()
        say(f"  pg_repack --table {self.table}" + (f" --order-by {self.order_by}" if self.order_by else ""))
        try:
            done = subprocess.run(command, env=tool_environment(engine), capture_output=True, text=True, timeout=self.timeout, check=False)
        except subprocess.TimeoutExpired:
            raise ShoringError(f"pg_repack of {self.table} took longer than {self.timeout:g}s and was stopped; "
                               "the table is unchanged (pg_repack swaps only at its end); `DROP EXTENSION pg_repack CASCADE` "
                               "and create it again to clear what it left") from None
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise ShoringError(f"pg_repack of {self.table} failed (exit {done.returncode}): {detail[-1] if detail else 'no output'}")


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [Repack("orders")]
