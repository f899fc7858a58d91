"""Seeing each statement a migration runs, without changing how the runner runs it.

The runner talks to an ``ObservedEngine``: the scratch engine with every ``execute`` passed through an
observer (which times it and, on PostgreSQL, reads the locks it took) and every transaction end
reported. History writes go to the plain engine, so only the migration's own statements are seen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from shoring.engines import StatementError


@dataclass
class ProbeResult:
    """How a simple read or write of one table fared while the statement held its locks."""

    blocked: bool = False
    seconds: float = 0.0  # how long it was (or would have been) kept waiting
    attempts: int = 0
    error: str | None = None  # a failure that was not about waiting (the probe's own problem)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"blocked": self.blocked, "seconds": round(self.seconds, 4), "attempts": self.attempts}
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class LockHold:
    relation: str
    mode: str
    seconds: float | None = None  # from the statement's start until the lock was released

    def to_dict(self) -> dict[str, Any]:
        return {"relation": self.relation, "mode": self.mode,
                "held_seconds": round(self.seconds, 4) if self.seconds is not None else None}


@dataclass
class StatementTrace:
    """What one statement really did. Keys of ``to_dict`` match `plan`'s statements where they overlap."""

    sql: str
    seconds: float = 0.0
    in_transaction: bool = False  # its locks were held until its transaction ended
    error: str | None = None
    code: str | None = None
    lock_trace: str = "none"  # exact (read in its transaction) | sampled (watched from outside) | none
    locks: dict[str, str] = field(default_factory=dict)  # relation -> strongest new mode
    holds: list[LockHold] = field(default_factory=list)
    index_locks: dict[str, str] = field(default_factory=dict)
    rewrites: list[str] = field(default_factory=list)
    indexes_rebuilt: list[str] = field(default_factory=list)
    scans: list[str] | None = None  # None: not traceable for this statement
    probe: dict[str, dict[str, ProbeResult]] = field(default_factory=dict)  # table -> read/write -> result
    started: float = 0.0  # perf_counter at start; internal

    @property
    def blocks_reads(self) -> bool:
        return any(mode in _BLOCKS_READS for mode in self.locks.values())

    @property
    def blocks_writes(self) -> bool:
        return any(mode in _BLOCKS_WRITES for mode in self.locks.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "sql": self.sql,
            "seconds": round(self.seconds, 4),
            "in_transaction": self.in_transaction,
            "lock_trace": self.lock_trace,
            "locks": dict(self.locks),
            "lock_holds": [h.to_dict() for h in self.holds],
            "index_locks": dict(self.index_locks),
            "rewrites": list(self.rewrites),
            "indexes_rebuilt": list(self.indexes_rebuilt),
            "scans": list(self.scans or []),
            "scans_traced": self.scans is not None,
            "blocks_reads": self.blocks_reads,
            "blocks_writes": self.blocks_writes,
            "probe": {t: {k: r.to_dict() for k, r in kinds.items()} for t, kinds in self.probe.items()},
            "error": self.error,
        }


#: PostgreSQL lock modes, weakest first, as pg_locks.mode spells them
PG_LOCK_ORDER = (
    "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
    "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock",
)
_BLOCKS_READS = {"AccessExclusiveLock"}  # conflicts with the AccessShareLock every SELECT takes
_BLOCKS_WRITES = set(PG_LOCK_ORDER[PG_LOCK_ORDER.index("ShareLock"):])  # conflict with RowExclusiveLock


def strongest(modes: Sequence[str]) -> str:
    return max(modes, key=lambda m: PG_LOCK_ORDER.index(m) if m in PG_LOCK_ORDER else -1)


class TimingObserver:
    """Times every statement (all engines); subclasses trace more where the engine lets them."""

    def __init__(self, engine: Any):
        self.engine = engine
        self.traces: list[StatementTrace] = []

    def run(self, sql: str, execute: Callable[[], Any]) -> Any:
        return self.timed(StatementTrace(sql=sql, in_transaction=self.engine.in_transaction,
                                         started=time.perf_counter()), execute)

    def timed(self, trace: StatementTrace, execute: Callable[[], Any]) -> Any:
        """Run the statement for `trace` (recorded with the others): its time, and its error if it fails."""
        self.traces.append(trace)
        try:
            return execute()
        except StatementError as exc:
            trace.error, trace.code = exc.message, exc.code
            raise
        finally:
            trace.seconds = time.perf_counter() - trace.started

    def run_committing(self, sql: str, execute: Callable[[], Any]) -> Any:
        """A statement that commits as it goes (a backfill's batches): no transaction can be put around it."""
        return self.run(sql, execute)

    def transaction_ended(self, committed: bool) -> None:
        """The runner committed or rolled back: locks taken in the transaction are released now."""

    def take(self) -> list[StatementTrace]:
        """The traces recorded since the last call."""
        out, self.traces = self.traces, []
        return out

    def close(self) -> None:
        pass


class ObservedEngine:
    """The scratch engine as the runner sees it; everything but statements and transactions passes straight through."""

    def __init__(self, engine: Any, observer: TimingObserver):
        object.__setattr__(self, "_engine", engine)
        object.__setattr__(self, "_observer", observer)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._engine, name, value)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        return self._observer.run(sql, lambda: self._engine.execute(sql, params))

    def begin(self) -> None:
        self._engine.begin()

    def commit(self) -> None:
        self._engine.commit()
        self._observer.transaction_ended(True)

    def commit_with(self, items: Sequence[tuple[str, Sequence[Any] | None]]) -> None:
        # the runner's own bookkeeping (history rows) rides with the COMMIT: not the migration's statements
        self._engine.commit_with(items)
        self._observer.transaction_ended(True)

    def execute_batch(self, items: Sequence[tuple[str, Sequence[Any] | None]]) -> None:
        self._engine.execute_batch(items)  # bookkeeping too

    def observe(self, sql: str, work: Any) -> Any:
        """A statement the runner runs as many (a backfill's batches): traced as one, `sql`."""
        try:
            return self._observer.run_committing(sql, lambda: work(self._engine))
        finally:
            self._observer.transaction_ended(True)

    def rollback(self) -> None:
        try:
            self._engine.rollback()
        finally:
            self._observer.transaction_ended(False)
