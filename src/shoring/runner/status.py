"""The truth about every migration: files on disk joined with the history, stale runs recognised."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shoring.migrations import Migration
from shoring.migrations.discovery import version_key
from shoring.runner.history import HistoryRow, iso_utc
from shoring.runner.in_flight import in_flight
from shoring.runner.session import Session

#: state -> does `apply` still have work to do for it?
PENDING_STATES = {"pending", "rolled_back", "failed", "interrupted"}


@dataclass
class MigrationStatus:
    version: str
    name: str
    state: str  # pending, applied, failed, running, interrupted, rolled_back, baseline
    file: str | None
    checksum: str | None
    applied_checksum: str | None = None
    edited: bool = False  # applied, and the file changed since
    missing: bool = False  # in the history, file gone
    detail: str | None = None
    statements_done: int | None = None  # of the direction below: a rollback counts its down statements
    statements_total: int | None = None
    direction: str | None = None  # what the recorded run was doing: "up" (apply) or "down" (rollback)
    applied_at: Any = None
    duration_ms: int | None = None
    applied_by: str | None = None
    transactional: bool | None = None
    out_of_order: bool = False
    backfill: dict[str, Any] | None = None  # an unfinished backfill's checkpoint: statement, last_key, rows_done, batches
    expanding: list[str] | None = None  # applied expand operations whose contract is not applied yet
    phase: str | None = None  # a migration holding expand operations, once applied: expanded or completed

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        if out["applied_at"] is not None:
            out["applied_at"] = str(iso_utc(out["applied_at"]))
        return out

    @property
    def describe(self) -> str:
        text = self.state.replace("_", " ")
        if self.edited:
            text += ", EDITED since (run `shoring repair` to accept)"
        if self.missing:
            text += ", FILE MISSING"
        if self.out_of_order:
            text += " (out of order)"
        if self.detail:
            text += f": {self.detail}"
        if self.expanding:
            text += (f"; expand in progress, contract pending: {', '.join(self.expanding)} (`shoring complete "
                     f"{self.version}` once the new code is deployed, `shoring abort {self.version}` to undo)")
        elif self.phase == "completed":
            text += "; completed (contract done)"
        return text


def baseline_version(rows: dict[str, HistoryRow]) -> str | None:
    base = [v for v, r in rows.items() if r.state == "baseline"]
    return max(base, key=version_key) if base else None


def compute_status(session: Session, *, lock_known_free: bool | None = None) -> list[MigrationStatus]:
    rows = session.history.rows()
    base = baseline_version(rows)
    lock_free = None
    out: list[MigrationStatus] = []
    highest_applied = max((v for v, r in rows.items() if r.state == "applied"), key=version_key, default=None)
    for mig in session.migrations:
        row = rows.get(mig.version)
        st = _status_of(mig, row, session.engine.dialect)
        if row is None and base is not None and version_key(mig.version) <= version_key(base):
            st.state = "baseline"
        if st.state == "running":
            if lock_free is None:
                lock_free = lock_known_free if lock_known_free is not None else session.lock_is_free()
                if lock_free and lock_known_free is None:
                    # the run may have ended between reading its row and finding the lock free: read again,
                    # or a migration that finished would be called interrupted (16 racing processes)
                    rows = session.history.rows()
                    row = rows.get(mig.version)
                    st = _status_of(mig, row, session.engine.dialect)
            if lock_free and st.state == "running":
                st.state = "interrupted"
                st.detail = _interrupted_detail(row, in_flight(session.engine, mig, row))
            elif st.state == "running":
                st.detail = f"in progress (pid {row.pid} on {row.host}), statement {row.statements_done + 1} of {row.statements_total or '?'}"
        if st.state == "pending" and highest_applied and version_key(mig.version) < version_key(highest_applied):
            st.out_of_order = True
        if row is not None and row.state in ("failed", "running") and st.state != "pending":
            _add_backfill(st, session, row)
        out.append(st)
    for version, row in rows.items():
        if session.migrations.get(version) is None:
            st = MigrationStatus(
                version=version, name=row.name, state=row.state, file=None, checksum=None,
                applied_checksum=row.checksum, missing=row.state in ("applied", "failed", "running"),
                applied_at=row.finished_at or row.started_at, duration_ms=row.duration_ms, applied_by=row.applied_by,
            )
            out.append(st)
    out.sort(key=lambda s: version_key(s.version))
    _mark_open_expansions(session, out)
    return out


def _mark_open_expansions(session: Session, statuses: list[MigrationStatus]) -> None:
    """Between an expand and its contract old and new schema live side by side (triggers keep them in
    step): status says so, so that the contract is not forgotten and the triggers do not stay for good."""
    from shoring.runner.phases import EXPANDED, expand_operations, phases

    by_version = {s.version: s for s in statuses}
    for version, phase in phases(session).items():
        st = by_version.get(version)
        if st is None:
            continue
        st.phase = phase
        if phase == EXPANDED:
            st.expanding = [op.describe() for op in expand_operations(session.migrations.get(version))]


def _status_of(mig: Migration, row: HistoryRow | None, dialect: str) -> MigrationStatus:
    st = MigrationStatus(
        version=mig.version, name=mig.name, state="pending", file=str(mig.path), checksum=mig.checksum,
        transactional=mig.transactional_on(dialect),
    )
    if row is None:
        return st
    st.state = row.state
    st.applied_checksum = row.checksum
    st.applied_at = row.finished_at or row.started_at
    st.duration_ms = row.duration_ms
    st.applied_by = row.applied_by
    st.statements_done = row.statements_done
    st.statements_total = row.statements_total
    st.direction = row.direction or "up"
    if row.state in ("applied", "baseline") and row.checksum and row.checksum != mig.checksum and row.kind != "baseline":
        st.edited = True
    if row.state == "failed":
        line = None
        if row.failed_statement and row.checksum == mig.checksum and mig.has_sql:
            statements = mig.statements(row.direction or "up", dialect)
            if 0 < row.failed_statement <= len(statements):
                line = statements[row.failed_statement - 1].line
        st.detail = row.where_failed(line)
        if row.partial:
            st.detail += f" ({row.statements_done} statement(s) before it ran and were not undone)"
        else:
            st.detail += " (nothing was left applied)"
    return st


def _add_backfill(st: MigrationStatus, session: Session, row: HistoryRow) -> None:
    """What an unfinished backfill has committed: the resume starts after it, so the status says so."""
    from shoring.backfill.checkpoint import SWAPPED, Checkpoint

    checkpoint = Checkpoint(session.engine, session.history.table, row.version, row.direction or "up",
                            (row.statements_done or 0) + 1)
    saved = checkpoint.load() if session.engine.table_exists(f"{session.history.table}_backfills") else None
    if saved is None:
        return
    last_key, rows, batches = saved
    if st.detail:
        st.detail = st.detail.replace(" (nothing was left applied)", "")  # its batches were
    st.backfill = {"statement": checkpoint.statement, "last_key": str(last_key), "rows_done": rows, "batches": batches}
    action = checkpoint.action(session.migrations.get(row.version))
    swapped = last_key is SWAPPED or (hasattr(action, "swapped") and action.swapped(session.engine, checkpoint))
    if swapped:
        st.detail = (st.detail or "") + f"; statement {checkpoint.statement} copied {rows:,} rows in {batches:,} batches"
    else:
        st.detail = (st.detail or "") + (f"; its batches committed {rows:,} rows in {batches:,} batches (up to key {last_key}), "
                                         f"and the next run resumes after them")
    if hasattr(action, "leftovers"):
        st.detail += f"; {action.leftovers(swapped)}"


def _interrupted_detail(row: HistoryRow, landed: tuple[int, str] | None = None) -> str:
    """What an interrupted run left; `landed`: the statement it was in completed on the server after all."""
    done, total = row.statements_done or 0, row.statements_total
    doing = "rolling back" if row.direction == "down" else "applying"
    of = f" of {total}" if total else ""
    ran = f"statements 1-{done} completed; " if done else ""
    command = f"`shoring {'rollback' if row.direction == 'down' else 'apply'}`"
    stopped = f"the process {doing} it (pid {row.pid} on {row.host}) stopped during statement {done + 1}{of}; {ran}"
    if landed is not None:
        return (f"{stopped}statement {done + 1} completed on the server all the same ({landed[1]}). "
                f"{command} records it and resumes from statement {done + 2}")
    return f"{stopped}statement {done + 1} may or may not have completed. {command} resumes from statement {done + 1}"
