"""`shoring plan` for a terminal: one block per migration, one line or two per statement."""

from __future__ import annotations

from shoring.plan.describe import (
    blocks_text, database_text, effects_text, lock_text, one_line, reversible_text, source_text, state_text, tick,
    volume_text,
)
from shoring.plan.model import Plan, human_duration


def render(plan: Plan) -> str:
    lines: list[str] = []
    n = len(plan.migrations)
    if not n:
        return f"Nothing to plan: no pending migrations on {database_text(plan)}.\n"
    total = human_duration(plan.estimate_seconds)
    lines.append(f"Plan for {n} migration{'s' if n != 1 else ''} on {database_text(plan)}")
    lines.append(f"Risk: {plan.risk}   Estimated time: {total}")
    vols = volume_text(plan)
    if vols:
        lines.append("Data volume: " + "; ".join(vols))
    for note in plan.notes:
        lines.append(f"note: {note}")
    for m in plan.migrations:
        lines.append("")
        lines.append(f"{m.version} {m.name}   risk {m.risk}   {m.estimate.text}")
        src = source_text(m.estimate.source, plan.engine)
        lines.append(f"  {state_text(m)}; {reversible_text(m)}; estimate: {src}")
        for sp in m.statements:
            a = sp.analyzed
            lines.append(f"  {a.index:>2}  line {a.line:<4} {one_line(a.sql, 90)}")
            detail = f"{a.operation}: locks {lock_text(sp)}; blocks {blocks_text(sp)}; {effects_text(sp)}; {sp.estimate.text}"
            if not a.backward_compatible:
                detail += "; NOT backward compatible"
            if a.destructive:
                detail += "; DESTROYS DATA"
            lines.append(f"        {detail}")
            lines += [f"        {what}: {text}" for what, items in (("problem", sp.problems), ("unknown", sp.unknowns), ("note", a.notes))
                      for text in items]
        for b in m.blocking:
            what = "reads+writes" if b.reads else "writes"
            lines.append(f"  blocked: {b.relation} {what} {human_duration(b.seconds)} ({b.lock} until {b.until})")
        for r in m.reasons:
            lines.append(f"  {r.level:<6} {r.text}")
        lines += [f"  {what} {text}" for what, items in (
            ("depends on", m.depends), ("deploy BEFORE:", m.deploy_before), ("deploy after: ", m.deploy_after),
            ("rollback discards:", m.rollback.lost_by_down)) for text in items]
        for f in m.findings:
            lines.append(f"  {f['severity']}: {f['rule']} (line {f['line']}): {f['message']}")
        for item in m.checklist[:3]:
            lines.append(f"  {tick(item.done)} {item.text}: {item.detail}")
    lines.append("")
    return "\n".join(lines)
