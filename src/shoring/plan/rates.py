"""How fast the server does each kind of work, and how the plan knows: measured, learned or assumed.

A rate is microseconds per row for one kind of work on one table. In order of trust:

- calibration: measured now on the target's server, on a sample of the table's own rows copied into
  a scratch table (PostgreSQL: rolled back; MySQL/MariaDB: a scratch database, dropped; SQLite: a
  temporary file) (`shoring.plan.calibrate`);
- history: learned from how long past applies on this database took for the work they did;
- assumed: typical figures for the engine (measured once on a reference machine), scaled by row
  width. The plan says "assumed" wherever it used them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Source labels, weakest first: a sum of estimates is only as trustworthy as its weakest part.
SOURCE_ORDER = ("unknown", "assumed", "history", "calibration", "rehearsal", "metadata")

#: Assumed rates: (µs per row, ns per byte of the table's total size per row), measured once on the
#: project's reference machine (2 vCPU, SSD): PostgreSQL 15 on a 1M-row table of ~126 bytes a row
#: (bench/plan_estimates.py prints what a machine really does), MariaDB 10.11 and SQLite on 200k-row
#: tables of ~100 bytes a row. "copy" is MySQL's ALGORITHM=COPY, "rewrite" an in-place rebuild.
ASSUMED: dict[str, dict[str, tuple[float, float]]] = {
    "postgresql": {
        "rewrite": (0.8, 8.0), "index": (1.2, 3.0), "scan": (0.05, 1.2), "update": (8.0, 10.0),
        "delete": (2.5, 4.0), "insert": (2.0, 8.0), "backfill": (8.0, 10.0),
    },
    "mysql": {
        "copy": (7.0, 100.0), "rewrite": (3.0, 40.0), "index": (2.0, 10.0), "scan": (0.1, 1.2),
        "update": (15.0, 60.0), "delete": (5.0, 24.0), "insert": (9.0, 47.0), "backfill": (15.0, 60.0),
    },
    "sqlite": {
        "rewrite": (2.0, 20.0), "index": (1.2, 8.0), "scan": (0.05, 1.0), "update": (2.0, 18.0),
        "delete": (1.5, 14.0), "insert": (0.5, 9.0), "backfill": (2.0, 18.0),
    },
}
#: Fixed cost of any statement (parse, catalog update, commit share), seconds.
STATEMENT_OVERHEAD = {"postgresql": 0.002, "mysql": 0.01, "sqlite": 0.001}
#: Extra cost of one batch of a batched backfill beyond its rows (finding the batch, a round trip).
BATCH_OVERHEAD = 0.002
#: CREATE INDEX CONCURRENTLY scans the table twice and waits for transactions that were running.
CONCURRENT_INDEX_FACTOR = 1.5
#: A row width assumed when the table's size is unknown.
DEFAULT_ROW_BYTES = 120


@dataclass(frozen=True)
class Rate:
    us_per_row: float
    source: str
    detail: str = ""
    whole_loop: bool = False  # a backfill rate measured by running the loop: re-reads included
    per_batch: float = 0.0  # seconds each batch of such a loop costs whatever its size


class Rates:
    """The rate for (work kind, table), from the best source available for it."""

    def __init__(self, engine: str):
        self.engine = engine
        self.measured: dict[tuple[str, str | None, tuple[str, ...]], Rate] = {}
        self.learned_factor: float | None = None  # history: actual / assumed, over past applies
        self.learned_detail = ""
        self.notes: list[str] = []

    def assumed(self, kind: str, row_bytes: float | None) -> float:
        table = ASSUMED[self.engine]
        base, per_byte = table.get(kind, table["update"])
        return base + (row_bytes or DEFAULT_ROW_BYTES) * per_byte / 1000.0

    def rate(self, kind: str, table: str | None, row_bytes: float | None, columns: tuple[str, ...] = ()) -> Rate:
        for key in ((kind, table, columns), (kind, table, ())):
            if key in self.measured:
                return self.measured[key]
        if kind == "backfill" and ("update", table, ()) in self.measured:
            return self.measured[("update", table, ())]
        base = self.assumed(kind, row_bytes)
        if self.learned_factor is not None:
            return Rate(base * self.learned_factor, "history",
                        f"{base * self.learned_factor:.2f} µs/row ({self.learned_detail})")
        return Rate(base, "assumed", f"{base:.2f} µs/row assumed (typical for {self.engine}, not measured here)")

    def summary(self) -> dict[str, object]:
        return {
            "measured": [
                {"kind": k, "table": t, "columns": list(c), "us_per_row": round(r.us_per_row, 3), "source": r.source,
                 "detail": r.detail}
                for (k, t, c), r in sorted(self.measured.items(), key=lambda item: (str(item[0][1]), item[0][0]))
            ],
            "learned_factor": round(self.learned_factor, 3) if self.learned_factor is not None else None,
            "learned_from": self.learned_detail or None,
            "notes": list(self.notes),
        }


def weakest(sources: list[str]) -> str:
    if not sources:
        return "metadata"
    return min(sources, key=SOURCE_ORDER.index)
