"""`shoring test`: every pending migration proven on a scratch copy, the target only read.

Per migration, in order: snapshot and fingerprint (S0), up, snapshot (S1) and the checks on it,
down, the schema must equal S0 again and the data of S0's tables must match S0's fingerprints,
up again and the schema must equal S1 (up is repeatable), and, when the header says
``Idempotent: true``, up once more without down. A migration stays applied on the copy so the
next one is rehearsed on top of it; the first failure stops the rehearsal there.
"""

from __future__ import annotations

import importlib
import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

from shoring import verify
from shoring.engines.description import describe
from shoring.engines.url import DatabaseURL
from shoring.errors import MigrationFailed
from shoring.migrations import Migration
from shoring.rehearsal import checks
from shoring.rehearsal.observe import ObservedEngine, StatementTrace, TimingObserver
from shoring.rehearsal.scratch import CopyOptions, Scratch, scratch_copy

Say = Callable[[str], None]

#: steps in the order they run; a report lists them in this order
STEPS = ("up", "indexes valid", "constraints validated", "metadata holds", "down", "schema restored",
         "data restored", "up again", "up twice")


@dataclass
class RehearsalOptions:
    rows: int | None = None  # synthetic rows added to every table
    scale: float | None = None  # or this many times the target's (estimated) row count
    seed: int = 0
    probe: bool = True
    copy: CopyOptions = field(default_factory=CopyOptions)


@dataclass
class Step:
    name: str
    status: str  # passed | failed | warning | skipped
    message: str = ""
    kind: str | None = None  # what failed, for machines: up_failed, edge_case, invalid_index, down_schema, ...
    seconds: float | None = None
    details: list[str] = field(default_factory=list)
    paused_seconds: float = 0.0  # pauses between batches the copy skipped: the real run sleeps them too

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"step": self.name, "status": self.status, "message": self.message}
        if self.kind:
            out["kind"] = self.kind
        if self.seconds is not None:
            out["seconds"] = round(self.seconds, 4)
            if self.paused_seconds:
                out["paused_seconds"] = round(self.paused_seconds, 4)
                out["real_run_seconds"] = round(self.seconds + self.paused_seconds, 4)
        if self.details:
            out["details"] = list(self.details)
        return out


@dataclass
class MigrationRehearsal:
    migration: Migration
    transactional: bool
    steps: list[Step] = field(default_factory=list)
    statements: list[dict[str, Any]] = field(default_factory=list)
    down_statements: list[dict[str, Any]] = field(default_factory=list)
    table_rows: dict[str, int] = field(default_factory=dict)
    schema_before: Any = None  # verify.Schema before up: apply's post-check needs the same starting point
    schema_after: Any = None  # verify.Schema after up: what apply's post-check expects to find

    @property
    def passed(self) -> bool:
        return not any(s.status == "failed" for s in self.steps)

    @property
    def failing_step(self) -> Step | None:
        return next((s for s in self.steps if s.status == "failed"), None)

    @property
    def rollback_rehearsed(self) -> bool:
        """Down ran, and put schema and data back as they were before up (proven, not just not refuted)."""
        done = {s.name: s.status for s in self.steps}
        return all(done.get(n) == "passed" for n in ("down", "schema restored", "data restored"))

    def to_dict(self) -> dict[str, Any]:
        m = self.migration
        failing = self.failing_step
        return {
            "version": m.version,
            "name": m.name,
            "file": str(m.path),
            "checksum": m.checksum,
            "transactional": self.transactional,
            "passed": self.passed,
            "rollback_rehearsed": self.rollback_rehearsed,
            "failing_step": failing.to_dict() if failing else None,
            "steps": [s.to_dict() for s in self.steps],
            "statements": self.statements,
            "down_statements": self.down_statements,
            "table_rows": self.table_rows,
        }


@dataclass
class RehearsalResult:
    engine: str
    server_version: str | None
    database: str
    copy: dict[str, Any] = field(default_factory=dict)
    synthetic: dict[str, Any] = field(default_factory=dict)
    migrations: list[MigrationRehearsal] = field(default_factory=list)
    not_rehearsed: list[Migration] = field(default_factory=list)
    target_unchanged: bool | None = None
    target_changes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return all(m.passed for m in self.migrations) and self.target_unchanged is not False

    @property
    def failing(self) -> tuple[MigrationRehearsal, Step] | None:
        for m in self.migrations:
            if m.failing_step:
                return m, m.failing_step
        return None

    def to_dict(self) -> dict[str, Any]:
        failing = self.failing
        return {
            "rehearsal_version": 1,
            "engine": self.engine,
            "server_version": self.server_version,
            "database": self.database,
            "passed": self.passed,
            "failing_step": {"version": failing[0].migration.version, "name": failing[0].migration.name,
                             **failing[1].to_dict()} if failing else None,
            "copy": self.copy,
            "synthetic_rows": self.synthetic,
            "target_unchanged": self.target_unchanged,
            "target_changes": self.target_changes,
            "seconds": round(self.seconds, 3),
            "migrations": [m.to_dict() for m in self.migrations],
            "not_rehearsed": [{"version": m.version, "name": m.name} for m in self.not_rehearsed],
        }


def rehearse(settings: Any, target: DatabaseURL, pending: list[Migration], options: RehearsalOptions,
             say: Say = lambda s: None, *, migrations: Any = None, to: str | None = None) -> RehearsalResult:
    """Rehearse ``pending`` (in order) on a scratch copy of ``target``; the target is only read.

    With ``migrations`` (the project's MigrationSet), what is rehearsed is planned again from the copy's own
    history (up to ``to``), as `apply` would plan it there: a concurrent apply that ran a migration after
    ``pending`` was read has it in the copy already, and rehearsing it again would fail on the copy or run
    it twice. ``pending`` (read from the target) then only says whether there is anything to copy for.
    """
    from shoring.engines import connect

    t0 = time.perf_counter()
    history = settings.history_table
    options.copy.history_table = history
    own_tables = sorted(verify.excluded_tables(history))
    with connect(target, read_only=True) as t:
        before = verify.snapshot(t, history_table=None)  # shoring's own tables included: they must not change either
        history_before = verify.fingerprint(t, before, own_tables)
        result = RehearsalResult(t.name, t.server_version, target.masked())
        real_counts = ({n: s.rows or 0 for n, s in verify.table_stats(t, before).items()}
                       if options.scale and pending else {})
    if not pending:
        result.target_unchanged = True
        return result
    with scratch_copy(target, options.copy, say) as scratch:
        result.copy = scratch.describe()
        _rehearse_on(scratch, settings, pending, options, result, real_counts, before, say, migrations, to)
    with connect(target, read_only=True) as t:
        after = verify.snapshot(t, history_table=None)
        changes = verify.diff(before, after).lines()
        changes += [d.message for d in verify.compare_fingerprints(history_before, verify.fingerprint(t, after, own_tables))]
    result.target_unchanged = not changes
    result.target_changes = changes
    result.seconds = time.perf_counter() - t0
    return result


def _rehearse_on(scratch: Scratch, settings: Any, pending: list[Migration], options: RehearsalOptions,
                 result: RehearsalResult, real_counts: dict[str, int], target_schema: verify.Schema, say: Say,
                 migrations: Any = None, to: str | None = None) -> None:
    from shoring.runner.history import History
    from shoring.runner.session import Session

    engine = scratch.connect()
    if migrations is not None:
        pending = _pending_on_copy(engine, settings, migrations, to, pending, result)
    # a rehearsal proves things about the target only as far as the copy is faithful: say where it is not
    result.copy["differences"] = verify.diff(target_schema, verify.snapshot(engine, history_table=None)).lines()
    exclude = verify.excluded_tables(settings.history_table)
    tracer = describe(engine.name).lock_tracer  # the engine tells which locks each statement takes: trace them
    if tracer:
        module, _, cls = tracer.partition(":")
        observer: TimingObserver = getattr(importlib.import_module(module), cls)(
            engine, scratch.connect, exclude=exclude, probe=options.probe)
    else:
        observer = TimingObserver(engine)
    session = Session(settings=settings, engine=ObservedEngine(engine, observer), migrations=None, say=say)
    session.history = History(engine, settings.history_table)  # bookkeeping is not the migration's doing
    session.history.ensure()
    session.apply_timeouts()
    filled: set[str] = set()
    try:
        for i, mig in enumerate(pending):
            _fill(engine, settings, options, real_counts, filled, result, say)
            say(f"rehearsing {mig.version} {mig.name}")
            rehearsal = _Rehearsal(session, engine, observer, mig, settings.history_table, bool(result.synthetic)).run()
            result.migrations.append(rehearsal)
            if not rehearsal.passed:
                result.not_rehearsed = pending[i + 1 :]
                break
    finally:
        observer.close()


def _pending_on_copy(engine: Any, settings: Any, migrations: Any, to: str | None, read: list[Migration],
                     result: RehearsalResult) -> list[Migration]:
    """The migrations `apply` would run on the copy (its history is the target's at the moment of the copy)."""
    from shoring.runner.apply import plan_apply
    from shoring.runner.session import Session

    planner = Session(settings=settings, engine=engine, migrations=migrations)
    pending = plan_apply(planner, planner.history.rows(), to, stop_at_expand=False).todo
    now = {m.version for m in pending}
    gone = [m.version for m in read if m.version not in now]
    if gone:
        result.copy.setdefault("notes", []).append(
            f"another run applied {', '.join(gone)} on the target after its history was read: the copy holds "
            f"{'it' if len(gone) == 1 else 'them'} already, so {'it is' if len(gone) == 1 else 'they are'} not rehearsed")
    return pending


def _fill(engine: Any, settings: Any, options: RehearsalOptions, real_counts: dict[str, int], filled: set[str],
          result: RehearsalResult, say: Say) -> None:
    """Synthetic rows for every table that has none yet (tables earlier migrations created included)."""
    if not options.rows and not options.scale:
        return
    from shoring.rehearsal.generate import generate

    schema = verify.snapshot(engine, history_table=settings.history_table)
    todo = {}
    for name in schema.tables:
        if name in filled:
            continue
        filled.add(name)
        count = options.rows if options.rows else round(options.scale * real_counts.get(name, 0))
        if count:
            todo[name] = count
    if not todo:
        return
    say(f"adding synthetic rows to {len(todo)} table(s)")
    for name, res in generate(engine, schema, todo, seed=options.seed).items():
        result.synthetic[name] = res.to_dict()


class _Rehearsal:
    """One migration's rehearsal: the steps, in order, each recorded as it passes or fails."""

    def __init__(self, session: Any, engine: Any, observer: TimingObserver, mig: Migration, history: str, synthetic: bool):
        from shoring.runner.execute import uses_transaction

        self.paused = 0.0  # seconds of pauses between batches the last run skipped

        self.session, self.engine, self.observer, self.mig = session, engine, observer, mig
        self.history = history
        self.synthetic = synthetic
        self.out = MigrationRehearsal(mig, uses_transaction(session, mig))

    def snapshot(self) -> verify.Schema:
        return verify.snapshot(self.engine, history_table=self.history)

    def step(self, name: str, status: str, message: str = "", kind: str | None = None, seconds: float | None = None,
             details: list[str] | None = None) -> Step:
        s = Step(name, status, message, kind, seconds, list(details or []))
        self.out.steps.append(s)
        return s

    def run_direction(self, direction: str, previous: Any = None) -> tuple[float, list[StatementTrace], str | None]:
        """(seconds, traces, None) or (seconds, traces, error message). Batches do not pause on the copy:
        what they would have slept is kept in `self.paused` for the report of the real run's time."""
        from shoring.backfill.run import pauses_skipped
        from shoring.runner.execute import run_migration

        t0 = time.perf_counter()
        self.observer.take()
        with pauses_skipped() as skipped:
            try:
                run_migration(self.session, self.mig, direction, previous=previous)
                error = None
            except MigrationFailed as exc:
                error = exc.message
        self.paused = skipped[0]
        return time.perf_counter() - t0, self.observer.take(), error

    def run(self) -> MigrationRehearsal:
        s0 = self.snapshot()
        f0 = verify.fingerprint(self.engine, s0)
        self.out.table_rows = {name: fp.rows for name, fp in f0.items()}

        # a run that stopped part-way on the target resumes on the copy exactly as `apply` would resume it
        previous = self.session.history.rows().get(self.mig.version)
        resumable = previous if previous is not None and previous.state in ("failed", "running") else None
        seconds, traces, error = self.run_direction("up", resumable)
        self.out.statements = self.statement_dicts("up", traces)
        up_traces = traces
        if error:
            self.up_failed(seconds, traces, error)
            return self.out
        up = self.step("up", "passed", f"{len(traces)} statement(s)" + _with_pauses(seconds, self.paused), seconds=seconds)
        up.paused_seconds = self.paused
        s1 = self.snapshot()
        self.out.schema_before, self.out.schema_after = s0, s1
        self.checks(s0, s1, traces)

        if not self.mig.reversible_on(self.engine.dialect):
            self.step("down", "warning", "no down section: rollback cannot be rehearsed", kind="no_down")
            return self.out
        seconds, traces, error = self.run_direction("down")
        self.out.down_statements = self.statement_dicts("down", traces)
        written = _tables_that_may_have_changed(up_traces + traces)
        if error:
            self.step("down", "failed", f"down failed: {error}", kind="down_failed", seconds=seconds)
            return self.out
        self.step("down", "passed", f"{len(traces)} statement(s)", seconds=seconds)
        after_down = self.snapshot()
        if resumable is not None:
            why = (f"the target holds a partly applied run of it (statements 1-{resumable.statements_done}), "
                   f"so there is no state from before up to compare with")
            self.step("schema restored", "skipped", why)
            self.step("data restored", "skipped", why)
            schema_ok = True
        else:
            schema_ok = self.schema_restored(_without_rebuilt_invalid_indexes(s0, s1), after_down)
            self.data_restored(f0, after_down, written)
        if not schema_ok:
            self.step("up again", "skipped", "down did not restore the schema")
            return self.out
        self.up_again(s1)
        if self.mig.metadata.idempotent and self.out.passed:
            self.up_twice(s1)
        return self.out

    # --- the steps --------------------------------------------------------------------------------
    def up_failed(self, seconds: float, traces: list[StatementTrace], error: str) -> None:
        failed = next((t for t in reversed(traces) if t.error), None)
        what = checks.edge_case(self.engine.name, failed.code, failed.error or "", failed.sql) if failed else None
        if what:
            source = (" (the rehearsal data includes the generator's edge cases: NULLs, duplicates, empty strings, "
                      "extreme values; production data can hold them too)") if self.synthetic else ""
            self.step("up", "failed", f"up fails on {what} in the data: {failed.error}{source}", kind="edge_case",
                      seconds=seconds, details=[error])
        else:
            self.step("up", "failed", f"up failed: {error}", kind="up_failed", seconds=seconds)

    def checks(self, s0: verify.Schema, s1: verify.Schema, traces: list[StatementTrace]) -> None:
        dialect = self.engine.dialect
        for name, findings in (
            ("indexes valid", checks.invalid_indexes(s0, s1, self.mig, dialect)),
            ("constraints validated", checks.unvalidated_constraints(s0, s1, self.mig, dialect)),
            ("metadata holds", checks.transaction_metadata(self.mig, self.engine, traces)),
        ):
            failures = [f for f in findings if f.failure]
            if failures:
                self.step(name, "failed", failures[0].message, kind=failures[0].kind,
                          details=[f.message for f in failures[1:]])
            elif findings:
                self.step(name, "warning", findings[0].message, kind=findings[0].kind)
            else:
                self.step(name, "passed")

    def schema_restored(self, s0: verify.Schema, now: verify.Schema) -> bool:
        changes = verify.diff(s0, now)
        if changes:
            self.step("schema restored", "failed",
                      f"down does not restore the schema: {len(changes)} difference(s) from before up",
                      kind="down_schema", details=changes.lines())
            return False
        self.step("schema restored", "passed")
        return True

    def data_restored(self, f0: dict[str, verify.TableFingerprint], now_schema: verify.Schema,
                      written: set[str] | None) -> None:
        lossy = _lossy_tables(self.mig)
        keep = [t for t in f0 if not ("*" in lossy or t in lossy)]
        # a table no statement locked cannot have changed (PostgreSQL): its fingerprint stands
        recount = [t for t in keep if t in now_schema.tables and (written is None or t in written)]
        now = {t: f0[t] for t in keep if t in now_schema.tables and t not in recount}
        now.update(verify.fingerprint(self.engine, now_schema, recount))
        lost = verify.compare_fingerprints({t: f0[t] for t in keep}, now)
        if lost:
            self.step("data restored", "failed",
                      f"down loses data it should not: {len(lost)} table(s) differ from before up "
                      f"(if that is intended, name them in a 'Lossy-Rollback:' header)",
                      kind="down_data", details=[d.message for d in lost])
        else:
            note = f"not compared (Lossy-Rollback): {', '.join(sorted(set(f0) - set(keep)))}" if len(keep) < len(f0) else ""
            self.step("data restored", "passed", note)

    def up_again(self, s1: verify.Schema) -> None:
        seconds, _, error = self.run_direction("up")
        if error:
            self.step("up again", "failed", f"up is not repeatable: after down, up again failed: {error}",
                      kind="not_repeatable", seconds=seconds)
            return
        changes = verify.diff(s1, self.snapshot())
        if changes:
            self.step("up again", "failed", f"up is not repeatable: after down, up again gives another schema "
                                            f"({len(changes)} difference(s) from the first up)",
                      kind="not_repeatable", seconds=seconds, details=changes.lines())
            return
        self.step("up again", "passed", seconds=seconds)

    def up_twice(self, s1: verify.Schema) -> None:
        seconds, _, error = self.run_direction("up")
        if error:
            self.step("up twice", "failed", f"up is not idempotent (the header says Idempotent: true): "
                                            f"running it a second time failed: {error}", kind="not_idempotent",
                      seconds=seconds)
            return
        changes = verify.diff(s1, self.snapshot())
        if changes:
            self.step("up twice", "failed", "up is not idempotent (the header says Idempotent: true): a second run "
                                            "changed the schema", kind="not_idempotent", seconds=seconds,
                      details=changes.lines())
            return
        self.step("up twice", "passed", seconds=seconds)

    def statement_dicts(self, direction: str, traces: list[StatementTrace]) -> list[dict[str, Any]]:
        """Traces in `plan`'s statement shape: index, line, sql, tables, locks, rewrites, scans, blocks_*."""
        declared = self.mig.statements(direction, self.engine.dialect) if self.mig.has_sql else []
        out = []
        for i, trace in enumerate(traces, 1):
            st = declared[i - 1] if i <= len(declared) and declared[i - 1].sql == trace.sql else None
            entry = {"index": i, "line": st.line if st else None}
            entry.update(trace.to_dict())
            entry["tables"] = sorted(trace.locks)
            out.append(entry)
        return out


def _with_pauses(seconds: float, paused: float) -> str:
    if not paused:
        return ""
    return (f"; the real run also pauses {paused:.1f}s between batches (skipped here), so it takes about "
            f"{seconds + paused:.1f}s")


def _tables_that_may_have_changed(traces: list[StatementTrace]) -> set[str] | None:
    """Every table a statement locked, when every statement's locks were read; None (all tables) otherwise.

    Writing a row takes a lock on its table in the writing session, triggers and cascades included,
    so a table absent from every exact trace was not written. Statements watched from outside
    (CREATE INDEX CONCURRENTLY and friends) write no rows.
    """
    if not traces or any(t.lock_trace == "none" for t in traces):
        return None
    return {h.relation for t in traces for h in t.holds} | {r for t in traces for r in t.locks}


_LOSSY = re.compile(r"[\s,]+")


def _lossy_tables(mig: Migration) -> set[str]:
    """Tables the header admits down does not restore: ``-- Lossy-Rollback: audit_log, events`` (or ``*``),
    and those whose operations say so (a Backfill's rollback keeps the values it wrote)."""
    declared = {t for _, op in mig.operations() for t in op.rollback_keeps} if mig.kind == "operations" else set()
    for key, value in mig.metadata.values.items():
        if key.lower().replace("_", "-") == "lossy-rollback":
            return declared | {t for t in _LOSSY.split(value.strip()) if t}
    return declared


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def save_records(project_root: Any, result: RehearsalResult) -> None:
    """One record per rehearsed migration file, so `apply` can ask whether its rollback was rehearsed."""
    from shoring import __version__
    from shoring.rehearsal.record import write_record

    at = now_iso()
    for m in result.migrations:
        data = m.to_dict()
        run = {
            "at": at, "engine": result.engine, "server_version": result.server_version, "database": result.database,
            "passed": data["passed"], "rollback_rehearsed": data["rollback_rehearsed"],
            # what up takes for real: with the pauses between batches the copy skipped
            "up_seconds": next((st.seconds + st.paused_seconds for st in m.steps if st.name == "up" and st.status == "passed"), None),
            "failing_step": data["failing_step"], "steps": data["steps"], "statements": data["statements"],
            "down_statements": data["down_statements"], "table_rows": data["table_rows"], "copy": result.copy,
            "synthetic_rows": bool(result.synthetic), "tool_version": __version__,
            "schema_before": m.schema_before.to_dict() if m.schema_before is not None else None,
            "schema_after": m.schema_after.to_dict() if m.schema_after is not None else None,
        }
        write_record(project_root, {"checksum": m.migration.checksum, "version": m.migration.version,
                                    "name": m.migration.name, "file": m.migration.path.name}, run)


def _without_rebuilt_invalid_indexes(before: verify.Schema, after_up: verify.Schema) -> verify.Schema:
    """The schema before up, less the INVALID indexes up dropped and built again (as apply does): down
    removing the index it built restores what the database meant to have, not the broken build."""
    from dataclasses import replace

    def rebuilt(table: str, index: Any) -> bool:
        now = after_up.table(table)
        return not index.valid and now is not None and any(i.name == index.name and i.valid for i in now.indexes)

    tables = {name: replace(t, indexes=tuple(i for i in t.indexes if not rebuilt(name, i))) for name, t in before.tables.items()}
    return replace(before, tables=tables)
