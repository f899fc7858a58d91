"""The seed's "verify migration success", run by apply after its last migration:

- the schema equals the one `shoring test` produced for these exact files, when the rehearsal started
  from the schema this apply started from;
- tables the migrations do not name kept their rows: counted and checksummed when small; for big tables
  the statistics' estimate plus sampled chunk checksums (key ranges spread over the table), so the check
  costs the same on a billion rows;
- ANALYZE for each table a rewrite or copy rebuilt, so the planner does not run on stale statistics;
- the result goes into the audit trail (event ``verify``) and is said.

Another client writing to an untouched table during the apply shows up here too: the findings are said as
warnings, never turned into a failed apply (the migrations did run).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shoring import verify
from shoring.verify.fingerprint import table_fingerprint

#: tables up to this many rows are counted and checksummed whole
SMALL_ROWS = 20_000
#: sampled chunks per big table, and rows per chunk
CHUNKS, CHUNK_ROWS = 8, 1000
#: an estimate that moved by more than this fraction counts as changed
ESTIMATE_SLACK = 0.1


@dataclass
class Baseline:
    """What was true before the first change."""

    schema: Any
    tables: list[str]  # untouched tables, checked after
    unknown_tables: bool  # a Python migration: which tables it writes cannot be known
    prints: dict[str, Any] = field(default_factory=dict)  # table -> fingerprint, estimate or chunk prints


@dataclass
class Result:
    lines: list[str] = field(default_factory=list)  # "ok" facts
    problems: list[str] = field(default_factory=list)

    def detail(self) -> str:
        return "; ".join(self.problems or self.lines)


def touched_tables(plan: Any) -> set[str]:
    out: set[str] = set()
    for mig in plan.migrations:
        for sp in mig.statements:
            out.update(sp.analyzed.tables)
            for op in sp.analyzed.operations:
                if op.table:
                    out.add(op.table)
    return out


def take_baseline(engine: Any, plan: Any, todo: list[Any], history_table: str) -> Baseline:
    schema = verify.snapshot(engine, history_table=history_table)
    touched = {t.split(".")[-1] for t in touched_tables(plan)} if plan is not None else set()
    unknown = plan is None or any(m.kind == "python" for m in todo)
    tables = [] if unknown else [t for t in sorted(schema.tables) if t.split(".")[-1] not in touched]
    base = Baseline(schema, tables, unknown)
    stats = verify.table_stats(engine, schema, only=tables) if tables else {}
    for name in tables:
        base.prints[name] = _print(engine, schema.tables[name], stats.get(name))
    return base


def _print(engine: Any, table: Any, stats: Any) -> dict[str, Any]:
    """{"whole": fp} for small tables; {"estimate": n, "chunks": {(lo, hi): fp}} for big ones."""
    if stats is None or stats.rows is None or stats.rows <= SMALL_ROWS:
        return {"whole": table_fingerprint(engine, table)}
    return {"estimate": stats.rows, "chunks": _chunks(engine, table, stats.rows)}


def _chunks(engine: Any, table: Any, rows: int) -> dict[tuple[int, int], Any]:
    """Fingerprints of CHUNKS key ranges spread evenly over an integer primary key (none: no chunks)."""
    from shoring.verify.fingerprint import qualified

    key = _integer_key(table)
    if key is None:
        return {}
    q = engine.quote(key)
    lo, hi = engine.query_one(f"SELECT min({q}), max({q}) FROM {qualified(engine, table.name)}")
    if lo is None:
        return {}
    span = max(1, int((hi - lo + 1) * CHUNK_ROWS / max(rows, 1)))
    step = max(span, (hi - lo + 1) // CHUNKS)
    out = {}
    for i in range(CHUNKS):
        start = lo + i * step
        if start > hi:
            break
        end = start + span
        out[(start, end)] = table_fingerprint(engine, table, f"{q} >= %s AND {q} < %s", [start, end])
    return out


def _integer_key(table: Any) -> str | None:
    pk = next((c for c in table.constraints if c.kind == "primary key"), None)
    columns = list(pk.columns) if pk is not None else []
    if len(columns) != 1:
        return None
    column = next((c for c in table.columns if c.name == columns[0]), None)
    kind = (column.type if column is not None else "").lower()
    return columns[0] if any(word in kind for word in ("int", "serial")) else None


def check(engine: Any, base: Baseline, todo: list[Any], plan: Any, root: Any, history_table: str) -> Result:
    result = Result()
    now = verify.snapshot(engine, history_table=history_table)
    _schema_as_rehearsed(base, now, todo, root, engine.name, result)
    _untouched_rows(engine, base, now, result)
    _analyze_rewritten(engine, plan, result)
    return result


def _schema_as_rehearsed(base: Baseline, now: Any, todo: list[Any], root: Any, engine: str, result: Result) -> None:
    from shoring.rehearsal.record import rehearsal_record

    runs = []
    for mig in todo:
        record = rehearsal_record(root, mig.checksum)
        run = (record or {}).get("runs", {}).get(engine)
        runs.append(run if run and run.get("schema_after") else None)
    if not runs or any(r is None for r in runs):
        result.lines.append("schema: not compared (not every file was rehearsed on this engine by `shoring test`)")
        return
    started = verify.Schema.from_dict(runs[0]["schema_before"])
    if verify.diff(started, base.schema):
        result.lines.append("schema: not compared (the rehearsal started from another schema than this apply)")
        return
    changes = verify.diff(verify.Schema.from_dict(runs[-1]["schema_after"]), now)
    if changes:
        result.problems.append(f"schema differs from the rehearsal's: {'; '.join(changes.lines()[:5])}")
    else:
        result.lines.append("schema: as rehearsed")


def _untouched_rows(engine: Any, base: Baseline, now: Any, result: Result) -> None:
    if base.unknown_tables:
        result.lines.append("untouched tables: not checked (a Python migration may write any table)")
        return
    if not base.tables:
        result.lines.append("untouched tables: none")
        return
    stats = verify.table_stats(engine, now, only=base.tables)  # the others may lack statistics: counted, in full
    changed = []
    for name in base.tables:
        table = now.tables.get(name)
        if table is None:
            changed.append(f"{name}: table is gone")
            continue
        before = base.prints[name]
        if "whole" in before:
            after = table_fingerprint(engine, table)
            if after != before["whole"]:
                change = verify.DataChange(name, before["whole"], after)
                changed.append(change.message)
            continue
        estimate = stats[name].rows if name in stats else None
        if estimate is not None and abs(estimate - before["estimate"]) > ESTIMATE_SLACK * before["estimate"]:
            changed.append(f"{name}: ~{before['estimate']} row(s) before, ~{estimate} now (estimates)")
            continue
        key = _integer_key(table)
        for (lo, hi), fp in before["chunks"].items():
            q = engine.quote(key)
            if table_fingerprint(engine, table, f"{q} >= %s AND {q} < %s", [lo, hi]) != fp:
                changed.append(f"{name}: rows with {key} in [{lo}, {hi}) changed (sampled chunk)")
                break
    if changed:
        result.problems.append("tables the migrations do not name changed: " + "; ".join(changed[:5]))
    else:
        result.lines.append(f"untouched tables: {len(base.tables)} unchanged")


def _analyze_rewritten(engine: Any, plan: Any, result: Result) -> None:
    from shoring.engines import StatementError

    tables = sorted({w.table for m in plan.migrations for sp in m.statements for w in sp.work
                     if w.kind in ("rewrite", "copy") and w.table} if plan is not None else set())
    done = []
    for table in tables:
        if not engine.table_exists(table):
            continue
        try:
            engine.analyze(table)
            done.append(table)
        except StatementError as exc:
            result.problems.append(f"ANALYZE {table} failed: {exc.message}")
    if done:
        result.lines.append(f"ANALYZE {', '.join(done)} (rewritten)")
