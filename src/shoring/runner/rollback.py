"""`shoring rollback`: run down sections, newest first, refusing what cannot be undone faithfully."""

from __future__ import annotations

from shoring import progress
from shoring.errors import CheckFailed, MigrationFailed, ShoringError
from shoring.migrations import Migration
from shoring.migrations.discovery import version_key
from shoring.migrations.model import undoable
from shoring.operations.dialects import DIALECTS
from shoring.runner.execute import RunResult, uses_transaction
from shoring.runner.guard import run_guarded
from shoring.runner.history import HistoryRow
from shoring.runner.hooks import run_hook
from shoring.runner.monitor import ProgressMonitor
from shoring.runner import versioned
from shoring.runner.watcher import BlockingWatcher
from shoring.runner.phases import completed_by_command
from shoring.runner.session import Session

#: Why a migration of each kind cannot be rolled back.
NO_DOWN = {
    "sql": lambda mig, dialect: "it has no down section (`-- migrate:down`)",
    "python": lambda mig, dialect: "it defines no down(ctx)",
    "operations": lambda mig, dialect: "an operation cannot be undone: " + ", ".join(
        f"{op.describe()} (line {line})" for line, op in mig.operations() if not undoable(op, DIALECTS[dialect])),
}


def rolling_back(row: HistoryRow) -> bool:
    """A rollback that failed or was interrupted: only `shoring rollback` finishes it."""
    return row.state in ("failed", "running") and row.direction == "down"


def plan_rollback(session: Session, rows: dict[str, HistoryRow], *, steps: int | None = 1, to: str | None = None) -> list[Migration]:
    # applied migrations, partly applied ones (their down undoes what ran), and rollbacks that stopped, even
    # before their first statement completed (it may have half run: an online copy's shadow table), newest first
    candidates = sorted(
        (v for v, r in rows.items() if r.state == "applied" or r.partial or rolling_back(r)),
        key=version_key, reverse=True,
    )
    if to is not None:
        limit = version_key(to.split("_", 1)[0])
        chosen = [v for v in candidates if version_key(v) > limit]
    else:
        chosen = candidates[: steps or 1]
    todo = []
    for version in chosen:
        mig = session.migrations.get(version)
        if mig is None:
            raise ShoringError(f"cannot roll back {version} {rows[version].name}: its file is not in {session.migrations.directory}")
        row = rows[version]
        if row.state == "applied" and row.checksum != mig.checksum:
            raise CheckFailed(
                f"cannot roll back {mig.path.name}: the file was edited since it was applied, so its down section may not "
                f"undo what ran; restore it or accept it with `shoring repair` first"
            )
        if not mig.reversible_on(session.engine.dialect):
            raise ShoringError(f"cannot roll back {mig.path.name}: {NO_DOWN[mig.kind](mig, session.engine.dialect)}",
                               path=mig.path)
        if row.state == "applied" and completed_by_command(session, mig):
            raise ShoringError(f"cannot roll back {mig.path.name}: `shoring complete` ran its contract, so the old schema its "
                               f"down would return to is gone (write a migration that brings it back)", path=mig.path)
        todo.append(mig)
    leaving = {v for v, r in rows.items() if r.state == "applied"} - {m.version for m in todo}
    for mig in todo:
        dependents = [v for v in leaving if mig.version in (session.migrations.get(v).metadata.depends if session.migrations.get(v) else ())]
        if dependents:
            raise ShoringError(f"cannot roll back {mig.version} {mig.name}: {', '.join(sorted(dependents))} depend(s) on it and stay applied")
    return todo


def rollback(session: Session, *, steps: int | None = 1, to: str | None = None, dry_run: bool = False,
             backup: bool = True) -> list[Migration] | list[RunResult]:
    todo = plan_rollback(session, session.history.rows(), steps=steps, to=to)
    session.migrations.validate(session.engine.dialect, "down", todo)
    if dry_run:
        return todo
    session.lock()
    try:
        session.history.ensure()
        rows = session.history.rows()
        todo = plan_rollback(session, rows, steps=steps, to=to)
        versions = [m.version for m in todo]
        if todo:
            run_hook(session, "before_rollback", versions)
        if todo and backup:
            from shoring.runner.apply import take_configured_backup

            take_configured_backup(session, todo[0].version, "rollback")  # a down section drops data too
        session.apply_timeouts()
        results = []
        try:
            with ProgressMonitor(session.engine, session.say, session.settings.progress_every_seconds), \
                    BlockingWatcher(session.engine, session.say, session.settings.max_blocking_seconds):
                for mig in todo:
                    row = rows[mig.version]
                    mode = "in a transaction" if uses_transaction(session, mig) else "statement by statement"
                    note = (f", undoing a partial apply of {row.statements_done} statement(s)"
                            if row.partial and row.direction == "up" else "")
                    session.say(f"rolling back {mig.version} {mig.name} ({mode}{note})")
                    progress.emit("migration_start", version=mig.version, name=mig.name, direction="down", mode=mode,
                                  position=len(results) + 1, of=len(todo))
                    versioned.drop(session, mig)  # the views of an expand depend on the columns down drops
                    results.append(run_guarded(session, mig, "down", row))  # a partial up's row: undo only what ran
                    progress.emit("migration_end", version=mig.version, seconds=results[-1].seconds)
                    session.say(f"  rolled back in {results[-1].seconds:.3f}s")
        except MigrationFailed as exc:
            progress.emit("migration_failed", error=exc.message)
            run_hook(session, "on_failure", versions, exc.message, command="rollback")
            raise
        else:
            if results:
                run_hook(session, "after_rollback", [r.migration.version for r in results])
        finally:
            if todo:
                from shoring.runner.schema_record import record_quietly

                record_quietly(session, (results[-1].migration if results else todo[0]).version, "rollback")
            if session.engine.alive():
                session.engine.durable_checkpoint()
        return results
    finally:
        session.unlock()
        from shoring.runner.notify import drain

        drain(session)


__all__ = ["MigrationFailed", "plan_rollback", "rollback"]
