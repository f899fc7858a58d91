"""`shoring apply`: run pending migrations in version order, each exactly once, under the run lock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shoring import progress
from shoring.errors import CheckFailed, MigrationFailed
from shoring.migrations import Migration
from shoring.migrations.discovery import version_key
from shoring.runner.execute import RunResult, uses_transaction
from shoring.runner.guard import run_guarded
from shoring.runner.history import HistoryRow
from shoring.runner.hooks import run_hook
from shoring.runner.monitor import ProgressMonitor
from shoring.runner import versioned
from shoring.runner.watcher import BlockingWatcher
from shoring.backfill.throttle import throttled
from shoring.runner.phases import (complete_now, contracted_later, expand_operations, refuse_completed_contracts,
                                   refuse_overlapping_expands, say_expanded)
from shoring.runner.session import Session
from shoring.runner.status import baseline_version


@dataclass
class ApplyPlan:
    todo: list[Migration]
    previous: dict[str, HistoryRow]
    warnings: list[str] = field(default_factory=list)
    stops_after: Migration | None = None  # an expand: apply stops there until the new code is deployed
    waiting: list[Migration] = field(default_factory=list)  # pending migrations after it


def plan_apply(session: Session, rows: dict[str, HistoryRow], to: str | None = None, stop_at_expand: bool = True) -> ApplyPlan:
    """Which migrations `apply` would run, in order; refuses when the history and the files disagree."""
    migrations = session.migrations
    limit = version_key(migrations.resolve(to)) if to else None
    base = baseline_version(rows)
    edited = [m for m in migrations if (r := rows.get(m.version)) and r.state == "applied" and r.checksum != m.checksum]
    if edited:
        names = ", ".join(f"{m.path.name}" for m in edited)
        raise CheckFailed(
            f"applied migration file(s) edited since they ran: {names}; restore them, or accept the edit with `shoring repair`"
        )
    todo: list[Migration] = []
    warnings: list[str] = []
    for mig in migrations:
        if limit is not None and version_key(mig.version) > limit:
            break
        row = rows.get(mig.version)
        if row is not None and row.state in ("applied", "baseline"):
            continue
        if row is None and base is not None and version_key(mig.version) <= version_key(base):
            continue
        if row is not None and row.state in ("failed", "running") and row.direction == "down":
            raise MigrationFailed(
                f"{mig.version} {mig.name} was being rolled back when it stopped ({row.statements_done} statement(s) of its "
                f"down section ran); finish with `shoring rollback`, or mark it with `shoring repair`"
            )
        todo.append(mig)
    applied = {v for v, r in rows.items() if r.state in ("applied", "baseline")}
    highest = max(applied, key=version_key, default=None)
    planned = set()
    for mig in todo:
        if highest and version_key(mig.version) < version_key(highest):
            warnings.append(f"{mig.version} {mig.name} is older than the newest applied migration ({highest}); applying it out of order")
        for dep in mig.metadata.depends:
            if dep not in applied and dep not in planned and not (base and version_key(dep) <= version_key(base)):
                raise MigrationFailed(f"{mig.version} {mig.name} depends on {dep}, which is neither applied nor about to be")
        planned.add(mig.version)
    refuse_overlapping_expands(session, todo, rows)
    refuse_completed_contracts(session, todo, rows)
    if not stop_at_expand:
        return ApplyPlan(todo, rows, warnings)
    stop = next((i for i, m in enumerate(todo) if expand_operations(m)), None)
    if stop is None:
        return ApplyPlan(todo, rows, warnings)
    return ApplyPlan(todo[: stop + 1], rows, warnings, todo[stop], todo[stop + 1:])


def apply(session: Session, *, to: str | None = None, dry_run: bool = False, backup: bool = True,
          window: str | None = None, yes: bool = False, ask: Any = None, complete: bool = False,
          stop_at_expand: bool | None = None) -> list[RunResult]:
    """Pending migrations in order; stops after one that expands (old and new schema live) unless
    `complete`, which runs each expand's contract right after it (development), or `stop_at_expand`
    is false (the testing fixture: every pending file, contracts only where a file holds one)."""
    stop_at_expand = not complete if stop_at_expand is None else stop_at_expand
    # Decide and validate before taking the lock or creating the history: bad input touches nothing.
    plan = plan_apply(session, session.history.rows(), to, stop_at_expand)
    session.migrations.validate(session.engine.dialect, "up", plan.todo)
    if dry_run:
        for w in plan.warnings:
            session.say(f"warning: {w}")
        return []
    checklist = preflight(session, plan.todo, window, yes, ask)
    session.lock()
    try:
        session.history.ensure()
        plan = plan_apply(session, session.history.rows(), to, stop_at_expand)
        for w in plan.warnings:
            session.say(f"warning: {w}")
        if not plan.todo:
            return []
        versions = [m.version for m in plan.todo]
        run_hook(session, "before_apply", versions)
        if backup:
            try:
                take_configured_backup(session, plan.todo[0].version)
            except MigrationFailed as exc:
                from shoring.runner.notify import send

                send(session, "on_failure", versions, exc.message, "apply")  # the start was announced
                raise
        session.apply_timeouts()  # the baseline's reads queue for locks no longer than the migration's would
        baseline = take_baseline(session, checklist.plan, plan.todo)
        results = []
        invalid_before = set(session.engine.invalid_indexes()) if any(not uses_transaction(session, m) for m in plan.todo) else None
        try:
            with ProgressMonitor(session.engine, session.say, session.settings.progress_every_seconds), \
                    BlockingWatcher(session.engine, session.say, session.settings.max_blocking_seconds), \
                    throttled(session.engine, session.settings.throttle_query, session.settings.max_lag_seconds, session.say):
                for n, mig in enumerate(plan.todo, 1):
                    mode = "in a transaction" if uses_transaction(session, mig) else "statement by statement"
                    session.say(f"applying {mig.version} {mig.name} ({mode})")
                    progress.emit("migration_start", version=mig.version, name=mig.name, direction="up", mode=mode,
                                  position=n, of=len(plan.todo))
                    versioned.drop_contracted(session, mig)  # the views of what it contracts go first
                    result = run_guarded(session, mig, "up", plan.previous.get(mig.version))
                    versioned.create(session, mig)
                    progress.emit("migration_end", version=mig.version, seconds=result.seconds)
                    session.say(f"  applied in {result.seconds:.3f}s")
                    results.append(result)
                    if complete and expand_operations(mig) and not contracted_later(mig, plan.todo):
                        complete_now(session, mig)
                if plan.stops_after is not None:
                    say_expanded(session, plan)
        except MigrationFailed as exc:
            progress.emit("migration_failed", error=exc.message)
            run_hook(session, "on_failure", versions, exc.message)
            raise
        else:
            post_apply_check(session, baseline, checklist.plan, plan.todo)
            run_hook(session, "after_apply", [r.migration.version for r in results])
        finally:
            from shoring.runner.schema_record import record_quietly

            last = results[-1].migration.version if results else plan.todo[0].version
            record_quietly(session, last, "apply")
            if session.engine.alive():
                session.engine.durable_checkpoint()
            if invalid_before is not None and session.engine.alive():
                for name in sorted(set(session.engine.invalid_indexes()) - invalid_before):
                    session.say(f"warning: index {name} is INVALID (an online index build failed part-way): "
                                f"the next apply drops it and builds it again")
        return results
    finally:
        session.unlock()
        from shoring.runner.notify import drain

        drain(session)


def take_baseline(session: Session, plan: Any, todo: list[Migration]) -> Any:
    """What the post-apply check compares with, read before the first change."""
    from shoring.engines import StatementError
    from shoring.runner.postcheck import take_baseline as take

    try:
        return take(session.engine, plan, todo, session.settings.history_table)
    except StatementError as exc:
        session.say(f"warning: post-apply check skipped: could not read the tables before the first change: {exc.message}")
        return None


def post_apply_check(session: Session, baseline: Any, plan: Any, todo: list[Migration]) -> None:
    """The seed's "verify migration success": said, and kept in the audit trail (event verify)."""
    from shoring.engines import StatementError
    from shoring.runner.postcheck import check

    if baseline is None:
        return
    try:
        result = check(session.engine, baseline, todo, plan, session.settings.root, session.settings.history_table)
    except StatementError as exc:
        session.say(f"warning: post-apply check could not run: {exc.message}")
        return
    progress.emit("post_check", lines=result.lines, problems=result.problems)
    for line in result.lines:
        session.say(f"post-apply check: {line}")
    for line in result.problems:
        session.say(f"warning: post-apply check: {line}")
    if result.problems:  # a clean check is said and kept in the run log; a finding goes into the audit trail
        session.history.event(todo[-1].version, "verify", detail="problems: " + result.detail())


def take_configured_backup(session: Session, version: str, reason: str = "apply") -> None:
    """Run [backup] before the first change, verify it, and keep where it went in the audit trail."""
    from shoring.runner.backup import take_backup

    done = take_backup(session.settings, session.engine, version, session.settings.root, reason)
    if done is not None:
        session.history.event(version, "backup", duration_ms=int(done.seconds * 1000), detail=done.what)
        checked = f", {done.verified}" if done.verified else ", not verified (no verify_command)"
        session.say(f"backup {done.id}: {done.what} ({done.seconds:.1f}s{checked})")


def preflight(session: Session, todo: list[Migration], window: str | None = None, yes: bool = False,
              ask: Any = None) -> Any:
    """The seed's pre-migration checklist, checked and said; blocking failures stop here, before any change."""
    from shoring.runner import preflight as checks

    checklist = checks.build(session, todo, window)
    progress.emit("checklist", **checklist.to_dict())
    if checklist.plan is not None:
        progress.emit("plan", plan=checklist.plan.to_dict())
    if checklist.items:
        for line in checklist.lines():
            session.say(line)
    checks.decide(checklist, yes, session.say, ask)
    return checklist
