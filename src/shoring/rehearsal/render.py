"""The rehearsal as text a person reads top to bottom: what was copied, each step, each statement's locks."""

from __future__ import annotations

from typing import Any

from shoring.rehearsal.rehearse import MigrationRehearsal, RehearsalResult

_MARK = {"passed": "ok  ", "failed": "FAIL", "warning": "warn", "skipped": "skip"}


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return f"{seconds * 1000:.1f}ms" if seconds < 1 else f"{seconds:.2f}s"


def _short(sql: str, width: int = 90) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def render_text(result: RehearsalResult) -> str:
    if not result.migrations and not result.copy:
        return f"Nothing to rehearse: no pending migrations in {result.database}."
    lines = [
        f"Rehearsal on a scratch copy of {result.database} ({result.engine} {result.server_version or ''}".rstrip()
        + f"; copied by {result.copy.get('method')} in {_ms(result.copy.get('seconds'))})",
    ]
    lines += [f"  note: {n}" for n in result.copy.get("notes", [])]
    if result.copy.get("differences"):
        lines.append("  warning: the copy's schema differs from the target's:")
        lines += [f"    {d}" for d in result.copy["differences"]]
    if result.synthetic:
        parts = []
        for table, info in sorted(result.synthetic.items()):
            text = f"{table} +{info['inserted']}"
            if info.get("rejected"):
                text += f" ({info['rejected']} refused)"
            if info.get("skipped"):
                text = f"{table} skipped ({info['skipped']})"
            parts.append(text)
        lines.append("Synthetic rows: " + ", ".join(parts))
    for m in result.migrations:
        lines.append("")
        lines += _migration(m)
    for m in result.not_rehearsed:
        lines.append(f"\n{m.version} {m.name}  NOT REHEARSED (an earlier migration failed)")
    lines.append("")
    if result.target_unchanged:
        lines.append("Target database unchanged.")
    elif result.target_unchanged is False:
        lines.append("TARGET DATABASE CHANGED during the rehearsal (someone else changed it, or a migration reached it):")
        lines += [f"  {line}" for line in result.target_changes]
    failing = result.failing
    if failing:
        mig, step = failing
        lines.append(f"FAILED: {mig.migration.version} {mig.migration.name}, step '{step.name}': {step.message}")
    elif result.migrations:
        lines.append(f"PASSED: {len(result.migrations)} migration(s) rehearsed in {result.seconds:.2f}s.")
    return "\n".join(lines)


def _migration(m: MigrationRehearsal) -> list[str]:
    mode = "transaction" if m.transactional else "statement by statement"
    verdict = "PASSED" if m.passed else f"FAILED at '{m.failing_step.name}'"
    out = [f"{m.migration.version} {m.migration.name}  {verdict}  ({mode})"]
    for s in m.steps:
        text = f"  {_MARK[s.status]} {s.name:<22}"
        if s.message:
            text += f" {s.message}"
        if s.seconds is not None:
            text += f"  [{_ms(s.seconds)}]"
        out.append(text.rstrip())
        out += [f"         {d}" for d in s.details]
    for label, statements in (("up", m.statements), ("down", m.down_statements)):
        if statements:
            out.append(f"  statements ({label}):")
            for st in statements:
                out += _statement(st)
    return out


def _statement(st: dict[str, Any]) -> list[str]:
    where = f"line {st['line']}" if st.get("line") else f"#{st['index']}"
    head = f"    {where:<9} {_short(st['sql'])}  [{_ms(st['seconds'])}]"
    if st.get("error"):
        return [head, f"              error: {st['error']}"]
    if st["lock_trace"] == "none":
        return [head]
    locks = ", ".join(
        f"{h['relation']} {h['mode']}" + (f" held {_ms(h['held_seconds'])}" if h.get("held_seconds") is not None else "")
        for h in st["lock_holds"]
    ) or ("none new" if st["in_transaction"] else "none seen")
    facts = [f"locks: {locks}"]
    if st["rewrites"]:
        facts.append(f"rewrites: {', '.join(st['rewrites'])}")
    if st["scans_traced"] and st["scans"]:
        facts.append(f"scans: {', '.join(st['scans'])}")
    if st["lock_trace"] == "sampled":
        facts.append("(sampled while it ran)")
    lines = [head, "              " + "; ".join(facts)]
    probes = []
    for table, kinds in st["probe"].items():
        for kind, r in kinds.items():
            probes.append(f"{table} {kind} " + (f"BLOCKED {_ms(r['seconds'])}" if r["blocked"] else "not blocked"))
    if probes:
        lines.append("              probe: " + ", ".join(probes))
    return lines
