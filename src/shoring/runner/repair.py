"""`shoring repair` and `shoring baseline`: the sanctioned ways to make the history agree with reality."""

from __future__ import annotations

from shoring.errors import ShoringError
from shoring.migrations.discovery import version_key
from shoring.runner.history import now_utc
from shoring.runner.session import Session


class _Unwritten:
    """The history as `repair --dry-run` sees it: read as it is, never written."""

    def __init__(self, history):
        self._history = history

    def rows(self):
        return self._history.rows()

    def ensure(self, *args, **kwargs) -> None:
        pass

    put = update = delete = event = ensure


def repair(session: Session, *, mark_applied: list[str] = (), mark_pending: list[str] = (),
           dry_run: bool = False) -> list[str]:
    """Accept edited applied files, clear failures that left nothing behind, and mark what the user fixed by
    hand; each line says what was done to which file. `dry_run`: what would be done, nothing written."""
    done: list[str] = []
    if not dry_run:
        session.lock()
    try:
        h = _Unwritten(session.history) if dry_run else session.history
        h.ensure()
        rows = h.rows()
        for raw in mark_applied:
            version = session.migrations.resolve(raw)
            mig = session.migrations.get(version)
            h.put({"version": version, "name": mig.name, "kind": mig.kind, "checksum": mig.checksum, "state": "applied",
                   "direction": "up", "finished_at": now_utc(), "session": session.engine.session_id()})
            h.event(version, "repair", checksum=mig.checksum, detail="marked applied by hand")
            done.append(f"{version} {mig.name}: marked applied")
        for raw in mark_pending:
            version = raw.split("_", 1)[0]
            if version not in rows:
                raise ShoringError(f"{version} has no history row; it is already pending")
            h.delete(version)
            h.event(version, "repair", checksum=rows[version].checksum, detail=f"marked pending by hand (was {rows[version].state})")
            done.append(f"{version} {rows[version].name}: marked pending")
        if mark_applied or mark_pending:
            return done
        for version, row in sorted(rows.items(), key=lambda kv: version_key(kv[0])):
            mig = session.migrations.get(version)
            if row.state == "applied" and mig is not None and row.checksum != mig.checksum:
                h.update(version, checksum=mig.checksum)
                h.event(version, "repair", checksum=mig.checksum, detail=f"accepted edited file (checksum was {row.checksum[:12]})")
                done.append(f"{version} {row.name}: accepted the edited file {mig.path.name} as applied "
                            f"(checksum {row.checksum[:12]} -> {mig.checksum[:12]}; the edit itself never ran here)")
            elif row.state in ("failed", "running") and not row.partial and (landed := _took_effect(session, mig, row)):
                done.append(
                    f"{version} {row.name}: left as is: {landed}; `shoring {'apply' if row.direction == 'up' else 'rollback'}` "
                    f"records it and goes on, or after fixing by hand: `shoring repair --mark-applied {version}` / "
                    f"`--mark-pending {version}`"
                )
            elif row.state in ("failed", "running") and not row.partial:
                left = _abandon_batches(session, version, mig, dry_run)
                h.delete(version)
                what = "; ".join(left) if left else "nothing of it was applied"
                h.event(version, "repair", checksum=row.checksum, detail=f"cleared {row.state} {row.direction} run: {what}")
                done.append(f"{version} {row.name}: cleared the failed run ({what}); it is pending again")
            elif row.state in ("failed", "running") and row.partial:
                done.append(
                    f"{version} {row.name}: left as is: {row.statements_done} statement(s) of its {row.direction} section took effect; "
                    f"resume with `shoring {'apply' if row.direction == 'up' else 'rollback'}`, undo with `shoring rollback`, "
                    f"or after fixing by hand: `shoring repair --mark-applied {version}` / `--mark-pending {version}`"
                )
            elif row.state == "applied" and mig is None:
                done.append(f"{version} {row.name}: applied, but its file is gone (left as is)")
        return done
    finally:
        if not dry_run:
            session.unlock()


def _took_effect(session: Session, mig, row) -> str | None:
    """What a stopped run did that its history does not say yet: the statement it was in completed on the
    server, or its online copy is already swapped in. Clearing such a run would run it a second time."""
    from shoring.backfill.checkpoint import checkpoints_of
    from shoring.runner.in_flight import in_flight

    landed = in_flight(session.engine, mig, row)
    if landed is not None:
        return f"statement {landed[0]} completed on the server ({landed[1]})"
    for checkpoint in checkpoints_of(session.engine, session.history.table, row.version):
        action = checkpoint.action(mig)
        if hasattr(action, "swapped") and checkpoint.direction == row.direction and action.swapped(session.engine, checkpoint):
            return f"statement {checkpoint.statement} is done but for its clean-up: {action.leftovers(True)}"
    return None


def _abandon_batches(session: Session, version: str, mig, dry_run: bool = False) -> list[str]:
    """A failed run whose batched statement had started: say what its batches left, take away what
    only served the unfinished run (an online copy's triggers and shadow table), forget the checkpoint."""
    from shoring.backfill.checkpoint import checkpoints_of

    out = []
    for checkpoint in checkpoints_of(session.engine, session.history.table, version):
        _, rows, batches = checkpoint.load()
        action = checkpoint.action(mig)
        if hasattr(action, "clean"):
            if not dry_run:
                action.clean(session.engine)
            out.append(f"dropped what its unfinished statement {checkpoint.statement} had made ({action.leftovers().split(' stay')[0]})")
        else:
            out.append(f"statement {checkpoint.statement} had changed {rows:,} rows in {batches:,} batches, which stay changed")
        if not dry_run:
            checkpoint.clear()
    return out


def baseline(session: Session, version: str) -> str:
    """Start the history of an existing database at `version`: it and everything before count as applied."""
    session.lock()
    try:
        h = session.history
        h.ensure()
        rows = h.rows()
        live = [v for v, r in rows.items() if r.state != "rolled_back"]
        if live:
            raise ShoringError(f"the history already has {len(live)} migration(s); baseline is for a database shoring has not migrated yet")
        v = version.split("_", 1)[0]
        if not all(p.isdigit() for p in v.split(".")):
            raise ShoringError(f"baseline needs a version number, not {version!r}")
        mig = session.migrations.get(v)
        h.put({"version": v, "name": mig.name if mig else "baseline", "kind": "baseline",
               "checksum": mig.checksum if mig else "", "state": "baseline", "finished_at": now_utc(),
               "session": session.engine.session_id()})
        covered = [m for m in session.migrations if version_key(m.version) <= version_key(v)]
        h.event(v, "baseline", detail=f"{len(covered)} migration file(s) at or below {v} count as applied")
        return f"baselined at {v}: {len(covered)} migration file(s) at or below it count as applied"
    finally:
        session.unlock()
