"""Run one migration in one direction and keep the history truthful whatever happens.

Transactional mode (engines with transactional DDL, migrations not marked `Transaction: false`):
statements and the history row commit together, so a failure or a kill leaves nothing behind.
Statement mode (MySQL/MariaDB DDL, `Transaction: false`): the history row records each statement as it
completes, so a failure or a kill is described exactly and the run can resume from that statement.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace

from shoring.backfill.checkpoint import Checkpoint
from shoring.engines import StatementError
from shoring.errors import MigrationFailed, ShoringError
from shoring.faults import boundary, kill_point
from shoring.migrations import Migration
from shoring.migrations.checksum import statements_checksum
from shoring.migrations.model import Statement, raise_site
from shoring.runner.blockers import who_blocked
from shoring.runner.context import MigrationContext
from shoring.runner.history import HistoryRow, now_utc, shorten
from shoring.runner.in_flight import settle
from shoring.runner.session import Session


@dataclass
class RunResult:
    migration: Migration
    direction: str
    seconds: float
    statements: int
    resumed_from: int = 1


#: An ALTER TABLE that names its own ALGORITHM or LOCK has chosen; the others get LOCK=NONE when
#: require_online_ddl is on (MySQL/MariaDB then refuse what they cannot do without blocking writes).
_ALTER_TABLE = re.compile(r"^\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\b", re.I)
_CHOSEN = re.compile(r"\b(?:ALGORITHM|LOCK)\s*=", re.I)
_REFUSED = re.compile(r"LOCK=NONE is not supported", re.I)


def sql_to_run(session: Session, sql: str) -> str:
    if session.settings.require_online_ddl and session.engine.description.online_ddl_clauses and _ALTER_TABLE.match(sql) \
            and not _CHOSEN.search(sql):
        return sql.rstrip().rstrip(";") + ", LOCK=NONE"
    return sql


def refused_hint(session: Session, message: str) -> str:
    if session.settings.require_online_ddl and _REFUSED.search(message):
        return (f"{message} (require_online_ddl added LOCK=NONE: run the change with OnlineAlter, or write "
                f"LOCK=SHARED in the statement to accept that it blocks writes)")
    return message


def uses_transaction(session: Session, mig: Migration) -> bool:
    return session.engine.traits.transactional_ddl and mig.transactional_on(session.engine.dialect)


def run_migration(session: Session, mig: Migration, direction: str, *, previous: HistoryRow | None = None) -> RunResult:
    if mig.kind == "python":
        return _run_python(session, mig, direction)
    previous, settled = settle(session, mig, previous)  # the statement a killed run was in may have completed
    statements = section_statements(mig, direction, session.engine.dialect, previous)
    if uses_transaction(session, mig):
        return _run_transactional(session, mig, direction, statements)
    start_at = _resume_point(session, mig, direction, statements, previous)
    return _run_statementwise(session, mig, direction, statements, start_at, settled)


def section_statements(mig: Migration, direction: str, dialect: str, previous: HistoryRow | None) -> list[Statement]:
    """The statements to run: the whole section, except when down undoes a partly applied operations
    migration, where only the operations that ran are undone (the last statements of down; a resumed
    rollback finds how many in its own row)."""
    statements = mig.statements(direction, dialect)
    if direction != "down" or mig.kind != "operations" or previous is None or previous.state not in ("failed", "running"):
        return statements
    if previous.direction == "up":
        from shoring.operations.compile import undo_count

        keep = undo_count(mig, dialect, previous.statements_done or 0)
    elif previous.statements_total is not None:
        keep = previous.statements_total
    else:
        return statements
    if keep >= len(statements):
        return statements
    return [replace(st, index=i) for i, st in enumerate(statements[len(statements) - keep:], 1)]


def _final_state(direction: str) -> str:
    return "applied" if direction == "up" else "rolled_back"


def _event(direction: str) -> str:
    return "apply" if direction == "up" else "rollback"


def _fail(session: Session, mig: Migration, direction: str, st: Statement | None, total: int, done: int,
          done_sum: str | None, error: str, started, partial_note: str, lock_timeout: bool = False) -> MigrationFailed:
    h = session.history
    at = st.index if st else done + 1
    where = f" (line {st.line})" if st else ""
    sql = f": {shorten(st.sql, 100)}" if st else ""
    step = f"{direction}(ctx)" if mig.kind == "python" else f"statement {at} of {total}{where}{sql}"
    if session.engine.alive():
        h.put({
            "version": mig.version, "name": mig.name, "kind": mig.kind, "checksum": mig.checksum, "state": "failed",
            "direction": direction, "statements_total": total, "statements_done": done, "done_checksum": done_sum,
            "failed_statement": at, "failed_sql": st.sql if st else None, "error": error, "started_at": started,
            "finished_at": now_utc(), "session": session.engine.session_id(),
        })
        h.event(mig.version, "fail", checksum=mig.checksum, detail=f"{direction} {step}: {error}")
    else:
        # the history says what the server kept: nothing (transaction) or the statements before this one
        partial_note += " The connection to the database was lost, so the failure itself is not recorded; `shoring status` shows what the history holds."
    doing = "applying" if direction == "up" else "rolling back"
    return MigrationFailed(f"{mig.version} {mig.name}: {doing} failed at {step}: {error}. {partial_note}", lock_timeout=lock_timeout)


def _run_transactional(session: Session, mig: Migration, direction: str, statements: list[Statement]) -> RunResult:
    engine, h = session.engine, session.history
    started = now_utc()
    t0 = time.perf_counter()
    engine.begin()
    current = None
    try:
        for st in statements:
            current = st
            boundary(f"{direction}:{mig.version}:before:{st.index}")
            _run_statement(session, st, own_transactions=False)
        seconds = time.perf_counter() - t0
        current = None
        record = h.put_statements({
            "version": mig.version, "name": mig.name, "kind": mig.kind, "checksum": mig.checksum,
            "state": _final_state(direction), "direction": direction, "statements_total": len(statements),
            "statements_done": len(statements), "started_at": started, "finished_at": now_utc(),
            "duration_ms": int(seconds * 1000), "session": engine.session_id(),
        })
        record.append(h.event_statement(mig.version, _event(direction), checksum=mig.checksum, duration_ms=int(seconds * 1000)))
        boundary(f"{direction}:{mig.version}:commit")
        engine.commit_with(record)  # the history row commits with the migration, in one round trip
    except (StatementError, ShoringError) as exc:  # ShoringError: an action that cannot go on (a check, a rebuild)
        engine.rollback()
        raise _fail(session, mig, direction, current, len(statements), 0, None, _failure(session, exc, current), started,
                    "The transaction was rolled back; nothing of it is applied.", getattr(exc, "lock_timeout", False)) from None
    except BaseException:
        if engine.in_transaction:
            engine.rollback()
        raise
    return RunResult(mig, direction, seconds, len(statements))


def _resume_point(session: Session, mig: Migration, direction: str, statements: list[Statement],
                  previous: HistoryRow | None) -> int:
    """1-based index of the first statement to run: after the ones an interrupted run completed."""
    if previous is None or previous.state not in ("failed", "running") or previous.direction != direction:
        return 1
    done = previous.statements_done or 0
    if done == 0:
        return 1
    if len(statements) < done or statements_checksum([s.sql for s in statements[:done]]) != previous.done_checksum:
        raise MigrationFailed(
            f"{mig.version} {mig.name}: statements 1-{done} of the earlier run already took effect, and they were "
            f"edited since; restore them (only statements after {done} may change), or undo the partial migration with "
            f"`shoring rollback`, or mark it by hand with `shoring repair --mark-applied/--mark-pending {mig.version}`"
        )
    return done + 1


def _run_statementwise(session: Session, mig: Migration, direction: str, statements: list[Statement], start_at: int,
                       settled: str | None = None) -> RunResult:
    engine, h = session.engine, session.history
    started = now_utc()
    t0 = time.perf_counter()
    done = start_at - 1
    done_sum = statements_checksum([s.sql for s in statements[:done]]) if done else None
    h.put({
        "version": mig.version, "name": mig.name, "kind": mig.kind, "checksum": mig.checksum, "state": "running",
        "direction": direction, "statements_total": len(statements), "statements_done": done,
        "done_checksum": done_sum, "started_at": started, "session": engine.session_id(),
    })
    if start_at > 1:
        why = f" ({settled})" if settled else ""
        h.event(mig.version, "resume", checksum=mig.checksum, detail=f"{direction} from statement {start_at} of {len(statements)}{why}")
        if settled:
            session.say(f"  {settled}")
        session.say(f"  resuming at statement {start_at} of {len(statements)}")
    for st in statements[done:]:
        analysed = _analysed(session, st)
        atomic = commits_with_history(session, st, analysed)
        boundary(f"{direction}:{mig.version}:before:{st.index}")
        try:
            if atomic:
                engine.begin()
            checkpoint = None
            if st.action is not None:  # batches commit one by one, each with its checkpoint
                checkpoint = Checkpoint(engine, h.table, mig.version, direction, st.index)
                _run_statement(session, st, checkpoint=checkpoint)
            else:
                _drop_invalid_index(session, analysed)
                _run_statement(session, st)
            kill_point("statement-done", f"{mig.version}/{direction}/{st.index}")
            done = st.index
            done_sum = statements_checksum([s.sql for s in statements[:done]])
            if checkpoint is not None:
                # the finished statement's checkpoint goes with the history row that says it finished: gone
                # before it, a run killed in between ran every batch again (hits = hits + 1 twice; chaos bench)
                engine.begin()
                h.update(mig.version, statements_done=done, done_checksum=done_sum)
                checkpoint.clear()
                engine.commit()
            else:
                h.update(mig.version, statements_done=done, done_checksum=done_sum)
            if atomic:
                engine.commit()
            boundary(f"{direction}:{mig.version}:after:{st.index}")
        except (StatementError, ShoringError) as exc:  # ShoringError: a backfill that cannot go on (its key type)
            if engine.in_transaction:
                engine.rollback()
            ran = f"Statements 1-{done} ran and stay applied" if done else "No statement of it took effect"
            fix = "fix the file and re-run to resume from the failed statement, or `shoring rollback`" if done else "fix the file and re-run"
            batches = _batches_done(engine, h.table, mig.version, direction, st) if st.action is not None else None
            if batches is not None:  # a batched statement that had committed batches before it failed
                ran += f"; statement {st.index} committed {batches[0]:,} rows in {batches[1]:,} batches first, and a re-run resumes after them"
            raise _fail(session, mig, direction, st, len(statements), done, done_sum, _failure(session, exc, st), started,
                        f"{ran} ({'DDL commits at once on ' + engine.name if not engine.traits.transactional_ddl else 'Transaction: false'}); {fix}.",
                        getattr(exc, "lock_timeout", False)) from None
    seconds = time.perf_counter() - t0
    h.update(mig.version, state=_final_state(direction), finished_at=now_utc(), duration_ms=int(seconds * 1000),
             failed_statement=None, failed_sql=None, error=None, checksum=mig.checksum)
    h.event(mig.version, _event(direction), checksum=mig.checksum, duration_ms=int(seconds * 1000))
    return RunResult(mig, direction, seconds, len(statements), start_at)


#: statements that must not be wrapped in a transaction with their history row: they manage transactions
#: themselves (BEGIN/COMMIT, procedures that commit), or shoring cannot tell what they do
_OWN_TRANSACTIONS = frozenset({"transaction", "do_block", "other"})


def _analysed(session: Session, st: Statement):
    """The statement as analysis reads it, where statement mode needs that (None when it cannot read it)."""
    engine = session.engine
    if st.action is not None or not (engine.traits.transactional_ddl or _INDEX.search(st.sql)):
        return None
    from shoring.analysis.analyze import analyze_statements

    try:
        [analysed] = analyze_statements([st], engine.dialect)
    except Exception:  # noqa: BLE001 - unreadable: treated as the engine's plain rule says
        return None
    return None if analysed.error else analysed


def commits_with_history(session: Session, st: Statement, analysed) -> bool:
    """Whether the statement and its history row commit in one transaction: plain DML anywhere, and on
    engines with transactional DDL every statement that may run in a transaction block (all but CREATE
    INDEX CONCURRENTLY, VACUUM and the like), so a kill leaves both or neither."""
    engine = session.engine
    if st.action is not None:
        return False
    if not engine.traits.transactional_ddl or analysed is None:
        return engine.statement_is_transactional(st.sql)
    return analysed.transactional and not any(op.kind in _OWN_TRANSACTIONS for op in analysed.operations)


_INDEX = re.compile(r"\bINDEX\b", re.I)


def _drop_invalid_index(session: Session, analysed) -> None:
    """An index a failed or killed online build left INVALID is dropped before the statement builds it
    again: `IF NOT EXISTS` would accept it, and a plain CREATE would fail on its name."""
    engine = session.engine
    for op in analysed.operations if analysed is not None else ():
        if op.kind == "create_index" and op.name and engine.index_valid(op.name, op.table) is False:
            how = "" if engine.in_transaction else " CONCURRENTLY"
            session.say(f"  index {op.name} is INVALID (an earlier online build failed part-way): dropping it to build it again")
            engine.execute(f"DROP INDEX{how} IF EXISTS {engine.quote(op.name)}")  # an index name is never qualified


def _batches_done(engine, history_table: str, version: str, direction: str, st: Statement) -> tuple[int, int] | None:
    """(rows, batches) a failed batched statement had committed, from its checkpoint; None if none."""
    try:
        checkpoint = Checkpoint(engine, history_table, version, direction, st.index)
        saved = checkpoint.load() if engine.table_exists(f"{history_table}_backfills") else None
    except (StatementError, ShoringError):
        return None
    return (saved[1], saved[2]) if saved else None


def _run_statement(session: Session, st: Statement, **action_options) -> None:
    """Send the statement, or run its action in its place (a backfill's batch loop, a table copy, a
    check); a rehearsal's engine traces an action as that one statement."""
    from shoring import progress

    engine = session.engine
    progress.emit("statement_start", index=st.index, line=st.line, sql=st.sql, batched=st.action is not None)
    if st.action is None:
        engine.execute(sql_to_run(session, st.sql))
        progress.emit("statement_end", index=st.index)
        return

    def work(e):
        return st.action.run(e, say=session.say, **action_options)

    observe = getattr(engine, "observe", None)
    observe(st.sql, work) if observe is not None else work(engine)
    progress.emit("statement_end", index=st.index)


def _failure(session: Session, exc: Exception, st: Statement | None) -> str:
    """The error as the failure records it: the server's words, what to do when require_online_ddl
    made the server refuse, and who held the lock when it timed out."""
    message = refused_hint(session, exc.message)
    if getattr(exc, "lock_timeout", False) and st is not None:
        message += who_blocked(session.engine, st.sql)
    return message


def _run_python(session: Session, mig: Migration, direction: str) -> RunResult:
    engine, h = session.engine, session.history
    module = mig.load_module()
    func = getattr(module, direction, None)
    if func is None:
        if direction == "down":
            raise MigrationFailed(f"{mig.version} {mig.name}: defines no down(ctx); it cannot be rolled back")
        raise MigrationFailed(f"{mig.version} {mig.name}: defines no up(ctx)")
    ctx = MigrationContext(engine, session.say)
    started = now_utc()
    t0 = time.perf_counter()
    transactional = uses_transaction(session, mig)
    if not transactional:
        h.put({"version": mig.version, "name": mig.name, "kind": mig.kind, "checksum": mig.checksum, "state": "running",
               "direction": direction, "started_at": started, "session": engine.session_id()})
    else:
        engine.begin()
    try:
        func(ctx)
    except Exception as exc:
        if engine.in_transaction:
            engine.rollback()
        message = exc.message if isinstance(exc, StatementError) else f"{type(exc).__name__}: {exc}"
        site = None if isinstance(exc, StatementError) else raise_site(exc, mig.path)
        if site:  # the user's own exception: where it was raised (a database error quotes its statement)
            message += f" (raised at {site})"
        note = ("The transaction was rolled back; nothing of it is applied." if transactional else
                f"{ctx.statements_run} statement(s) ran and stay applied; re-running runs {direction}(ctx) again from the start.")
        raise _fail(session, mig, direction, None, 0, 0 if transactional else ctx.statements_run, None, message, started, note) from None
    seconds = time.perf_counter() - t0
    final = {"version": mig.version, "name": mig.name, "kind": mig.kind, "checksum": mig.checksum,
             "state": _final_state(direction), "direction": direction, "statements_total": ctx.statements_run,
             "statements_done": ctx.statements_run, "started_at": started, "finished_at": now_utc(),
             "duration_ms": int(seconds * 1000), "session": engine.session_id()}
    record = h.put_statements(final)
    record.append(h.event_statement(mig.version, _event(direction), checksum=mig.checksum, duration_ms=int(seconds * 1000)))
    if transactional:
        engine.commit_with(record)
    else:
        engine.execute_batch(record)
    return RunResult(mig, direction, seconds, ctx.statements_run)
