"""What a plan says, as plain data: per statement, per migration, for the whole run.

The JSON form is the contract of `shoring plan --format json` (DESIGN.md): keys listed there are
never renamed or dropped; everything else here is an extension.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shoring.analysis.model import AnalyzedStatement

RISK_LEVELS = ("low", "medium", "high")


@dataclass
class Estimate:
    """How long something takes, where that number comes from, and what it was scaled by.

    `seconds` is None when it cannot be known (no database, a table of unknown size, code the
    analysis cannot read); the text then says "unknown" and why.
    """

    seconds: float | None
    source: str  # metadata | calibration | history | rehearsal | assumed | unknown
    basis: str = ""  # "table has ~10k rows"
    detail: str = ""  # how it was computed, for --format json/markdown readers who want to check

    @property
    def text(self) -> str:
        """As the seed writes it: "< 1 second (table has ~10k rows)"."""
        head = human_duration(self.seconds)
        return f"{head} ({self.basis})" if self.basis else head

    def to_dict(self) -> dict[str, Any]:
        return {"seconds": _round(self.seconds), "text": self.text, "source": self.source, "basis": self.basis,
                "detail": self.detail}


def _round(seconds: float | None) -> float | None:
    if seconds is None:
        return None
    return round(seconds, 3) if seconds < 10 else round(seconds, 1)


def human_duration(seconds: float | None) -> str:
    """"< 1 second", "~3 seconds", "~2 minutes", "~1.5 hours", "unknown"."""
    if seconds is None:
        return "unknown"
    if seconds < 1:
        return "< 1 second"
    if seconds < 90:
        n = round(seconds)
        return f"~{n} second{'s' if n != 1 else ''}"
    if seconds < 90 * 60:
        n = round(seconds / 60)
        return f"~{n} minute{'s' if n != 1 else ''}"
    hours = seconds / 3600
    return f"~{hours:.1f} hours" if hours < 10 else f"~{hours:.0f} hours"


@dataclass
class Work:
    """Work a statement does that grows with the data: what, on which table, over how many rows."""

    kind: str  # see shoring.plan.work.WORK_KINDS
    table: str | None
    rows: int | None  # None: unknown
    rows_note: str = ""  # "all rows", "~5k rows matching the WHERE clause (planner estimate)", ...
    columns: tuple[str, ...] = ()  # index columns, for calibrating an index build on the same columns
    batches: int | None = None  # batched backfills: how many batches
    batch_size: int | None = None
    pause_seconds: float = 0.0  # sleep between batches
    rescanned_rows: int | None = None  # rows batch after batch reads again to find the next batch
    loop_sql: str = ""  # a batched backfill's statement, for calibrating it on a sample
    remaining_sql: str = ""
    concurrently: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = {"kind": self.kind, "table": self.table, "rows": self.rows}
        if self.rows_note:
            out["rows_note"] = self.rows_note
        if self.batch_size:
            out.update(batches=self.batches, batch_size=self.batch_size, pause_seconds=self.pause_seconds,
                       rescanned_rows=self.rescanned_rows)
        return out


@dataclass
class Blocking:
    """One relation blocked while the migration runs: what is blocked and for about how long.

    Inside a transaction a lock is held until COMMIT, so `seconds` runs from the statement that
    takes the lock to the end of its transaction block, not just that statement.
    """

    relation: str
    lock: str
    reads: bool
    writes: bool
    seconds: float | None
    from_statement: int
    until: str  # "the end of statement 2" | "COMMIT (end of the migration)"

    def to_dict(self) -> dict[str, Any]:
        return {"relation": self.relation, "lock": self.lock, "reads": self.reads, "writes": self.writes,
                "seconds": _round(self.seconds), "text": human_duration(self.seconds),
                "from_statement": self.from_statement, "until": self.until}


@dataclass
class StatementPlan:
    analyzed: AnalyzedStatement
    estimate: Estimate
    work: list[Work] = field(default_factory=list)
    unknowns: list[str] = field(default_factory=list)  # facts that depend on something not known
    blocks_seconds: float | None = None  # how long reads/writes wait behind this statement's locks
    problems: list[str] = field(default_factory=list)  # the server will refuse it, a table is missing, ...

    @property
    def index(self) -> int:
        return self.analyzed.index

    def to_dict(self) -> dict[str, Any]:
        out = self.analyzed.to_dict()
        out["estimate_seconds"] = _round(self.estimate.seconds)
        out["estimate"] = self.estimate.to_dict()
        out["work"] = [w.to_dict() for w in self.work]
        out["unknowns"] = list(self.unknowns)
        out["problems"] = list(self.problems)
        return out


@dataclass
class Reason:
    level: str  # low | medium | high
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level, "text": self.text}


@dataclass
class Rollback:
    """Whether down undoes up, and what no rollback can bring back."""

    has_down: bool
    restores: bool | None  # None: cannot be told (tables the plan does not know)
    differences: list[str] = field(default_factory=list)  # what is left different after up + down
    lost_by_up: list[str] = field(default_factory=list)  # data up destroys: down cannot bring it back
    lost_by_down: list[str] = field(default_factory=list)  # data written after up that down discards
    rehearsed: dict[str, Any] | None = None  # the rehearsal record of this exact checksum, if any
    down_statements: list[StatementPlan] = field(default_factory=list)
    down_estimate: Estimate | None = None

    @property
    def reversible(self) -> bool:
        return self.has_down and self.restores is not False

    def to_dict(self) -> dict[str, Any]:
        return {
            "has_down": self.has_down, "restores": self.restores, "differences": list(self.differences),
            "data_up_destroys": list(self.lost_by_up), "data_down_discards": list(self.lost_by_down),
            "rehearsed": self.rehearsed,
            "down_estimate_seconds": _round(self.down_estimate.seconds) if self.down_estimate else None,
            "down_statements": [s.to_dict() for s in self.down_statements],
        }


@dataclass
class CheckItem:
    text: str
    done: bool | None  # True ticked, False known not done / needed, None: for a person to answer
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.text, "done": self.done, "detail": self.detail}


@dataclass
class MigrationPlan:
    version: str
    name: str
    file: str
    kind: str  # sql | python
    checksum: str
    metadata: dict[str, Any]
    transactional: bool  # runs in one transaction (PostgreSQL/SQLite and not Transaction: false)
    statements: list[StatementPlan]
    estimate: Estimate
    risk: str
    reasons: list[Reason]
    rollback: Rollback
    blocking: list[Blocking] = field(default_factory=list)
    depends: list[str] = field(default_factory=list)  # versions this one needs first, with why
    deploy_before: list[str] = field(default_factory=list)  # code to deploy before applying
    deploy_after: list[str] = field(default_factory=list)  # code that may ship once it is applied
    phase: str = ""  # expand | backfill | contract | "" (the header's Phase, or inferred)
    findings: list[dict[str, Any]] = field(default_factory=list)
    checklist: list[CheckItem] = field(default_factory=list)  # the seed's pre-migration checklist
    testing: list[CheckItem] = field(default_factory=list)  # the seed's testing checklist
    state: str = "pending"

    @property
    def reversible(self) -> bool:
        return self.rollback.reversible

    @property
    def label(self) -> str:
        return f"{self.version}_{self.name}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "file": self.file,
            "kind": self.kind,
            "checksum": self.checksum,
            "state": self.state,
            "metadata": self.metadata,
            "transactional": self.transactional,
            "reversible": self.reversible,
            "risk": self.risk,
            "risk_reasons": [r.to_dict() for r in self.reasons],
            "estimate_seconds": _round(self.estimate.seconds),
            "estimate": self.estimate.to_dict(),
            "statements": [s.to_dict() for s in self.statements],
            "findings": list(self.findings),
            "blocking": [b.to_dict() for b in self.blocking],
            "rollback": self.rollback.to_dict(),
            "dependencies": list(self.depends),
            "deploy": {"before": list(self.deploy_before), "after": list(self.deploy_after)},
            "phase": self.phase,
            "checklist": [c.to_dict() for c in self.checklist],
            "testing": [c.to_dict() for c in self.testing],
        }


@dataclass
class TableVolume:
    rows: int | None
    bytes: int | None
    source: str  # statistics | count | created by this plan | unknown

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "bytes": self.bytes, "source": self.source}


@dataclass
class Plan:
    engine: str
    server_version: str | None
    database: str | None  # masked URL, None without a database
    migrations: list[MigrationPlan]
    volumes: dict[str, TableVolume] = field(default_factory=dict)  # tables the plan touches, before it runs
    throughput: dict[str, Any] = field(default_factory=dict)  # where the rates came from
    notes: list[str] = field(default_factory=list)
    checklist: list[CheckItem] = field(default_factory=list)  # the seed's pre-migration checklist, whole run

    @property
    def estimate_seconds(self) -> float | None:
        total = 0.0
        for m in self.migrations:
            if m.estimate.seconds is None:
                return None
            total += m.estimate.seconds
        return total

    @property
    def risk(self) -> str:
        return max((m.risk for m in self.migrations), key=RISK_LEVELS.index, default="low")

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan_version": 1,
            "engine": self.engine,
            "server_version": self.server_version,
            "database": self.database,
            "risk": self.risk,
            "estimate_seconds": _round(self.estimate_seconds),
            "migrations": [m.to_dict() for m in self.migrations],
            "volumes": {t: v.to_dict() for t, v in self.volumes.items()},
            "throughput": self.throughput,
            "checklist": [c.to_dict() for c in self.checklist],
            "notes": list(self.notes),
        }
