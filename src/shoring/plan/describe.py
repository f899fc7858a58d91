"""Short phrases about a planned statement, shared by the text and Markdown renderers."""

from __future__ import annotations

from shoring.plan.model import MigrationPlan, Plan, StatementPlan, human_duration
from shoring.report.prompts import database_label
from shoring.report.schema_text import human_bytes, human_rows

#: estimate source -> how a reader should take the number
SOURCE_TEXT = {
    "metadata": "catalog changes only: no rows are touched",
    "calibration": "measured on this server (a sample of each table, {where})",
    "history": "learned from past applies on this database",
    "rehearsal": "measured by `shoring test`",
    "assumed": "assumed typical throughput, not measured on this server",
    "unknown": "unknown",
}

#: where a calibration's sample lives, per engine (shoring.plan.lab_<engine>)
CALIBRATED_IN = {"postgresql": "in a rolled-back transaction", "mysql": "in a scratch database, dropped after",
                 "sqlite": "in a temporary file"}


def source_text(source: str, engine: str) -> str:
    """How a reader should take an estimate from `source` on `engine`."""
    return SOURCE_TEXT.get(source, source).format(where=CALIBRATED_IN.get(engine, "on a scratch copy"))


def one_line(sql: str, width: int = 100) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def lock_text(sp: StatementPlan) -> str:
    a = sp.analyzed
    parts = []
    for rel, mode in a.locks.items():
        parts.append(f"{rel} {mode}")
    if a.online_ddl:
        parts.append(f"ALGORITHM={a.online_ddl['algorithm']} LOCK={a.online_ddl['lock']}")
    return ", ".join(parts) or "none"


def blocks_text(sp: StatementPlan) -> str:
    a = sp.analyzed
    if a.blocks_reads:
        what = "reads and writes"
    elif a.blocks_writes:
        what = "writes"
    else:
        return "nothing"
    if sp.blocks_seconds is None and (a.blocks_reads or a.blocks_writes):
        return f"{what} (for an unknown time)"
    return f"{what} for {human_duration(sp.blocks_seconds)}"


def effects_text(sp: StatementPlan) -> str:
    a = sp.analyzed
    parts = []
    if a.rewrites:
        parts.append("rewrites " + ", ".join(a.rewrites))
    if a.scans:
        parts.append("scans " + ", ".join(x for x in a.scans if x not in a.rewrites))
    if not parts:
        parts.append("no rewrite, no scan")
    return "; ".join(p for p in parts if not p.endswith("scans "))


def state_text(m: MigrationPlan) -> str:
    how = "in one transaction" if m.transactional else "statement by statement (no transaction)"
    return how


def reversible_text(m: MigrationPlan) -> str:
    r = m.rollback
    if not r.has_down:
        return "not reversible: no down section"
    if r.restores is True:
        text = "reversible: down restores the schema up changes"
    elif r.restores is False:
        text = "down does NOT restore the schema: " + "; ".join(r.differences[:3])
    else:
        text = "down present; whether it restores the schema is unknown (" + "; ".join(r.differences[:1]) + ")"
    return text


def volume_text(plan: Plan) -> list[str]:
    out = []
    for t, v in sorted(plan.volumes.items()):
        if v.rows is None and v.bytes is None:
            out.append(f"{t}: size unknown")
            continue
        exact = "counted" if v.source == "count" else "from statistics"
        out.append(f"{t}: {human_rows(v.rows)}, {human_bytes(v.bytes)} ({exact})")
    return out


def database_text(plan: Plan) -> str:
    label = database_label(plan.engine, plan.server_version)
    return f"{label} ({plan.database})" if plan.database else f"{label} (no database given)"


def tick(done: bool | None) -> str:
    return "[x]" if done else "[ ]"
