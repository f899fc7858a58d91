"""Phases of expand-contract migrations a user drives, as pgroll users expect.

An operation with an `expands` key (ExpandRenameColumn, ExpandChangeType) leaves old and new schema
live side by side, kept in step by triggers, once its migration is applied: the migration is
*expanded*. `apply` stops there, so that the code using the new schema is deployed before the old
one goes. `complete` then runs the contract: a pending migration file holding the Contract operation
if there is one (the two-file way), else the contract each expand implies. `abort` undoes the
expand with the migration's own down, so the old schema is exactly as it was. The history keeps a
`complete` event per migration; `status` reads the phase from the files and those events.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from shoring.errors import CheckFailed, MigrationFailed, ShoringError
from shoring.migrations import Migration
from shoring.migrations.discovery import version_key
from shoring.operations.base import BaseOperation
from shoring.runner.history import HistoryRow
from shoring.runner.session import Session

EXPANDED, COMPLETED = "expanded", "completed"


@dataclass
class OpenExpand:
    migration: Migration
    operations: list[BaseOperation]

    @property
    def version(self) -> str:
        return self.migration.version

    def describe(self) -> str:
        return ", ".join(op.describe() for op in self.operations)


def expand_operations(mig: Migration | None) -> list[BaseOperation]:
    if mig is None or mig.kind != "operations":
        return []
    return [op for _, op in mig.operations() if op.expands is not None]


def contract_keys(mig: Migration | None) -> set[tuple]:
    if mig is None or mig.kind != "operations":
        return set()
    return {op.contracts for _, op in mig.operations() if op.contracts is not None}


def completed_versions(session: Session) -> set[str]:
    """Versions whose latest `complete` event came after their latest `apply`."""
    last: dict[str, dict[str, int]] = {}
    for e in session.history.events():
        if e["event"] in ("apply", "complete"):
            last.setdefault(e["version"], {})[e["event"]] = e["id"]
    return {v for v, ids in last.items() if ids.get("complete", -1) > ids.get("apply", -1)}


def completed_by_command(session: Session, mig: Migration) -> bool:
    """Was this expand's contract run by `shoring complete` (not by a contract file)?"""
    return bool(expand_operations(mig)) and mig.version in completed_versions(session)


def phases(session: Session, rows: dict[str, HistoryRow] | None = None) -> dict[str, str]:
    """version -> EXPANDED or COMPLETED, for every applied migration holding an expand operation."""
    rows = session.history.rows() if rows is None else rows
    applied = sorted((v for v, r in rows.items() if r.state == "applied"), key=version_key)
    migs = {v: session.migrations.get(v) for v in applied}
    contracted = set().union(*(contract_keys(m) for m in migs.values())) if migs else set()
    completed = completed_versions(session) if any(expand_operations(m) for m in migs.values()) else set()
    out = {}
    for version, mig in migs.items():
        ops = expand_operations(mig)
        if ops:
            done = version in completed or all(op.expands in contracted for op in ops)
            out[version] = COMPLETED if done else EXPANDED
    return out


def open_expands(session: Session, rows: dict[str, HistoryRow] | None = None) -> list[OpenExpand]:
    rows = session.history.rows() if rows is None else rows
    found = []
    for version, phase in sorted(phases(session, rows).items(), key=lambda kv: version_key(kv[0])):
        if phase == EXPANDED:
            mig = session.migrations.get(version)
            found.append(OpenExpand(mig, expand_operations(mig)))
    return found


def touched(op: BaseOperation) -> set[tuple[str, str | None]]:
    """(table, column) pairs an expand keeps in step: ('rename'|'type', table, column, other); a key
    naming no column (('partition', table, '*', '*')) holds the whole table: (table, None)."""
    key = op.expands
    if len(key) >= 4 and "*" not in key[2:4]:
        return {(key[1], key[2]), (key[1], key[3])}
    return {(key[1], None)}


def _clashes(mine: set, busy: dict) -> list:
    """The pairs of `mine` an open expand holds: the same column, or any column of a table held whole."""
    return sorted((p for p in mine for b in busy if p[0] == b[0] and (p[1] is None or b[1] is None or p[1] == b[1])),
                  key=str)


def refuse_overlapping_expands(session: Session, todo: list[Migration], rows: dict[str, HistoryRow]) -> None:
    """A second expand on columns an open expand keeps in step would fight its triggers: refused."""
    opened = open_expands(session, rows)
    if not opened:
        return
    busy = {pair: e for e in opened for op in e.operations for pair in touched(op)}
    for mig in todo:
        for op in expand_operations(mig):
            clash = _clashes(touched(op), busy)
            if clash:
                table, column = clash[0]
                first = next(e for pair, e in busy.items() if pair[0] == table and (column is None or pair[1] in (None, column)))
                raise CheckFailed(
                    f"{mig.version} {mig.name}: {op.describe()} works on {table if column is None else f'{table}.{column}'}, which "
                    f"{first.version} {first.migration.name} still keeps in step ({first.describe()}); "
                    f"finish that one first with `shoring complete {first.version}` or `shoring abort {first.version}`")


def refuse_completed_contracts(session: Session, todo: list[Migration], rows: dict[str, HistoryRow]) -> None:
    """A contract file whose expand `shoring complete` already contracted would drop what is gone."""
    completed = [v for v, p in phases(session, rows).items() if p == COMPLETED and v in completed_versions(session)]
    done = {op.expands: v for v in completed for op in expand_operations(session.migrations.get(v))}
    for mig in todo:
        for key in contract_keys(mig) & done.keys():
            raise CheckFailed(f"{mig.version} {mig.name} contracts what {done[key]} expands, and `shoring complete "
                              f"{done[key]}` already did: delete {mig.path.name}, or record it with "
                              f"`shoring repair --mark-applied {mig.version}`")


def _contract_file(session: Session, expand: OpenExpand, rows: dict[str, HistoryRow]) -> Migration | None:
    """A pending migration that contracts every operation of this expand (the two-file way)."""
    keys = {op.expands for op in expand.operations}
    for mig in session.migrations:
        row = rows.get(mig.version)
        if (row is None or row.state != "applied") and keys <= contract_keys(mig):
            return mig
    return None


def chosen(session: Session, version: str | None, rows: dict[str, HistoryRow], doing: str) -> list[OpenExpand]:
    opened = open_expands(session, rows)
    if version is None:
        if not opened:
            raise ShoringError(f"nothing to {doing}: no migration is in its expand phase")
        return opened
    wanted = session.migrations.resolve(version)
    picked = [e for e in opened if e.version == wanted]
    if not picked:
        phase = phases(session, rows).get(wanted)
        why = ("it was completed already" if phase == COMPLETED else
               "it holds no expand operation" if rows.get(wanted) and rows[wanted].state == "applied" else "it is not applied")
        raise ShoringError(f"cannot {doing} {wanted}: {why}")
    return picked


def complete(session: Session, version: str | None = None) -> list[str]:
    """Run the contract of the expanded migration(s): once the code using the new schema is live."""
    from shoring.runner.watcher import BlockingWatcher

    session.lock()
    try:
        session.history.ensure()
        rows = session.history.rows()
        session.apply_timeouts()
        with BlockingWatcher(session.engine, session.say, session.settings.max_blocking_seconds):
            return _complete_chosen(session, version, rows)
    finally:
        if session.engine.alive():
            session.engine.durable_checkpoint()
        session.unlock()


def _complete_chosen(session: Session, version: str | None, rows: dict[str, HistoryRow]) -> list[str]:
    from shoring.runner import versioned
    from shoring.runner.guard import run_guarded

    done: list[str] = []
    for expand in chosen(session, version, rows, "complete"):
        contract = _contract_file(session, expand, rows)
        versioned.drop(session, expand.migration)  # the views depend on the columns the contract drops
        if contract is None:
            complete_now(session, expand.migration)
        else:
            session.say(f"completing {expand.version} {expand.migration.name}: applying its contract "
                        f"{contract.version} {contract.name}")
            result = run_guarded(session, contract, "up", rows.get(contract.version))
            session.say(f"  completed in {result.seconds:.3f}s: the old schema is gone, the new one stands alone")
        done.append(expand.version)
        rows = session.history.rows()
    return done


def complete_now(session: Session, mig: Migration) -> None:
    """The contract each expand operation of `mig` implies, and the `complete` event (run lock held)."""
    from shoring.runner.guard import with_lock_retries

    from shoring.runner import versioned

    expand = OpenExpand(mig, expand_operations(mig))
    missing = [op.describe() for op in expand.operations if op.contract() is None]
    if missing:
        raise ShoringError(f"{expand.version} {mig.name}: {', '.join(missing)} has no contract shoring can write for it: "
                           f"add a migration with its Contract operation, then `shoring complete {expand.version}` applies it")
    versioned.drop(session, mig)  # the views depend on the columns the contract drops
    session.say(f"completing {expand.version} {mig.name}: " + "; ".join(op.contract().describe() for op in expand.operations))
    t0 = time.perf_counter()
    with_lock_retries(session, f"{expand.version} {mig.name} (complete)", lambda: _run_contract(session, expand))
    seconds = time.perf_counter() - t0
    session.history.event(expand.version, "complete", checksum=mig.checksum, duration_ms=int(seconds * 1000),
                          detail="; ".join(op.contract().describe() for op in expand.operations))
    session.say(f"  completed in {seconds:.3f}s: the old schema is gone, the new one stands alone")


def contracted_later(mig: Migration, todo: list[Migration]) -> bool:
    """Does a migration after `mig` in this run contract all of its expands (the two-file way)?"""
    keys = {op.expands for op in expand_operations(mig)}
    after = todo[todo.index(mig) + 1:]
    return bool(after) and keys <= set().union(*(contract_keys(m) for m in after))


def say_expanded(session: Session, plan) -> None:
    mig = plan.stops_after
    ops = ", ".join(op.describe() for op in expand_operations(mig))
    session.say(f"{mig.version} {mig.name} is expanded: old and new schema are both live, kept in step by triggers "
                f"({ops}). Deploy the code that uses the new schema, then `shoring complete {mig.version}`; "
                f"`shoring abort {mig.version}` undoes the expand.")
    if plan.waiting:
        session.say(f"apply stopped there: {len(plan.waiting)} later migration(s) wait "
                    f"({', '.join(m.version for m in plan.waiting[:5])}{', ...' if len(plan.waiting) > 5 else ''})")


def _run_contract(session: Session, expand: OpenExpand) -> None:
    """The implied contract's statements, in one transaction where DDL is transactional (the old
    column is never missing between the drop and the rename), else one by one (each re-runnable)."""
    from shoring.engines import StatementError
    from shoring.operations.dialects import dialect

    engine = session.engine
    d = dialect(engine.dialect)
    statements = [sql for op in expand.operations for sql in op.contract().up(d)]
    atomic = engine.traits.transactional_ddl
    if atomic:
        engine.begin()
    try:
        for sql in statements:
            engine.execute(sql)
        if atomic:
            engine.commit()
    except StatementError as exc:
        if engine.in_transaction:
            engine.rollback()
        raise MigrationFailed(f"{expand.version} {expand.migration.name}: completing failed at {sql!r}: {exc.message}",
                              lock_timeout=getattr(exc, "lock_timeout", False)) from None


def abort(session: Session, version: str | None = None, *, backup: bool = True) -> list[str]:
    """Undo an expand with its migration's down: the new column and the triggers go, the old schema
    stays exactly as it was (with every write either code made)."""
    from shoring.runner.rollback import rollback

    rows = session.history.rows()
    targets = chosen(session, version, rows, "abort")
    if version is None and len(targets) > 1:
        raise ShoringError("several migrations are in their expand phase (" + ", ".join(e.version for e in targets)
                           + "): name the one to abort")
    target = targets[0]
    later = sorted((v for v, r in rows.items() if r.state == "applied" and version_key(v) > version_key(target.version)),
                   key=version_key)
    if later:
        raise ShoringError(f"cannot abort {target.version}: {', '.join(later)} applied after it; roll those back first "
                           f"(`shoring rollback --to {target.version}`)")
    session.say(f"aborting {target.version} {target.migration.name}: {target.describe()}")
    rollback(session, steps=1, backup=backup)
    session.history.event(target.version, "abort", checksum=target.migration.checksum,
                          detail=f"expand undone: {target.describe()}")
    return [target.version]
