"""Who waits while a migration runs: the relations whose reads or writes are blocked, and how long.

A lock taken inside a transaction is held until COMMIT. In a migration that runs in one transaction
the ACCESS EXCLUSIVE lock of its first ALTER therefore blocks the table until the last statement is
done, however quick the ALTER itself was: the blocked time runs to the end of the transaction block.
"""

from __future__ import annotations

from shoring.analysis.model import PG_BLOCKS_READS, PG_BLOCKS_WRITES, SQLITE_DATABASE, stronger
from shoring.engines.description import describe
from shoring.plan.model import Blocking, StatementPlan

#: engine -> lock mode -> (blocks reads, blocks writes) of other sessions on that relation
MODE_BLOCKS: dict[str, dict[str, tuple[bool, bool]]] = {
    "postgresql": {m: (m in PG_BLOCKS_READS, m in PG_BLOCKS_WRITES) for m in (
        "AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock",
        "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock")},
    "mysql": {"ROW": (False, False), "NONE": (False, False), "SHARED": (False, True), "EXCLUSIVE": (True, True)},
    # SQLite: RESERVED lets readers go on (WAL) but queues every other writer; EXCLUSIVE stops readers too
    "sqlite": {"SHARED": (False, False), "RESERVED": (False, True), "EXCLUSIVE": (True, True)},
}


def blocks(engine: str, mode: str) -> tuple[bool, bool]:
    return MODE_BLOCKS.get(engine, {}).get(mode, (False, False))


def statement_blocks(engine: str, sp: StatementPlan) -> dict[str, tuple[str, bool, bool]]:
    """relation -> (mode, reads blocked, writes blocked) for the relations this statement blocks."""
    a = sp.analyzed
    out: dict[str, tuple[str, bool, bool]] = {}
    new_tables = {op.table for op in a.operations if op.new_table and op.table}
    for rel, mode in a.locks.items():
        if rel in new_tables:
            continue  # created earlier in this migration: nothing else uses it yet
        reads, writes = blocks(engine, mode)
        if describe(engine).online_ddl_clauses and a.online_ddl and a.online_ddl.get("algorithm") == "COPY":
            writes = True
        if reads or writes:
            out[rel] = (mode, reads, writes)
    return out


def migration_blocking(engine: str, statements: list[StatementPlan], fresh: set[str]) -> list[Blocking]:
    """Blocked relations of one migration, each from the first statement blocking it to its lock's release.

    `fresh` are tables created by this plan (nothing uses them yet). Sets each statement's
    `blocks_seconds` as a side effect.
    """
    out: dict[tuple[str, int | None], Blocking] = {}
    whole_database = describe(engine).locks_whole_database
    order = [sp for sp in statements]
    for i, sp in enumerate(order):
        held = statement_blocks(engine, sp)
        block = sp.analyzed.transaction if sp.analyzed.in_transaction else None
        if block is not None:
            span = [x for x in order[i:] if x.analyzed.transaction == block and x.analyzed.in_transaction]
            last = span[-1]
            until = ("COMMIT (the end of the migration)" if last is order[-1]
                     else f"COMMIT after statement {last.index}")
        else:
            span = [sp]
            until = f"the end of statement {sp.index}"
        seconds = _sum([x.estimate.seconds for x in span])
        if held:
            sp.blocks_seconds = seconds
        for rel, (mode, reads, writes) in held.items():
            if rel in fresh or rel == SQLITE_DATABASE and not whole_database:
                continue
            key = (rel, block if block is not None else -i)
            if key in out:
                b = out[key]
                b.lock = stronger(b.lock, mode) or mode
                b.reads, b.writes = b.reads or reads, b.writes or writes
                if block is None:
                    b.seconds = _sum([b.seconds, seconds])
                continue
            out[key] = Blocking(relation=rel, lock=mode, reads=reads, writes=writes, seconds=seconds,
                                from_statement=sp.index, until=until)
    merged: dict[str, Blocking] = {}
    for b in out.values():  # one entry per relation: the longest block
        cur = merged.get(b.relation)
        if cur is None or (b.seconds or 0) > (cur.seconds or 0) or b.seconds is None:
            if cur is not None:
                b.reads, b.writes = b.reads or cur.reads, b.writes or cur.writes
            merged[b.relation] = b
        else:
            cur.reads, cur.writes = cur.reads or b.reads, cur.writes or b.writes
    return list(merged.values())


def _sum(values: list[float | None]) -> float | None:
    if any(v is None for v in values):
        return None
    return float(sum(values))  # type: ignore[arg-type]
