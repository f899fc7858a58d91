"""PostgreSQL lock tracing: the locks each statement really took, what it rewrote and scanned.

PostgreSQL keeps a transaction's locks until it ends, so a statement run inside a transaction can
be read exactly from ``pg_locks`` right after it (Eugene's insight): the locks new since just before
it are the ones it took, a ``relfilenode`` that moved means the relation was rewritten, and
``pg_stat_xact_all_tables.seq_scan`` counts the full scans it made. A statement the runner runs in
autocommit is run inside a transaction block of its own instead, which PostgreSQL treats the same;
only statements that refuse a transaction block (CREATE INDEX CONCURRENTLY, VACUUM, ...) are
watched from a second connection while they run (``lock_trace: sampled``).

After each traced statement, while its locks are still held, the probe tries a read and a write of
every table the statement locked and the tracer waits until each one either finished or was seen
waiting; during a sampled statement, probes keep trying for as long as it runs.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from shoring.engines import StatementError
from shoring.rehearsal.observe import PG_LOCK_ORDER, LockHold, StatementTrace, TimingObserver, strongest
from shoring.rehearsal import probe as probing

_NOT_IN_BLOCK = "25001"  # active_sql_transaction: "... cannot run inside a transaction block"
#: transaction control written into a migration: never traced (it moves the transaction under our feet)
_TRANSACTION_CONTROL = re.compile(r"^\s*(BEGIN|START|COMMIT|END|ROLLBACK|ABORT|SAVEPOINT|RELEASE|PREPARE\s+TRANSACTION)\b", re.I)
#: statements whose meaning changes inside a transaction block we would open: traced only inside one already open
_ONLY_IN_A_BLOCK = re.compile(r"^\s*(LOCK|SET\s+(LOCAL|TRANSACTION|SESSION\s+CHARACTERISTICS)|DECLARE|FETCH|CLOSE|MOVE|DISCARD)\b", re.I)
_TABLE_KINDS = {"r", "p", "f", "v", "m"}
_INDEX_KINDS = {"i", "I"}
_PROBE_KINDS = {"r", "p"}
_MAX_PROBED_TABLES = 8
_PROBE_SETTLE_SECONDS = 10.0
_PROBE_PACE_SECONDS = 0.01

_RELATIONS = """
SELECT c.oid, n.nspname = current_schema(), n.nspname, c.relname, c.relkind, c.relfilenode
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'i', 'I')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
"""
_OWN_LOCKS = """
SELECT relation, mode FROM pg_locks
 WHERE pid = pg_backend_pid() AND locktype = 'relation' AND granted
   AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
"""
_SCANS = """
SELECT relid, seq_scan FROM pg_stat_xact_all_tables
 WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg\\_%'
"""
_WAITING = "SELECT DISTINCT pid FROM pg_locks WHERE NOT granted AND pid = ANY(%s)"
_LOCKS_OF = "SELECT pid, locktype, relation, mode, granted FROM pg_locks WHERE pid = ANY(%s)"


@dataclass
class _Open:
    """A traced statement whose locks are held until its transaction ends."""

    trace: StatementTrace
    attempts: list[probing.Attempt]
    overhead_mark: float  # the tracer's overhead total when the statement started


@dataclass(frozen=True)
class Rel:
    name: str  # bare in the current schema, schema.name elsewhere (as snapshots name it)
    sql: str  # quoted, for probe statements
    kind: str
    filenode: int


def _raised(held: set[tuple[int, str]], new: list[tuple[int, str]]) -> list[int]:
    """Relations whose strongest lock this statement made stronger: only there can it block anyone new.

    (A read blocked by an earlier statement's lock in the same transaction is that statement's doing.)
    """
    rank = {m: i for i, m in enumerate(PG_LOCK_ORDER)}
    before: dict[int, int] = {}
    for oid, mode in held:
        before[oid] = max(before.get(oid, -1), rank.get(mode, -1))
    out = []
    for oid, mode in new:
        if rank.get(mode, -1) > before.get(oid, -1) and oid not in out:
            out.append(oid)
    return out


class PgLockTracer(TimingObserver):
    def __init__(self, engine: Any, connect: Callable[[], Any], *, exclude: frozenset[str], probe: bool = True):
        super().__init__(engine)
        self._connect = connect
        self._exclude = exclude
        self._pool = probing.ProbePool(connect) if probe else None
        self._open: list[_Open] = []
        self._overhead = 0.0  # seconds spent reading pg_locks and probing, while the migration's locks were held
        #: live view for callers watching a running statement (tests): (table, read|write) -> attempts completed
        self.probe_rounds: dict[tuple[str, str], int] = {}
        #: live view: relations the statement running now was seen holding (sampled statements)
        self.seen_locks: dict[str, str] = {}

    # --- the statement ----------------------------------------------------------------------------
    def run(self, sql: str, execute: Callable[[], Any]) -> Any:
        if _TRANSACTION_CONTROL.match(sql):
            return super().run(sql, execute)
        if self._in_transaction():
            return self._traced(sql, execute)
        if _ONLY_IN_A_BLOCK.match(sql):
            return super().run(sql, execute)
        self.engine.begin()
        try:
            result = self._traced(sql, execute)
        except StatementError as exc:
            self.engine.rollback()
            if exc.code != _NOT_IN_BLOCK:
                self.transaction_ended(False)
                raise
            self.traces.pop()
            self._open.pop()
            return self._sampled(sql, execute)
        except BaseException:
            if self.engine.in_transaction:
                self.engine.rollback()
            self.transaction_ended(False)
            raise
        self.engine.commit()
        self.transaction_ended(True)
        return result

    def _in_transaction(self) -> bool:
        """Inside the runner's transaction (its BEGIN may still be waiting to travel with our first query),
        or one the migration opened itself."""
        from psycopg.pq import TransactionStatus

        return self.engine.in_transaction or self.engine.conn.info.transaction_status != TransactionStatus.IDLE

    def _traced(self, sql: str, execute: Callable[[], Any]) -> Any:
        t_in = time.perf_counter()
        rels = self._relations()
        locks_before = set(self.engine.query(_OWN_LOCKS))
        scans_before = dict(self.engine.query(_SCANS))
        trace = StatementTrace(sql=sql, in_transaction=True, lock_trace="exact", started=time.perf_counter())
        self._overhead += trace.started - t_in
        entry = _Open(trace, [], self._overhead)
        self._open.append(entry)
        result = self.timed(trace, execute)
        t_out = time.perf_counter()
        try:
            self._after(trace, entry, rels, locks_before, scans_before)
        finally:
            self._overhead += time.perf_counter() - t_out
        return result

    def _after(self, trace: StatementTrace, entry: "_Open", rels: dict[int, Rel], locks_before: set[tuple[int, str]],
               scans_before: dict[int, int]) -> None:
        """Read what the statement did while its locks are still held; the time this takes is ours, not its."""
        new_locks = [lk for lk in self.engine.query(_OWN_LOCKS) if lk not in locks_before]
        self._describe(trace, rels, new_locks, self._relations())
        scans_after = dict(self.engine.query(_SCANS))
        trace.scans = sorted(
            rels[oid].name for oid, n in scans_after.items()
            if oid in rels and n > scans_before.get(oid, 0) and rels[oid].name not in self._exclude
        )
        if self._pool is not None:
            entry.attempts.extend(self._probe_while_held(rels, _raised(locks_before, new_locks)))

    def _describe(self, trace: StatementTrace, rels: dict[int, Rel], new_locks: list[tuple[int, str]],
                  after: dict[int, Rel]) -> None:
        modes: dict[str, list[str]] = {}
        index_modes: dict[str, list[str]] = {}
        for oid, mode in new_locks:
            rel = rels.get(oid) or after.get(oid)  # named as before the statement (it may rename or drop it)
            if rel is None or rel.name in self._exclude:
                continue
            if rel.kind in _TABLE_KINDS:
                modes.setdefault(rel.name, []).append(mode)
                trace.holds.append(LockHold(rel.name, mode))
            elif rel.kind in _INDEX_KINDS:
                index_modes.setdefault(rel.name, []).append(mode)
        trace.locks = {name: strongest(m) for name, m in sorted(modes.items())}
        trace.index_locks = {name: strongest(m) for name, m in sorted(index_modes.items())}
        for oid, rel in rels.items():
            moved = after.get(oid)
            if moved is None or not rel.filenode or moved.filenode == rel.filenode or rel.name in self._exclude:
                continue
            if rel.kind in _TABLE_KINDS:
                trace.rewrites.append(rel.name)
            elif rel.kind in _INDEX_KINDS:
                trace.indexes_rebuilt.append(rel.name)
        trace.rewrites.sort()
        trace.indexes_rebuilt.sort()

    def _relations(self) -> dict[int, Rel]:
        q = self.engine.quote
        out = {}
        for oid, current, nsp, name, kind, filenode in self.engine.query(_RELATIONS):
            full = name if current else f"{nsp}.{name}"
            out[oid] = Rel(full, f"{q(nsp)}.{q(name)}", kind, filenode)
        return out

    # --- the probe while a transaction holds the locks --------------------------------------------
    def _probe_while_held(self, rels: dict[int, Rel], raised: list[int]) -> list[probing.Attempt]:
        tables = []
        for oid in raised:
            rel = rels.get(oid)
            if rel and rel.kind in _PROBE_KINDS and rel.name not in self._exclude and rel not in tables:
                tables.append(rel)
        attempts = [
            probing.start_attempt(self._pool, rel.name, rel.sql, kind, rel.kind == "r")
            for rel in tables[:_MAX_PROBED_TABLES] for kind in probing.KINDS
        ]
        deadline = time.monotonic() + _PROBE_SETTLE_SECONDS
        while attempts and time.monotonic() < deadline:
            pending = [a for a in attempts if not a.done.is_set() and not a.waited]
            if not pending:
                break
            pids = [a.pid for a in pending if a.pid is not None]
            if pids:
                waiting = {r[0] for r in self.engine.query(_WAITING, [pids])}
                for a in pending:
                    if a.pid in waiting:
                        a.waited = True
            time.sleep(0.002)  # polling interval while the probes reach their locks
        return attempts

    def transaction_ended(self, committed: bool) -> None:
        released = time.perf_counter()
        for entry in self._open:
            # held from the statement's start to the end of its transaction, less the tracer's own reading time
            held = max(0.0, released - entry.trace.started - (self._overhead - entry.overhead_mark))
            for hold in entry.trace.holds:
                hold.seconds = held
            for a in entry.attempts:
                a.done.wait(timeout=_PROBE_SETTLE_SECONDS)
            entry.trace.probe = probing.summarise(entry.attempts, held)
        self._open = []

    # --- statements that refuse a transaction block: watched from outside -------------------------
    def run_committing(self, sql: str, execute: Callable[[], Any]) -> Any:
        return self._sampled(sql, execute)

    def _sampled(self, sql: str, execute: Callable[[], Any]) -> Any:
        rels = self._relations()
        trace = StatementTrace(sql=sql, in_transaction=False, lock_trace="sampled", started=time.perf_counter())
        watcher = _Watcher(self, int(self.engine.session_id()), rels)
        watcher.start()
        try:
            return self.timed(trace, execute)
        finally:
            seen = watcher.stop()
            self._describe(trace, rels, seen, self._relations())
            for hold in trace.holds:
                hold.seconds = trace.seconds  # released when the statement ended
            trace.probe = probing.summarise(watcher.attempts, None)
            self.seen_locks = {}

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()


class _Watcher:
    """Polls pg_locks for the migration's session while one statement runs, and keeps probes going."""

    def __init__(self, tracer: PgLockTracer, pid: int, rels: dict[int, Rel]):
        self.tracer = tracer
        self.pid = pid
        self.rels = rels
        self.attempts: list[probing.Attempt] = []
        self.seen: list[tuple[int, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._probing: set[str] = set()

    def start(self) -> None:
        self._conn = self.tracer._connect()
        self._thread.start()

    def stop(self) -> list[tuple[int, str]]:
        self._stop.set()
        self._thread.join(timeout=_PROBE_SETTLE_SECONDS)
        for a in self.attempts:
            a.done.wait(timeout=_PROBE_SETTLE_SECONDS)
        self._conn.close()
        return self.seen

    def _loop(self) -> None:
        tracer = self.tracer
        try:
            while not self._stop.is_set():
                live = [a for a in self.attempts if not a.done.is_set()]
                pids = [self.pid] + [a.pid for a in live if a.pid is not None]
                for pid, locktype, relation, mode, granted in self._conn.query(_LOCKS_OF, [pids]):
                    if pid == self.pid:
                        if locktype == "relation" and granted and (relation, mode) not in self.seen:
                            self.seen.append((relation, mode))
                            rel = self.rels.get(relation)
                            if rel is not None:
                                tracer.seen_locks[rel.name] = mode
                                self._start_probes(rel)
                    elif not granted:
                        for a in live:
                            if a.pid == pid:
                                a.waited = True
                now = time.perf_counter()
                for a in list(self.attempts):
                    # one attempt after another per table and kind, paced so a long statement is not flooded
                    if a.done.is_set() and not a.followed and now - (a.ended or now) >= _PROBE_PACE_SECONDS:
                        a.followed = True
                        tracer.probe_rounds[(a.table, a.kind)] = tracer.probe_rounds.get((a.table, a.kind), 0) + 1
                        if not self._stop.is_set():
                            self._restart(a)
                self._stop.wait(0.002)  # sampling interval
        except Exception:  # noqa: BLE001 - the connection went away with the statement; the trace says sampled
            return

    def _start_probes(self, rel: Rel) -> None:
        if self.tracer._pool is None or rel.kind not in _PROBE_KINDS or rel.name in self.tracer._exclude:
            return
        if rel.name in self._probing or len(self._probing) >= _MAX_PROBED_TABLES:
            return
        self._probing.add(rel.name)
        for kind in probing.KINDS:
            self.attempts.append(probing.start_attempt(self.tracer._pool, rel.name, rel.sql, kind, rel.kind == "r"))

    def _restart(self, done: probing.Attempt) -> None:
        rel = next(r for r in self.rels.values() if r.name == done.table)
        self.attempts.append(probing.start_attempt(self.tracer._pool, rel.name, rel.sql, done.kind, rel.kind == "r"))
