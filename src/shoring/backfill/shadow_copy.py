"""An ALTER that MySQL/MariaDB can only do by copying the table, done without blocking writes.

pt-online-schema-change's method: make an empty shadow table, ALTER it, keep it current with
triggers on the original (every insert, update and delete is replayed into it), copy the rows in
key-range batches (each batch with its checkpoint, so an interrupted copy resumes), check that
both tables hold the same number of rows, then swap the two names in one atomic RENAME and drop the
original. Until the RENAME the original is untouched: a failure anywhere before it loses nothing.

No value is cut to fit on the way. The batches run strict, so a row the new type cannot hold fails the
copy. The triggers are created strict too: MariaDB runs a trigger in the sql_mode it was created in, so
created in a non-strict session they cut such a value down in the shadow table, unseen, whatever the
application's own mode. Created strict, they refuse the application's write instead, with the error the
same write gets once the altered table is in place. Nothing is lost, and no window is left open: the
write and its trigger are one statement. Letting the write through and failing the copy instead would
leave a moment between the last check and the RENAME in which such a write could still slip by.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from shoring.backfill.checkpoint import SWAPPED, Checkpoint
from shoring.backfill.run import BackfillResult, quoter, walk_batches
from shoring.engines.base import StatementError
from shoring.errors import ShoringError
from shoring.faults import kill_point

#: MySQL identifiers: 64 characters at most
_MAX = 64


@dataclass(frozen=True)
class ShadowCopy:
    op_marks = {"online_copy": True}  # analysis: the rules that warn of blocking copies let it be

    table: str
    alter: str  # the ALTER TABLE clauses, e.g. "MODIFY amount DECIMAL(12,2), ADD COLUMN note TEXT"
    key: str = "id"  # the primary key (one column) the copy walks and the triggers match rows by
    batch_size: int = 1000
    pause: float = 0.05
    target_seconds: float | None = None

    @property
    def shadow(self) -> str:
        return _fit("_", self.table, "_new")

    @property
    def retired(self) -> str:
        return _fit("_", self.table, "_old")

    def trigger(self, what: str) -> str:
        return _fit("shoring_osc_", self.table, f"_{what}")

    @staticmethod
    def adjust_effect(eff: Any) -> Any:
        """The table is still copied, but no lock except the RENAME's brief one blocks anybody."""
        from dataclasses import replace

        note = "copied online: shadow table kept current by triggers, batches, one atomic RENAME"
        return replace(eff, locks={rel: "NONE" for rel in eff.locks}, online_ddl=None, supported=True, note=note)

    # --- the action protocol (see shoring.operations.base.Step) ----------------------------------
    def run(self, engine: Any, *, checkpoint: Checkpoint | None = None, say: Callable[[str], None] = lambda s: None,
            own_transactions: bool = True) -> BackfillResult:
        if not own_transactions:
            raise ShoringError("an online table copy commits batch by batch: it cannot run inside a transaction "
                               "(remove `Transaction: true` from the migration's header)")
        if self.swapped(engine, checkpoint):
            say(f"  online copy of {self.table}: an earlier run swapped the tables and stopped; finishing its clean-up")
            self.finish(engine, say)
            return BackfillResult()
        try:
            self.prepare(engine, checkpoint, say)
            result = self.copy(engine, checkpoint, say)
        except Exception:
            # an error (rows the ALTER rejects, a failed batch): take the triggers off the live table and start
            # afresh next time. Only a killed run leaves them, with its checkpoint, for the next run to resume.
            self.clean(engine)
            if checkpoint is not None:
                checkpoint.clear()
            raise
        self.swap(engine, say, checkpoint, result)
        return result

    # --- the phases, separately callable -------------------------------------------------------
    def prepare(self, engine: Any, checkpoint: Checkpoint | None, say: Callable[[str], None]) -> None:
        """The shadow table, altered, and the triggers that keep it current (made again unless a copy is under way)."""
        self._refuse_foreign_keys(engine)
        q = engine.quote
        resuming = checkpoint is not None and engine.table_exists(f"{checkpoint.history_table}_backfills") \
            and checkpoint.load() is not None and engine.table_exists(self.shadow)
        if resuming:
            say(f"  online copy of {self.table}: the shadow table {self.shadow} and its triggers are in place; resuming")
            return
        self.clean(engine)
        engine.execute(f"CREATE TABLE {q(self.shadow)} LIKE {q(self.table)}")
        engine.execute(f"ALTER TABLE {q(self.shadow)} {self.alter}")
        cols = self.columns(engine)
        if self.key not in cols:
            raise ShoringError(f"the ALTER drops or renames {self.key}, the key the copy walks by")
        self._refuse_columns_nothing_fills(engine, cols)
        t, s, k = q(self.table), q(self.shadow), q(self.key)
        names, new_values = ", ".join(q(c) for c in cols), ", ".join(f"NEW.{q(c)}" for c in cols)
        with _strict(engine):  # a trigger runs in the sql_mode it was created in, whoever's write fires it
            engine.execute(f"CREATE TRIGGER {q(self.trigger('ins'))} AFTER INSERT ON {t} FOR EACH ROW "
                           f"REPLACE INTO {s} ({names}) VALUES ({new_values})")
            engine.execute(f"CREATE TRIGGER {q(self.trigger('upd'))} AFTER UPDATE ON {t} FOR EACH ROW BEGIN "
                           f"DELETE IGNORE FROM {s} WHERE {k} <=> OLD.{k} AND NOT (OLD.{k} <=> NEW.{k}); "
                           f"REPLACE INTO {s} ({names}) VALUES ({new_values}); END")
            engine.execute(f"CREATE TRIGGER {q(self.trigger('del'))} AFTER DELETE ON {t} FOR EACH ROW "
                           f"DELETE IGNORE FROM {s} WHERE {k} <=> OLD.{k}")
        say(f"  online copy of {self.table}: shadow table {self.shadow} altered, triggers in place")

    def copy(self, engine: Any, checkpoint: Checkpoint | None, say: Callable[[str], None]) -> BackfillResult:
        """Every row, batch by batch; rows the triggers already wrote are newer and are kept (the no-op update on a
        duplicate key). Not INSERT IGNORE: it would also keep a value cut to fit the new type, a loss nobody sees.
        The batches run in strict mode, so such a value fails the copy as it would fail the ALTER."""
        q, ph = quoter(engine), engine.traits.placeholder  # the batches go with parameters
        names = ", ".join(q(c) for c in self.columns(engine))
        t, s, k = q(self.table), q(self.shadow), q(self.key)

        def batch(after: str, bound: list, high: Any) -> int:
            try:
                return engine.execute(f"INSERT INTO {s} ({names}) SELECT {names} FROM {t} "
                                      f"WHERE {after}{k} <= {ph} LOCK IN SHARE MODE "
                                      f"ON DUPLICATE KEY UPDATE {s}.{k} = {s}.{k}", [*bound, high])
            except StatementError as exc:
                if exc.code not in _VALUE_DOES_NOT_FIT:
                    raise
                raise ShoringError(f"a row of {self.table} does not fit the altered table ({exc.message}): "
                                   f"{self.table} is untouched; fix the data or the ALTER and re-run") from None

        with _strict(engine):
            result = walk_batches(engine, self, batch, checkpoint=checkpoint, say=say,
                                  label=f"online copy of {self.table}")
        both = engine.query_one(f"SELECT (SELECT COUNT(*) FROM {engine.quote(self.table)}), "
                                f"(SELECT COUNT(*) FROM {engine.quote(self.shadow)})")
        if both[0] != both[1]:
            raise ShoringError(f"{both[0] - both[1]:,} row(s) of {self.table} did not make it into the altered copy "
                               f"(the ALTER rejects them): {self.table} is untouched; fix the data or the ALTER and re-run")
        return result

    def swap(self, engine: Any, say: Callable[[str], None], checkpoint: Checkpoint | None = None,
             result: BackfillResult | None = None) -> None:
        """One atomic RENAME (a brief metadata lock); the checkpoint then says so, and the original and
        its triggers go."""
        q = engine.quote
        engine.execute(f"RENAME TABLE {q(self.table)} TO {q(self.retired)}, {q(self.shadow)} TO {q(self.table)}")
        kill_point("online-copy-swapped")
        if checkpoint is not None:
            checkpoint.ensure()
            engine.execute_batch(checkpoint.save_statements(SWAPPED, result.rows if result else 0, result.batches if result else 0))
        self.finish(engine, say)

    def swapped(self, engine: Any, checkpoint: Checkpoint | None) -> bool:
        """Did an earlier run swap the tables? The original under its retired name says so until it is
        dropped; the checkpoint says so from just after the RENAME until the statement is recorded."""
        if engine.table_exists(self.retired) and not engine.table_exists(self.shadow):
            return True
        return checkpoint is not None and engine.table_exists(f"{checkpoint.history_table}_backfills") \
            and (saved := checkpoint.load()) is not None and saved[0] is SWAPPED

    def finish(self, engine: Any, say: Callable[[str], None]) -> None:
        """After the swap: the original goes, its triggers with it (a re-run after a stop here comes
        straight back to this)."""
        q = engine.quote
        engine.execute(f"DROP TABLE IF EXISTS {q(self.retired)}")
        for what in ("ins", "upd", "del"):  # gone with their table; a table dropped by hand may have left them
            engine.execute(f"DROP TRIGGER IF EXISTS {q(self.trigger(what))}")
        kill_point("online-copy-dropped")
        say(f"  online copy of {self.table}: swapped in, original dropped")

    def leftovers(self, swapped: bool = False) -> str:
        """What a killed run leaves on the database until the next run resumes (for `status`)."""
        if swapped:
            return (f"the altered copy of {self.table} is already swapped in; the next run drops the original "
                    f"({self.retired}, if still there) and records the statement")
        return (f"the shadow table {self.shadow} and the triggers on {self.table} that feed it stay until the next "
                f"run finishes the copy")

    def clean(self, engine: Any) -> None:
        """What an earlier attempt left: triggers and shadow table (the original is never touched)."""
        q = engine.quote
        for what in ("ins", "upd", "del"):
            engine.execute(f"DROP TRIGGER IF EXISTS {q(self.trigger(what))}")
        engine.execute(f"DROP TABLE IF EXISTS {q(self.shadow)}")

    def columns(self, engine: Any) -> list[str]:
        """Columns both tables have: the ones the copy and the triggers carry over."""
        kept = set(engine.column_names(self.shadow))
        return [c for c in engine.column_names(self.table) if c in kept]

    def _refuse_columns_nothing_fills(self, engine: Any, carried: list[str]) -> None:
        """A new NOT NULL column without a DEFAULT: the strict batches and triggers have no value for it, so
        every application insert would fail while the copy ran (the plain ALTER fills in 0 or '')."""
        unfilled = [c for (c,) in engine.query(
            "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s "
            "AND IS_NULLABLE = 'NO' AND COLUMN_DEFAULT IS NULL AND EXTRA NOT LIKE %s AND EXTRA NOT LIKE %s "
            "ORDER BY ORDINAL_POSITION", [self.shadow, "%auto_increment%", "%GENERATED%"]) if c not in carried]
        if unfilled:
            self.clean(engine)
            raise ShoringError(f"the ALTER adds NOT NULL column(s) without a DEFAULT to {self.table} "
                               f"({', '.join(unfilled)}): the online copy has no value to give them, and the "
                               f"application's inserts would fail while it runs; give each a DEFAULT")

    def _refuse_foreign_keys(self, engine: Any) -> None:
        row = engine.query_one(
            "SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() "
            "AND REFERENCED_TABLE_NAME IS NOT NULL AND (TABLE_NAME = %s OR REFERENCED_TABLE_NAME = %s)",
            [self.table, self.table])
        if row and row[0]:
            raise ShoringError(f"{self.table} has foreign keys (its own or pointing at it): a copied table would "
                               f"break them; run this ALTER in a maintenance window, or drop the keys first")


@contextmanager
def _strict(engine: Any) -> Iterator[None]:
    """The session's sql_mode with STRICT_ALL_TABLES added for the block, then the session's own again."""
    mode = engine.query_one("SELECT @@SESSION.sql_mode")[0]
    engine.execute("SET SESSION sql_mode = CONCAT(@@SESSION.sql_mode, ',STRICT_ALL_TABLES')")
    try:
        yield
    finally:
        engine.execute(f"SET SESSION sql_mode = {engine.traits.placeholder}", [mode])


#: MySQL/MariaDB errors for a value the altered column cannot hold: too long, out of range, truncated, wrong value
_VALUE_DOES_NOT_FIT = {"1264", "1265", "1292", "1366", "1406"}


def _fit(prefix: str, table: str, suffix: str) -> str:
    """prefix + table + suffix within MySQL's 64 characters. A long table name is cut and a digest of it
    added, so the suffix survives: cutting the whole name gave `_new` and `_old` the same name."""
    name = f"{prefix}{table}{suffix}"
    if len(name) <= _MAX:
        return name
    import hashlib

    digest = hashlib.sha1(table.encode()).hexdigest()[:8]
    return f"{prefix}{table[: _MAX - len(prefix) - len(suffix) - 9]}_{digest}{suffix}"
