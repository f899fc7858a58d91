"""Table sizes as the plan runs: what the database holds now, changed by each planned statement.

A table an earlier statement of the plan creates is empty when later statements reach it; a
renamed table keeps its rows under the new name; rows an INSERT ... SELECT adds are the planner's
guess or unknown. Without a database every pre-existing table is "unknown", never "empty".
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from shoring.analysis.model import Operation
from shoring.plan.model import TableVolume

UNKNOWN = TableVolume(None, None, "unknown")


@dataclass
class Volumes:
    live: Any = None  # LiveDatabase or None
    changed: dict[str, TableVolume] = field(default_factory=dict)  # what the plan did to sizes so far
    dropped: set[str] = field(default_factory=set)
    seen: dict[str, TableVolume] = field(default_factory=dict)  # first size of each table the plan touched

    def get(self, table: str | None) -> TableVolume:
        if not table:
            return UNKNOWN
        if table in self.changed:
            return self.changed[table]
        if table in self.dropped:
            return TableVolume(0, 0, "dropped by this plan")
        vol = self.live.volume(table) if self.live is not None else None
        vol = vol or UNKNOWN
        self.seen.setdefault(table, vol)
        return vol

    def apply(self, op: Operation, added_rows: int | None = None) -> None:
        """Record what one operation does to sizes (called after its work was estimated)."""
        k = op.kind
        if k == "create_table" and op.table:
            if op.get("as_select"):
                srcs = [self.get(s) for s in op.get("sources") or ()]
                rows = sum(v.rows for v in srcs) if srcs and all(v.rows is not None for v in srcs) else None
                self.changed[op.table] = TableVolume(rows, None, "created by this plan from a query")
            else:
                self.changed[op.table] = TableVolume(0, 0, "created by this plan")
            self.dropped.discard(op.table)
        elif k == "drop_table" and op.table:
            self.get(op.table)
            self.changed.pop(op.table, None)
            self.dropped.add(op.table)
        elif k == "rename_table" and op.table and op.get("new_name"):
            vol = self.get(op.table)
            self.changed[op.get("new_name")] = vol
            self.changed.pop(op.table, None)
            self.dropped.add(op.table)
        elif k == "truncate" and op.table:
            self.get(op.table)
            self.changed[op.table] = TableVolume(0, 0, "truncated by this plan")
        elif k == "insert" and op.table:
            vol = self.get(op.table)
            if vol.rows is not None and added_rows is not None:
                self.changed[op.table] = replace(vol, rows=vol.rows + added_rows, source=vol.source + " + inserted")
            elif vol.rows is not None:
                self.changed[op.table] = TableVolume(None, None, "unknown after an INSERT of this plan")
