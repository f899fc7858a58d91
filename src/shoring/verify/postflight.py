"""`shoring verify`: the seed's "verify migration success" and "verify data integrity" steps.

What is checked needs no baseline: nothing failed, interrupted or edited in the history, no index
left INVALID, no constraint still NOT VALID. With a saved baseline (`--save` before the migration,
`--against` after) it also shows what changed since: schema differences and, per table, row
counts and order-independent checksums.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shoring import verify


@dataclass
class Problem:
    severity: str  # "error" | "warning"
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"severity": self.severity, "message": self.message}


@dataclass
class Verification:
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, Any] = field(default_factory=dict)  # table -> TableFingerprint
    schema_changes: list[str] | None = None  # against a baseline
    data_changes: list[str] | None = None

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": [p.to_dict() for p in self.problems],
            "tables": {name: fp.to_dict() for name, fp in self.tables.items()},
            "schema_changes": self.schema_changes,
            "data_changes": self.data_changes,
        }


def history_problems(statuses: list[Any]) -> list[Problem]:
    out = []
    for st in statuses:
        if st.state in ("failed", "interrupted", "running"):
            out.append(Problem("error", f"{st.version} {st.name} is {st.state}: {st.detail or ''}".rstrip(": ")))
        if st.edited:
            out.append(Problem("error", f"{st.version} {st.name} was edited after it was applied"))
        if st.missing:
            out.append(Problem("warning", f"{st.version} {st.name} is in the history but its file is gone"))
    return out


def schema_problems(schema: verify.Schema) -> list[Problem]:
    out = [Problem("error", f"index {index.name} on {table} is INVALID: a failed online build; drop it and build it again")
           for table, index in schema.invalid_indexes()]
    out += [Problem("warning", f"constraint {con.name} on {table} is NOT VALID: validate it once the data is clean "
                               f"(ALTER TABLE ... VALIDATE CONSTRAINT {con.name})")
            for table, con in schema.unvalidated_constraints()]
    return out


def leftover_problems(schema: verify.Schema, statuses: list[Any]) -> list[Problem]:
    """What shoring's own operations leave on the database while they are unfinished: said, so that a
    trigger copying every write somewhere does not stay for good unnoticed."""
    out = []
    expanding = [e for st in statuses for e in (st.expanding or [])]
    for trigger in schema.triggers.values():
        bare = trigger.name.split(".")[-1]
        if bare.startswith("shoring_osc_"):
            out.append(Problem("warning", f"trigger {bare} on {trigger.table} is left by an OnlineAlter that did not finish: "
                                          f"it copies every write into a shadow table; re-run `shoring apply` to finish"))
        elif bare.startswith("shoring_sync_") and not expanding:
            out.append(Problem("warning", f"trigger {bare} on {trigger.table} keeps two columns in step, but no expand is "
                                          f"in progress: it is left from one rolled back or contracted by hand; drop it"))
    out += [Problem("warning", f"expand in progress, contract pending: {e} (its triggers stay until the contract)")
            for e in expanding]
    return out


def run_verification(engine: Any, statuses: list[Any], history_table: str, *, save: Path | None = None,
                     against: Path | None = None) -> Verification:
    schema = verify.snapshot(engine, history_table=history_table)
    prints = verify.fingerprint(engine, schema)
    result = Verification(problems=history_problems(statuses) + schema_problems(schema) + leftover_problems(schema, statuses),
                          tables=prints)
    if against is not None:
        baseline = json.loads(against.read_text(encoding="utf-8"))
        before_schema = verify.Schema.from_dict(baseline["schema"])
        before_prints = {t: verify.TableFingerprint(**fp) for t, fp in baseline["fingerprints"].items()}
        result.schema_changes = verify.diff(before_schema, schema).lines()
        result.data_changes = [c.message for c in verify.compare_fingerprints(before_prints, prints)]
    if save is not None:
        save.parent.mkdir(parents=True, exist_ok=True)
        save.write_text(json.dumps({"schema": schema.to_dict(),
                                    "fingerprints": {t: fp.to_dict() for t, fp in prints.items()}}, indent=1),
                        encoding="utf-8")
    return result
