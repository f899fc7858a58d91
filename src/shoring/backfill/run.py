"""The batch loop: find the next key range, change it, record how far it got, commit, pause."""

from __future__ import annotations

import contextvars
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from shoring import progress
from shoring.backfill.checkpoint import Checkpoint
from shoring.faults import boundary

#: Batches are kept between these sizes when they adapt to `target_seconds`.
MIN_BATCH, MAX_BATCH = 10, 100_000
#: Progress lines at most this often (seconds), and always at the end.
PROGRESS_EVERY = 2.0
#: The pause between batches leaves a live server room; a rehearsal on a scratch copy has no one to
#: leave room for, so it skips the sleeps and counts them here (`shoring test` reports the real time).
_SKIPPED_PAUSES: contextvars.ContextVar[list[float] | None] = contextvars.ContextVar("shoring_skipped_pauses", default=None)


@contextmanager
def pauses_skipped() -> Iterator[list[float]]:
    """Within it, batch loops do not sleep their pause; the box holds the seconds they would have slept."""
    box = [0.0]
    token = _SKIPPED_PAUSES.set(box)
    try:
        yield box
    finally:
        _SKIPPED_PAUSES.reset(token)


@dataclass(frozen=True)
class BackfillSpec:
    """What to change. `set_values` travel as parameters; `set_sql` and `where` are the user's SQL."""

    table: str
    key: str = "id"
    set_values: tuple[tuple[str, Any], ...] = ()
    set_sql: str | None = None
    where: str | None = None
    batch_size: int = 1000
    pause: float = 0.1
    target_seconds: float | None = None  # adapt the batch size so that a batch takes about this long


    def run(self, engine: Any, **options: Any) -> "BackfillResult":
        """The action protocol of a compiled statement (see shoring.operations.base.Step)."""
        return run_backfill(engine, self, **options)


@dataclass
class BackfillResult:
    rows: int = 0
    batches: int = 0
    seconds: float = 0.0
    resumed_after: Any = None
    skipped_null_keys: int = 0
    batch_sizes: list[int] = field(default_factory=list)


def next_batch_size(size: int, elapsed: float, target: float | None) -> int:
    """gh-ost's idea in one line: grow batches that finish early, shrink slow ones, at most 2x a step."""
    if not target or elapsed <= 0:
        return size
    factor = min(2.0, max(0.5, target / elapsed))
    return max(MIN_BATCH, min(MAX_BATCH, int(size * factor)))


def run_backfill(engine: Any, spec: BackfillSpec, *, checkpoint: Checkpoint | None = None,
                 say: Callable[[str], None] = lambda s: None, own_transactions: bool = True) -> BackfillResult:
    """Walk the table by key in batches. With `own_transactions`, each batch (and its checkpoint)
    commits by itself; without, the caller's transaction holds them all (no checkpoint then)."""
    q, ph = quoter(engine), engine.traits.placeholder
    own = user_sql(engine)
    table, key = q(spec.table), q(spec.key)
    set_clause = ", ".join([f"{q(column)} = {ph}" for column, _ in spec.set_values] + ([own(spec.set_sql)] if spec.set_sql else []))
    cond = f" AND ({own(spec.where)})" if spec.where else ""
    set_params = [value for _, value in spec.set_values]

    def batch(after: str, bound: list, high: Any) -> int:
        return engine.execute(f"UPDATE {table} SET {set_clause} WHERE {after}{key} <= {ph}{cond}", [*set_params, *bound, high])

    result = walk_batches(engine, spec, batch, cond=cond, checkpoint=checkpoint, say=say,
                          own_transactions=own_transactions, label=f"backfill {spec.table}")
    # a key range never holds NULL: rows without a key are not changed, and that must not pass unnoticed
    row = engine.query_one(f"SELECT COUNT(*) FROM {table} WHERE {key} IS NULL{cond}", [])
    result.skipped_null_keys = int(row[0]) if row else 0
    if result.skipped_null_keys:
        say(f"  warning: backfill {spec.table}: {result.skipped_null_keys:,} matching rows have no {spec.key} "
            f"(NULL) and were not changed; backfill them by another key")
    return result


@contextmanager
def own_transaction(engine: Any, own: bool = True) -> Iterator[None]:
    """One transaction around the block when `own` (else the caller's holds it): committed when the
    block ends, rolled back when it raises."""
    if own:
        engine.begin()
    try:
        yield
    except BaseException:
        if own and engine.in_transaction:
            engine.rollback()
        raise
    if own:
        engine.commit()


def user_sql(engine: Any) -> Callable[[str], str]:
    """The user's SQL goes in as written; where the driver formats with %, its % signs are doubled."""
    return (lambda text: text.replace("%", "%%")) if engine.traits.placeholder == "%s" else (lambda text: text)


def quoter(engine: Any) -> Callable[[str], str]:
    """engine.quote for SQL sent with parameters: where the driver formats with %, a % in a name is doubled
    (a column named `50%` would otherwise be read as a placeholder)."""
    own = user_sql(engine)
    return lambda name: own(engine.quote(name))


def walk_batches(engine: Any, spec: Any, batch: Callable[[str, list, Any], int], *, cond: str = "",
                 checkpoint: Checkpoint | None = None, say: Callable[[str], None] = lambda s: None,
                 own_transactions: bool = True, label: str = "batches") -> BackfillResult:
    """The loop every batched operation shares: find the next key range of `spec.table` (rows matching
    `cond`), let `batch(after_sql, bound_params, high_key)` change it, record the checkpoint with it,
    commit, adapt the size, pause. `spec` gives table, key, batch_size, pause and target_seconds."""
    q, ph = quoter(engine), engine.traits.placeholder
    table, key = q(spec.table), q(spec.key)
    result = BackfillResult()
    last = None
    if checkpoint is not None and own_transactions:
        checkpoint.ensure()
        earlier = checkpoint.load()
        if earlier is not None:
            last, result.rows, result.batches = earlier
            result.resumed_after = last
            say(f"  {label}: resuming after {spec.key} = {last!r} ({result.rows:,} rows in "
                f"{result.batches:,} batches done earlier)")
    size = spec.batch_size
    throttle = getattr(engine, "throttle", None) if own_transactions else None
    started = shown = time.perf_counter()
    if progress.listening():  # the live view shows a bar: how many rows are left to walk
        after = f"{key} > {ph} AND " if last is not None else ""
        left = engine.query_one(f"SELECT count(*) FROM {table} WHERE {after}1 = 1{cond}", [last] if last is not None else [])
        progress.emit("batches_start", label=label, table=spec.table, key=spec.key, total=result.rows + int(left[0]),
                      done=result.rows, batch_size=size, pause=spec.pause)
    while True:
        if throttle is not None:
            throttle.wait(engine, label)  # the application suffers: let it breathe before the next batch
        t0 = time.perf_counter()
        after = f"{key} > {ph} AND " if last is not None else ""
        bound = [last] if last is not None else []
        this_size = throttle.batch_size(size) if throttle else size  # halved while sessions wait on us
        with own_transaction(engine, own_transactions):
            row = engine.query_one(f"SELECT MAX({key}) FROM (SELECT {key} FROM {table} WHERE {after}1 = 1{cond} "
                                   f"ORDER BY {key} LIMIT {int(this_size)}) AS batch", bound)
            high = row[0] if row else None
            if high is not None:
                result.rows += max(batch(after, bound, high), 0)
                result.batches += 1
                if checkpoint is not None and own_transactions:
                    engine.execute_batch(checkpoint.save_statements(high, result.rows, result.batches))
        if throttle is not None:
            throttle.after_batch(size, spec.pause, label)  # sessions waited on this batch's rows: smaller batches, longer pauses
        if high is None:
            break
        if checkpoint is not None and own_transactions:
            boundary(f"{checkpoint.direction}:{checkpoint.version}:batch:{checkpoint.statement}:{result.batches}")
        last = high
        result.batch_sizes.append(this_size)
        progress.emit("batch", label=label, table=spec.table, done=result.rows, batches=result.batches,
                      batch_size=throttle.batch_size(size) if throttle else size, seconds=time.perf_counter() - t0,
                      pause=(throttle.pause(spec.pause) if throttle else spec.pause) if own_transactions else 0.0,
                      slowed=bool(throttle and throttle.batch_size(size) < size), last=str(last))
        size = next_batch_size(size, time.perf_counter() - t0, spec.target_seconds)
        now = time.perf_counter()
        if now - shown >= PROGRESS_EVERY and not progress.listening():  # a listener shows it with rate and ETA
            shown = now
            say(f"  {label}: {result.rows:,} rows in {result.batches:,} batches, up to {spec.key} = {last!r}")
        pause = throttle.pause(spec.pause) if throttle is not None else spec.pause
        if pause > 0 and own_transactions:
            skipped = _SKIPPED_PAUSES.get()
            if skipped is None:
                time.sleep(pause)  # throttle: leave the server room between batches
            else:
                skipped[0] += pause
    result.seconds = time.perf_counter() - started
    progress.emit("batches_end", label=label, table=spec.table, done=result.rows, batches=result.batches,
                  seconds=result.seconds)
    say(f"  {label}: {result.rows:,} rows in {result.batches:,} batches ({result.seconds:.1f}s)")
    return result
