"""What a rehearsal checks after up, and how it explains a failure the data provoked.

Each check returns findings: (kind, message) pairs whose kind names the check, so a report, a test
or CI can tell an index left invalid from a constraint left NOT VALID without parsing prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shoring.engines.description import ENGINES
from shoring.migrations import Migration
from shoring.verify.model import Schema


@dataclass(frozen=True)
class Finding:
    kind: str  # invalid_index, not_valid, transaction_metadata, ...
    message: str
    failure: bool = True  # False: a warning, reported but not failing the rehearsal


def _up_text(mig: Migration, dialect: str) -> str:
    return "\n".join(s.sql for s in mig.statements("up", dialect)) if mig.has_sql else mig.text


def _mentions(text: str, name: str) -> bool:
    bare = name.split(".")[-1]
    return re.search(r'(?<![\w$])["`]?' + re.escape(bare) + r'["`]?(?![\w$])', text, re.I) is not None


def invalid_indexes(before: Schema, after: Schema, mig: Migration, dialect: str) -> list[Finding]:
    """An index a failed CREATE INDEX CONCURRENTLY left behind serves no query and still slows every write."""
    was_invalid = {(t, i.name) for t, i in before.invalid_indexes()}
    text = _up_text(mig, dialect)
    out = []
    for table, index in after.invalid_indexes():
        ours = (table, index.name) not in was_invalid or _mentions(text, index.name)
        note = " (it was already invalid before up: IF NOT EXISTS skipped it)" if (table, index.name) in was_invalid else ""
        message = (f"index {index.name} on {table} is INVALID after up{note}; a failed CREATE INDEX CONCURRENTLY "
                   f"leaves such an index: drop it and create it again")
        out.append(Finding("invalid_index", message, failure=ours))
    return out


_NOT_VALID = re.compile(r"\bNOT\s+VALID\b", re.I)


def unvalidated_constraints(before: Schema, after: Schema, mig: Migration, dialect: str) -> list[Finding]:
    """NOT VALID is a step of a safe change only when the migration means it (expand, validate later)."""
    was = {(t, c.name) for t, c in before.unvalidated_constraints()}
    statements = [s.sql for s in mig.statements("up", dialect)] if mig.has_sql else [mig.text]
    out = []
    for table, con in after.unvalidated_constraints():
        if (table, con.name) in was:
            continue
        declared = any(_NOT_VALID.search(sql) and _mentions(sql, con.name) for sql in statements)
        if not declared:
            out.append(Finding("not_valid", f"constraint {con.name} on {table} is left NOT VALID after up, and the "
                                            f"migration does not say NOT VALID for it; validate it (VALIDATE CONSTRAINT)"))
    return out


def transaction_metadata(mig: Migration, engine: Any, traces: list[Any]) -> list[Finding]:
    """The header's ``Transaction:`` must describe what really happens on this engine."""
    declared = mig.metadata.transaction
    statements = mig.statements("up", engine.dialect)
    if declared is True and not engine.traits.transactional_ddl:
        outside = [str(s.index) for s in statements if not engine.statement_is_transactional(s.sql)]
        if outside:
            return [Finding("transaction_metadata",
                            f"the header says Transaction: true, but {engine.name} commits DDL at once: statement(s) "
                            f"{', '.join(outside)} cannot roll back with the rest; say Transaction: false")]
    if declared is False and engine.traits.outside_transaction_steps and traces and all(t.lock_trace == "exact" for t in traces):
        return [Finding("transaction_metadata",
                        "the header says Transaction: false, but every statement ran inside a transaction; "
                        "with Transaction: true a failure would leave nothing half-done", failure=False)]
    return []


#: (engine, error code) -> what in the data the statement tripped over
EDGE_CASES: dict[tuple[str, str], str] = {
    ("postgresql", "23502"): "NULL values",
    ("postgresql", "23505"): "duplicate values",
    ("postgresql", "23514"): "values a CHECK constraint rejects",
    ("postgresql", "23503"): "rows whose parent is missing",
    ("postgresql", "22003"): "out-of-range values",
    ("postgresql", "22001"): "values too long for the new type",
    ("postgresql", "22P02"): "values that do not convert to the new type",
    ("postgresql", "22007"): "values that do not convert to the new type",
    ("postgresql", "22008"): "out-of-range dates",
    ("mysql", "1138"): "NULL values",
    ("mysql", "1048"): "NULL values",
    ("mysql", "1062"): "duplicate values",
    ("mysql", "1264"): "out-of-range values",
    ("mysql", "1406"): "values too long for the new type",
    ("mysql", "1265"): "values that do not fit the new type",
    ("mysql", "1366"): "values that do not convert to the new type",
    ("mysql", "1292"): "values that do not convert to the new type",
    ("mysql", "4025"): "values a CHECK constraint rejects",
    ("mysql", "3819"): "values a CHECK constraint rejects",
    ("mysql", "1452"): "rows whose parent is missing",
    ("sqlite", "SQLITE_CONSTRAINT_NOTNULL"): "NULL values",
    ("sqlite", "SQLITE_CONSTRAINT_UNIQUE"): "duplicate values",
    ("sqlite", "SQLITE_CONSTRAINT_PRIMARYKEY"): "duplicate values",
    ("sqlite", "SQLITE_CONSTRAINT_CHECK"): "values a CHECK constraint rejects",
    ("sqlite", "SQLITE_CONSTRAINT_FOREIGNKEY"): "rows whose parent is missing",
}


_TRUNCATED_COLUMN = re.compile(r"column '([^']+)'", re.I)


def edge_case(engine_name: str, code: str | None, message: str = "", sql: str = "") -> str | None:
    """What in the data a failed statement tripped over, or None when the failure is not about data."""
    what = EDGE_CASES.get((engine_name, code or ""))
    truncated = engine_name in ENGINES and ENGINES[engine_name].data_truncated_code
    if truncated and code == truncated:
        # MariaDB reports NULLs met by a new NOT NULL as "Data truncated for column 'c'"
        m = _TRUNCATED_COLUMN.search(message)
        if m and re.search(re.escape(m.group(1)) + r"\b[^,]*\bNOT\s+NULL\b", sql, re.I):
            return "NULL values"
    return what
