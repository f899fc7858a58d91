"""A short calibration on the target's server: how fast it rewrites, indexes, scans and updates this table.

For each table the plan does size-dependent work on, a sample of its own rows (up to `sample_rows`)
is copied into a scratch table with the same columns and indexes, and each kind of work the plan
needs is timed on it and turned into microseconds per row. A tiny copy (`TINY_ROWS` rows) times what
any run costs whatever the size (catalog work, file creation, a commit), the sample what each row adds.
Where the copy lives is each engine's business (a "lab", `shoring.plan.lab_<engine>`):

- PostgreSQL: a scratch table in the target database, inside a transaction that is always rolled back;
- MySQL/MariaDB: DDL commits at once, so a scratch database on the same server, dropped afterwards;
- SQLite: a temporary file, filled through a read-only ATTACH of the target.

The user's tables are only read. What each kind of work runs on the copy is data (`Probe`s per lab).
"""

from __future__ import annotations

import importlib
import time
from dataclasses import dataclass
from typing import Any, Callable

from shoring.engines.description import describe
from shoring.plan.rates import Rate

#: kinds calibrated by timing one statement on the copy; the rest borrow a measured kind
BORROW = {"backfill": "update", "delete": "update"}
#: kinds of work a statement may be timed for itself on the copy (DDL: what it does to the copy is
#: undone by making the copy again); DML is timed by stand-ins and loops, whose rows the copy may lack
OWN_STATEMENT_KINDS = ("index", "rewrite", "copy")
#: tables smaller than this are not worth measuring: any rate gives "< 1 second"
MIN_ROWS = 5000
#: rows of the tiny copy that measures the fixed cost of each kind of work, and the smallest sample
TINY_ROWS = 100
MIN_SAMPLE = 1000
#: each measurement is the best of this many runs: a first run pays for cold caches
REPEAT = 2
#: the order kinds are measured in
ORDER = ("scan", "index", "update", "copy", "rewrite")

Rates = dict[tuple[str, str, tuple[str, ...]], Rate]


@dataclass(frozen=True)
class Need:
    kind: str
    table: str
    columns: tuple[str, ...] = ()
    loop_sql: str = ""  # a batched backfill's UPDATE/DELETE (procedural variables already replaced)
    remaining_sql: str = ""  # the query that finds the rows it still has to change
    batches: int = 0  # how many batches it takes on the real table
    statement: str = ""  # the statement doing this work (and no other), to run itself on the copy


@dataclass(frozen=True)
class Probe:
    """One statement timed on a copy (`{t}` is the copy's name, `{cols}` the columns the work is on),
    with untimed statements that prepare the copy before each run and put it back after it."""

    sql: str
    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    runs: int = REPEAT
    own: bool = False  # the user's own statement: run as written, the copy remade after each run


@dataclass
class Copy:
    """A copy of a table's shape and some of its rows, and the connection it is reached through."""

    engine: Any
    name: str  # quoted, as statements on that connection name it
    rows: int = 0
    seconds: float = 0.0  # to fill it: the insert rate
    database: str | None = None  # the scratch database holding it, where the engine has them
    remake: Callable[[], None] = lambda: None  # makes it again as it was first made


def calibrate(url: Any, live: Any, needs: set[Need], sample_rows: int = 20000,
              say: Callable[[str], None] = lambda s: None) -> tuple[Rates, list[str]]:
    """({(kind, table, columns): Rate}, notes). Never raises: a failed calibration is a note."""
    if not needs:
        return {}, []
    module = importlib.import_module(describe(live.name).lab)
    try:
        lab = module.Lab(url, live)
    except Exception as exc:  # noqa: BLE001
        return {}, [f"calibration skipped: {module.CANNOT} ({' '.join(str(exc).split())[:200]})"]
    notes: list[str] = []
    out: Rates = {}
    try:
        by_table: dict[str, list[Need]] = {}
        for need in sorted(needs, key=lambda n: (n.table, n.kind, n.columns)):
            by_table.setdefault(need.table, []).append(need)
        for i, (table, table_needs) in enumerate(by_table.items()):
            say(f"calibrating on a sample of {table} ...")
            try:
                rates, note = _calibrate_table(lab, live, table, table_needs, sample_rows, i)
            except Exception as exc:  # noqa: BLE001 - any failure: fall back to other sources
                rates, note = {}, f"calibration on {table} failed: {' '.join(str(exc).split())[:200]}"
            out.update(rates)
            if note:
                notes.append(note)
    finally:
        lab.close()
    return out, notes


def _calibrate_table(lab: Any, live: Any, table: str, needs: list[Need], sample_rows: int, n: int
                     ) -> tuple[Rates, str]:
    schema_table = live.schema.tables.get(table)
    if schema_table is None:
        return {}, ""
    out: Rates = {}
    with lab.copies(table, schema_table, int(sample_rows), n) as (tiny, sample):
        if sample.rows < MIN_SAMPLE:
            return {}, f"calibration on {table} skipped: only {sample.rows} rows to sample"
        detail = f"measured on a {sample.rows:,}-row sample of {table} ({lab.how})"
        out[("insert", table, ())] = Rate(sample.seconds * 1e6 / sample.rows, "calibration", detail)
        own_detail = f"the statement itself run on a {sample.rows:,}-row sample of {table} ({lab.how})"
        measured: dict[tuple[str, tuple[str, ...]], float] = {}
        details: dict[tuple[str, tuple[str, ...]], str] = {}
        rank = {k: i for i, k in enumerate(ORDER)}
        # reads first (they warm the caches); a statement that can run itself before a stand-in for it
        for need in sorted(needs, key=lambda x: (rank.get(BORROW.get(x.kind, x.kind), 99), not x.statement)):
            if need.kind == "backfill" and need.loop_sql:
                rate = _backfill_rate(lab, tiny, sample, table, need)
                if rate is not None:
                    out[("backfill", table, ())] = rate
                    continue
            kind = BORROW.get(need.kind, need.kind)
            key = (kind, need.columns if kind == "index" else ())
            if key not in measured:
                own = lab.statement_probe(need.statement, table) if need.statement else None
                for probe in (own, lab.probe(kind, schema_table, need.columns)):
                    per_row = _per_row(lab, tiny, sample, probe, schema_table, need.columns) if probe else None
                    if per_row is not None:
                        measured[key] = per_row
                        details[key] = own_detail if probe is own else detail
                        break
                else:
                    continue
            rate = Rate(measured[key] * 1e6, "calibration", details[key])
            for k in ((need.kind, table, need.columns), (kind, table, need.columns if kind == "index" else ())):
                if k not in out or not out[k].whole_loop:  # a measured loop beats a borrowed rate
                    out[k] = rate
    return out, ""


def _backfill_rate(lab: Any, tiny: Copy, sample: Copy, table: str, need: Need) -> Rate | None:
    """The loop on the tiny copy (batches of a row or two) costs what any batch costs; on the sample,
    as many batches as on the real table, what its rows and re-reads add."""
    fixed = _time_backfill(lab, tiny, table, need)
    runs = [_time_backfill(lab, sample, table, need) for _ in range(REPEAT)]
    loop = min((r for r in runs if r is not None), default=None, key=lambda r: r[0])
    if loop is None or fixed is None:
        return None
    seconds, rows, batches, size = loop
    per_batch = fixed[0] / fixed[2]
    per_row = max(seconds - per_batch * batches, seconds / 5) / rows
    return Rate(per_row * 1e6, "calibration",
                f"the loop itself run on a {sample.rows:,}-row sample of {table} in {batches} batches of {size} "
                f"rows, as many as on the real table, {per_batch * 1000:.1f} ms a batch ({lab.how})",
                whole_loop=True, per_batch=per_batch)


def _per_row(lab: Any, tiny: Copy, sample: Copy, probe: Probe, table: Any, columns: tuple[str, ...]) -> float | None:
    """Seconds per row a probe adds: its time on the sample less its time on the tiny copy."""
    fixed = _measure(lab, tiny, probe, table, columns)  # also warms the caches
    big = _measure(lab, sample, probe, table, columns) if fixed is not None else None
    if big is None or fixed is None:
        return None
    # never let noise make the per-row cost vanish: at least a fifth of the sample's time
    return max(big - fixed, big / 5) / max(sample.rows - tiny.rows, 1)


def probe_columns(table: Any, columns: tuple[str, ...]) -> tuple[str, list[str]]:
    """(a column no index covers, to read or change; the columns to index: the work's own, else the key)."""
    names = [c.name for c in table.columns]
    indexed = {c for i in table.indexes for c in i.columns}
    plain = [c.name for c in table.columns if c.name not in indexed and not c.generated]
    first = (plain or [c.name for c in table.columns if not c.generated] or names)[0]
    use = [c for c in columns if c in names] or [table.primary_key[0] if table.primary_key else first]
    return first, use


def _measure(lab: Any, copy: Copy, probe: Probe, table: Any, columns: tuple[str, ...]) -> float | None:
    """Best time of the probe's statement, each run on the copy as the previous one found it."""
    first, use = probe_columns(table, columns)
    q = copy.engine.quote
    fill = {"t": copy.name, "col": q(first), "cols": ", ".join(q(c) for c in use)}
    best = None
    for _ in range(probe.runs):
        try:
            with lab.undoing(copy, data=probe.own):
                for statement in probe.before:
                    copy.engine.execute(statement.format(**fill))
                took = timed(copy.engine, probe.sql if probe.own else probe.sql.format(**fill))[0]
                for statement in probe.after:
                    copy.engine.execute(statement.format(**fill))
        except Exception:  # noqa: BLE001 - e.g. a column type without a default btree operator class
            return None
        best = took if best is None else min(best, took)
    return best


def _time_backfill(lab: Any, copy: Copy, table: str, need: Need) -> tuple[float, int, int, int] | None:
    """Run a batched backfill on the copy, batch size scaled so it takes as many batches as on the
    real table (each batch may re-read what earlier ones did: the batch count shapes the cost).
    (seconds, rows changed, batches, batch size) or None when it cannot run on the copy."""
    try:
        count = f"SELECT count(*) FROM ({lab.swap(need.remaining_sql, table, copy)}) AS remaining"
        matching = copy.engine.query_one(count)[0] if need.remaining_sql else None
    except Exception:  # noqa: BLE001 - a column the plan adds: the copy does not have it
        return None
    if not matching or need.batches < 1:
        return None
    size = max(1, -(-matching // max(need.batches - 1, 1)))
    try:
        statement = lab.swap(need.loop_sql, table, copy, size)
    except Exception:  # noqa: BLE001
        return None
    rows = batches = 0
    try:
        with lab.undoing(copy, data=True):
            t0 = time.perf_counter()
            while batches <= need.batches * 2 + 10:  # a loop that never ends on the copy is no measure
                batches += 1
                done = copy.engine.execute(statement)
                if not done or done < 0:
                    break
                rows += done
            seconds = time.perf_counter() - t0
    except Exception:  # noqa: BLE001
        return None
    return (seconds, rows, batches, size) if rows else None


def timed(engine: Any, sql: str) -> tuple[float, int]:
    """(seconds, rows affected) of one statement."""
    t0 = time.perf_counter()
    rows = engine.execute(sql)
    return time.perf_counter() - t0, rows
