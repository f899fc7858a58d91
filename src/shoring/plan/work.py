"""What each statement makes the server do that grows with the data, and over how many rows.

The lock and rewrite facts come from analysis; this module turns them into work the estimator
can price: a rewrite copies every row and rebuilds the indexes, an index build reads and sorts,
a validation reads, DML changes the rows its WHERE clause matches (the server's planner says how
many, without running it), a batched backfill changes them batch by batch.
"""

from __future__ import annotations

from typing import Any

from shoring.analysis.model import AnalyzedStatement, Effect, Operation
from shoring.backfill.run import BackfillSpec
from shoring.engines.description import describe
from shoring.plan.model import Work
from shoring.plan.volume import Volumes

#: work kind -> what it is (the estimator prices each by a rate per row)
WORK_KINDS: dict[str, str] = {
    "rewrite": "copies every row into a new table file and rebuilds every index",
    "copy": "MySQL ALGORITHM=COPY: copies every row into a new table, row by row, with writes blocked",
    "index": "reads every row and sorts the keys into a new index",
    "scan": "reads every row to check it",
    "update": "changes rows (new row versions, index entries, WAL)",
    "delete": "deletes rows",
    "insert": "inserts rows",
    "backfill": "changes rows batch by batch",
}

def _is_index_build(op: Operation) -> bool:
    if op.kind in ("create_index", "reindex"):
        return True
    if op.kind == "add_constraint":
        return op.get("constraint") in ("unique", "primary_key", "exclude") and not op.get("using_index")
    if op.kind == "add_column":
        spec = op.get("spec")
        return spec is not None and (spec.unique or spec.primary_key)
    return False


def _all_rows(volumes: Volumes, table: str | None) -> tuple[int | None, str]:
    vol = volumes.get(table)
    if vol.rows is None:
        return None, "table size unknown"
    return vol.rows, "all rows"


def statement_work(st: AnalyzedStatement, volumes: Volumes, live: Any, engine: str, catalog: Any = None
                   ) -> tuple[list[Work], list[str], list[str]]:
    """(work items, unknowns, notes) of one analysed statement, with sizes as the plan has them here."""
    work: list[Work] = []
    unknowns: list[str] = []
    notes: list[str] = []
    for op, eff in zip(st.operations, st.effects):
        work.extend(_operation_work(st, op, eff, volumes, live, engine, unknowns, notes, catalog))
    if st.error is not None and not st.operations:
        # the parser could not read it: a procedural block the plan's own reader may know, else unknown
        if _read_block(engine, st.sql) is not None:
            work.extend(_do_block_work(st, volumes, live, engine, unknowns, notes, catalog))
        else:
            unknowns.append("the analysis could not read this statement: its duration is unknown")
            work.append(Work("opaque", None, None, "a statement the analysis could not read"))
    for w in work:
        if w.rows is None and w.table and f"size of {w.table} unknown" not in unknowns:
            unknowns.append(f"size of {w.table} unknown")
    return work, unknowns, notes


def _operation_work(st: AnalyzedStatement, op: Operation, eff: Effect, volumes: Volumes, live: Any, engine: str,
                    unknowns: list[str], notes: list[str], catalog: Any = None) -> list[Work]:
    if op.new_table:
        return []  # a table this migration created: empty until the migration fills it
    if eff.rewrites:
        kind = "copy" if eff.online_ddl and eff.online_ddl[0] == "COPY" else "rewrite"
        out = []
        for t in eff.rewrites:
            rows, note = _all_rows(volumes, t)
            out.append(Work(kind, t, rows, note))
        return out
    if _is_index_build(op):
        table = op.table or (live_index_table(op, live))
        rows, note = _all_rows(volumes, table)
        cols = tuple(c for c in (op.get("columns") or ()) if c and c != "(expression)")
        return [Work("index", table, rows, note, columns=cols, concurrently=bool(op.get("concurrently")))]
    if op.kind in ("update", "delete") and isinstance(st.action, BackfillSpec):
        work = _backfill_work(st.action, volumes, live, engine, unknowns)
        if catalog is not None and catalog.table(work.table) is not None and not _indexed(catalog, work.table, [st.action.key]):
            notes.append(f"no index on {work.table}({st.action.key}), the key the batches walk: finding each batch reads "
                         f"{work.table} from its start; index it, or give key= an indexed unique column")
        return [work]
    if op.kind in ("update", "delete"):
        return [_dml_work(st, op, volumes, live, engine, unknowns)]
    if op.kind == "insert":
        if not op.get("from_select"):
            return [Work("insert", op.table, 1, "the rows of its VALUES list")]
        rows = live.explain_rows(st.sql) if live is not None else None
        if rows is None:
            srcs = [volumes.get(s).rows for s in op.get("sources") or ()]
            rows = sum(srcs) if srcs and all(r is not None for r in srcs) else None
            note = "up to every row of its sources" if rows is not None else "rows of its query unknown"
        else:
            note = f"~{rows:,} rows from its query ({live.rows_source})"
        return [Work("insert", op.table, rows, note)]
    if op.kind == "create_table" and op.get("as_select"):
        srcs = [volumes.get(s).rows for s in op.get("sources") or ()]
        rows = sum(srcs) if srcs and all(r is not None for r in srcs) else None
        return [Work("insert", op.table, rows, "rows of its query (up to every row of its sources)")]
    if op.kind == "do_block" and engine in BLOCK_READERS:
        return _do_block_work(st, volumes, live, engine, unknowns, notes, catalog)
    if op.kind in ("do_block", "python"):
        unknowns.append("code the analysis cannot read: its duration is unknown")
        return [Work("opaque", None, None, "procedural code")]
    if eff.scans:
        out = []
        for t in eff.scans:
            rows, note = _all_rows(volumes, t)
            out.append(Work("scan", t, rows, note))
        if op.kind == "add_constraint" and op.get("constraint") == "foreign_key":
            for ref in eff.locks:
                if ref not in eff.scans and ref != op.table:
                    rows, note = _all_rows(volumes, ref)
                    out.append(Work("scan", ref, rows, note + " (looked up for every row)"))
        return out
    return []


def _backfill_work(spec: Any, volumes: Volumes, live: Any, engine: str, unknowns: list[str]) -> Work:
    """A Backfill operation: every row its `where` selects, in batches of its size, with its pause."""
    from shoring.operations.dialects import dialect

    total, note = _all_rows(volumes, spec.table)
    remaining = f"SELECT 1 FROM {dialect(engine).table(spec.table)}" + (f" WHERE {spec.where}" if spec.where else "")
    rows = _planner_rows(remaining, spec.table, live, engine, unknowns) if spec.where else None
    if rows is not None:
        note = f"~{rows:,} rows still to change ({live.rows_source})"
    else:
        rows = total
        if total is not None and spec.where:
            note = "up to every row (rows still to change not estimated)"
    batches = max(1, -(-rows // spec.batch_size)) + 1 if rows is not None else None  # the last batch finds none
    return Work("backfill", spec.table, rows, note, batches=batches, batch_size=spec.batch_size,
                pause_seconds=spec.pause, remaining_sql=remaining)


def live_index_table(op: Operation, live: Any) -> str | None:
    if live is None or not op.name:
        return None
    for tname, table in live.schema.tables.items():
        if any(i.name == op.name for i in table.indexes):
            return tname
    return None


def _dml_work(st: AnalyzedStatement, op: Operation, volumes: Volumes, live: Any, engine: str,
              unknowns: list[str]) -> Work:
    total, note = _all_rows(volumes, op.table)
    if not op.get("where"):
        return Work(op.kind, op.table, total, note)
    rows = _planner_rows(st.sql, op.table, live, engine, unknowns)
    if rows is not None:
        return Work(op.kind, op.table, rows, f"~{rows:,} rows matching its WHERE clause ({live.rows_source})")
    if total is None:
        return Work(op.kind, op.table, None, "rows matching its WHERE clause unknown")
    unknowns.append(f"rows matching the WHERE clause unknown: assumed up to every row of {op.table}")
    return Work(op.kind, op.table, total, "up to every row (WHERE clause not estimated)")


def _planner_rows(sql: str, table: str | None, live: Any, engine: str, unknowns: list[str]) -> int | None:
    if live is None:
        return None
    rows = live.explain_rows(sql)
    if rows is None or not describe(engine).column_statistics or not table:
        return rows
    from shoring.plan.backfill import where_columns

    missing = live.columns_without_statistics(table, where_columns(sql))
    if missing:
        unknowns.append(f"no planner statistics for {table}.{', '.join(missing)} (run ANALYZE): "
                        "assumed up to every row")
        return None
    return rows


#: engine -> "module:function" reading the batched loops of its procedural blocks
BLOCK_READERS = {"postgresql": "shoring.plan.backfill:read_do_block",
                 "mysql": "shoring.plan.backfill_mysql:read_compound"}
#: what a block that runs in one transaction holds, and how to release it, per engine
ONE_TRANSACTION = {
    "postgresql": "the DO block runs as one transaction: row locks on {table} from every batch are held until it "
                  "ends (COMMIT inside the loop, PostgreSQL 11+, releases them per batch)",
    "mysql": "the block runs inside START TRANSACTION: row locks on {table} from every batch are held until it "
             "commits (without it, each batch commits by itself)",
}


def _read_block(engine: str, sql: str) -> Any:
    """The engine's procedural block (`DoBlock`) in `sql`, or None."""
    import importlib

    if engine not in BLOCK_READERS:
        return None
    module, _, function = BLOCK_READERS[engine].partition(":")
    return getattr(importlib.import_module(module), function)(sql)


def _do_block_work(st: AnalyzedStatement, volumes: Volumes, live: Any, engine: str, unknowns: list[str],
                   notes: list[str], catalog: Any = None) -> list[Work]:
    block = _read_block(engine, st.sql)
    if block is None or not block.loops:
        unknowns.append("procedural block without a recognisable batched loop: its duration is unknown")
        return [Work("opaque", None, None, "procedural code")]
    out = []
    for loop in block.loops:
        total, note = _all_rows(volumes, loop.table)
        rows = None
        if loop.remaining_sql and live is not None:
            rows = _planner_rows(loop.remaining_sql, loop.table, live, engine, unknowns)
            if rows is not None:
                note = f"~{rows:,} rows still to change ({live.rows_source})"
        if rows is None:
            rows = total
            if total is not None and loop.remaining_sql:
                note = "up to every row (rows still to change not estimated)"
        batches = None
        if rows is not None and loop.batch_size:
            batches = max(1, -(-rows // loop.batch_size)) + 1  # the last, empty batch ends the loop
        rescanned = None
        if batches and batches > 2 and loop.pick_columns and not _indexed(catalog, loop.table, loop.pick_columns):
            # no index finds the next batch: each batch reads again past every row already done
            rescanned = rows * (batches - 1) // 2
            notes.append(f"no index on {loop.table}({', '.join(loop.pick_columns)}) finds the next batch: each of "
                         f"the ~{batches:,} batches reads past the rows already done (~{rescanned:,} row reads in all); "
                         "an index on the batch filter, or batching by key ranges, avoids it")
        out.append(Work("backfill", loop.table, rows, note, batches=batches, batch_size=loop.batch_size,
                        pause_seconds=loop.pause_seconds, rescanned_rows=rescanned, loop_sql=loop.statement,
                        remaining_sql=loop.remaining_sql or ""))
        if not loop.commits:
            notes.append(ONE_TRANSACTION[engine].format(table=loop.table))
    return out


def _indexed(catalog: Any, table: str, columns: list[str]) -> bool:
    """An index leads with one of the columns (so the server can jump to the next batch)."""
    if catalog is None:
        return False
    return any(catalog.has_index_on(table, (c,)) for c in columns)
