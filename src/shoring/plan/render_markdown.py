"""The seed's "Migration plan document": strategy, impact, rollback, testing, time, timeline.

Its sections answer the seed's step-1 questions in the order its AI prompt asks for them (1.
step-by-step strategy, 2. impact analysis, 3. rollback plan, 4. testing checklist, 5. estimated
execution time), then the timeline and step 4's pre-migration checklist. Every number comes from
the plan, which takes it from the database or says where it came from.
"""

from __future__ import annotations

from shoring.plan.describe import (
    blocks_text, database_text, effects_text, lock_text, one_line, reversible_text, source_text, tick, volume_text,
)
from shoring.plan.model import Plan, human_duration


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(w, header: tuple[str, ...], rows) -> None:
    w("| " + " | ".join(header) + " |")
    w("|" + "---|" * len(header))
    for row in rows:
        w("| " + " | ".join(_cell(str(x)) for x in row) + " |")


def _title(plan: Plan) -> str:
    if len(plan.migrations) == 1:
        m = plan.migrations[0]
        purpose = m.metadata.get("migration") or m.name.replace("_", " ")
        return f"Migration plan: {purpose}"
    return f"Migration plan: {len(plan.migrations)} migrations" if plan.migrations else "Migration plan"


def render(plan: Plan) -> str:
    out: list[str] = []
    w = out.append
    w(f"# {_title(plan)}")
    w("")
    if not plan.migrations:
        w(f"Nothing to plan: no pending migrations on {database_text(plan)}.")
        return "\n".join(out) + "\n"
    w(f"- **Database:** {database_text(plan)}")
    w(f"- **Migrations:** {', '.join(f'`{m.label}`' for m in plan.migrations)}")
    w(f"- **Risk:** {plan.risk}")
    w(f"- **Estimated execution time:** {_total_text(plan)}")
    vols = volume_text(plan)
    w(f"- **Data volume:** {'; '.join(vols) if vols else 'no existing tables are touched'}")
    for note in plan.notes:
        w(f"- *Note:* {note}")
    w("")
    _what_changes(plan, w)
    _strategy(plan, w)
    _impact(plan, w)
    _rollback(plan, w)
    _testing(plan, w)
    _estimates(plan, w)
    _timeline(plan, w)
    _checklist(plan, w)
    _findings(plan, w)
    return "\n".join(out).rstrip() + "\n"


def _total_text(plan: Plan) -> str:
    if len(plan.migrations) == 1:
        return plan.migrations[0].estimate.text
    return human_duration(plan.estimate_seconds)


def _what_changes(plan: Plan, w) -> None:
    w("## What is changing")
    w("")
    for m in plan.migrations:
        purpose = m.metadata.get("purpose")
        w(f"- `{m.label}`" + (f": {purpose}" if purpose else ""))
        kinds = []
        for sp in m.statements:
            a = sp.analyzed
            for op in a.operations:
                target = ".".join(x for x in (op.table, op.column) if x) or (op.name or "")
                text = f"{op.kind.replace('_', ' ')} {target}".strip()
                if op.name and op.table and op.kind in ("create_index", "drop_index", "add_constraint"):
                    text = f"{op.kind.replace('_', ' ')} {op.name} on {op.table}"
                if text not in kinds:
                    kinds.append(text)
        if kinds:
            w(f"  - {'; '.join(kinds)}")
        breaking = m.metadata.get("breaking_changes")
        if breaking:
            w(f"  - Breaking changes (header): {breaking}")
        if m.phase:
            w(f"  - Phase: {m.phase}")
    w("")


def _strategy(plan: Plan, w) -> None:
    w("## 1. Step-by-step migration strategy")
    w("")
    step = 1
    for m in plan.migrations:
        for text in m.deploy_before:
            w(f"{step}. **Deploy code first:** {text}.")
            step += 1
        how = "in one transaction" if m.transactional else "statement by statement"
        w(f"{step}. **Apply `{m.label}`** ({len(m.statements)} statement{'s' if len(m.statements) != 1 else ''}, "
          f"{how}, {m.estimate.text}):")
        for sp in m.statements:
            a = sp.analyzed
            w(f"   - `{one_line(a.sql, 110)}` (line {a.line}): {sp.estimate.text}")
        step += 1
        for text in m.deploy_after:
            w(f"{step}. **Then deploy:** {text}.")
            step += 1
    w(f"{step}. **Verify:** `shoring status` and `shoring verify` (schema, row counts, index validity).")
    w("")
    if any(not m.reasons or m.risk != "low" for m in plan.migrations):
        w("Safer alternatives for the riskier steps are in the lint findings below.")
        w("")


def _impact(plan: Plan, w) -> None:
    w("## 2. Impact analysis")
    w("")
    _table(w, ("Migration", "#", "Operation", "Locks", "Blocks", "Rewrite / scan", "Backward compatible", "Data loss",
               "Time"),
           ((m.version, sp.analyzed.index, sp.analyzed.operation, lock_text(sp), blocks_text(sp), effects_text(sp),
             "yes" if sp.analyzed.backward_compatible else "**no**", "**yes**" if sp.analyzed.destructive else "no",
             sp.estimate.text) for m in plan.migrations for sp in m.statements))
    w("")
    any_block = False
    for m in plan.migrations:
        for b in m.blocking:
            any_block = True
            what = "reads and writes" if b.reads else "writes"
            w(f"- **Downtime for {b.relation}:** {what} wait {human_duration(b.seconds)} "
              f"({b.lock} from statement {b.from_statement} until {b.until}).")
    if not any_block:
        w("- **Downtime:** none: no table in use is blocked.")
    for m in plan.migrations:
        w(f"- **Risk of `{m.label}`: {m.risk}**")
        for r in m.reasons:
            w(f"  - {r.level}: {r.text}")
        for d in m.depends:
            w(f"  - depends on {d}")
        for sp in m.statements:
            for what, items in (("**will fail:** ", sp.problems), ("unknown: ", sp.unknowns), ("", sp.analyzed.notes)):
                for text in items:
                    w(f"  - {what}statement {sp.index}: {text}")
    w("")


def _rollback(plan: Plan, w) -> None:
    w("## 3. Rollback plan")
    w("")
    for m in reversed(plan.migrations):
        r = m.rollback
        w(f"### `{m.label}`")
        w("")
        w(f"- {reversible_text(m)}.")
        if r.down_statements:
            est = r.down_estimate.text if r.down_estimate else "unknown"
            w(f"- Run `shoring rollback --to <previous version>`; down runs {len(r.down_statements)} "
              f"statement(s) ({est}):")
            for sp in r.down_statements:
                w(f"  - `{one_line(sp.analyzed.sql, 110)}` ({lock_text(sp)})")
        for lost in r.lost_by_up:
            w(f"- **Data no rollback brings back:** {lost}; restore it from the backup.")
        for lost in r.lost_by_down:
            w(f"- **Rolling back discards** {lost}.")
        rehearsed = m.checklist[1] if len(m.checklist) > 1 else None
        if rehearsed is not None:
            w(f"- Rehearsed: {rehearsed.detail}.")
        w("")


def _testing(plan: Plan, w) -> None:
    w("## 4. Testing checklist")
    w("")
    for m in plan.migrations:
        if len(plan.migrations) > 1:
            w(f"`{m.label}`:")
            w("")
        for item in m.testing:
            w(f"- {tick(item.done)} {item.text}" + (f" ({item.detail})" if item.detail else ""))
        w("")


def _estimates(plan: Plan, w) -> None:
    w("## 5. Estimated execution time")
    w("")
    rows = []
    for m in plan.migrations:
        rows.append((f"`{m.label}`", m.estimate.text, m.estimate.source, m.estimate.detail))
        rows += [(f"&nbsp;&nbsp;statement {sp.index}", sp.estimate.text, sp.estimate.source, sp.estimate.detail)
                 for sp in m.statements if sp.work]
    _table(w, ("Migration", "Estimate", "Source", "How"), rows)
    w("")
    sources = sorted({sp.estimate.source for m in plan.migrations for sp in m.statements})
    for s in sources:
        w(f"- *{s}*: {source_text(s, plan.engine)}")
    measured = plan.throughput.get("measured") or []
    for r in measured:
        if r["kind"] != "insert":
            w(f"- {r['kind']} on {r['table']}: {r['us_per_row']} µs/row, {r['detail']}")
    if plan.throughput.get("learned_from"):
        w(f"- {plan.throughput['learned_from']}")
    w("")


def _timeline(plan: Plan, w) -> None:
    w("## 6. Timeline")
    w("")
    window = [m.checklist[2] for m in plan.migrations if len(m.checklist) > 2]
    needed = [c for c in window if c.done is False]
    unknown = [c for c in window if c.done is None]
    if needed:
        w(f"- **When:** in a maintenance window or off-peak; a window is {needed[0].detail}.")
    elif unknown:
        w(f"- **When:** {unknown[0].detail}; plan for a window until it is measured (`shoring plan --database`).")
    else:
        why = window[0].detail.removeprefix("not needed: ") if window else "no table is blocked"
        w(f"- **When:** any time; no maintenance window is needed ({why}). Low-traffic hours still make lock "
          "waits shorter.")
    t = 0.0
    known = True
    w(f"- **Duration:** {_total_text(plan)}.")
    w("- **Order:**")
    w("  1. Before: take the backup, check the checklist below" +
      ("; deploy the code listed under step 1" if any(m.deploy_before for m in plan.migrations) else "") + ".")
    i = 2
    for m in plan.migrations:
        start = _clock(t) if known else "?"
        if m.estimate.seconds is None:
            known = False
        else:
            t += m.estimate.seconds
        end = _clock(t) if known else "unknown"
        w(f"  {i}. T+{start}: apply `{m.label}` ({m.estimate.text}; done by T+{end}).")
        i += 1
    w(f"  {i}. After: deploy the code listed under step 1, watch error rates and lock waits, run `shoring verify`.")
    w("")


def _clock(seconds: float) -> str:
    """T+ offsets: "0s", "2s", "3m10s", "1h05m"."""
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{(s % 3600) // 60:02d}m"


def _checklist(plan: Plan, w) -> None:
    w("## Pre-migration checklist")
    w("")
    for item in plan.checklist:
        w(f"- {tick(item.done)} {item.text}" + (f": {item.detail}" if item.detail else ""))
    w("")


def _findings(plan: Plan, w) -> None:
    findings = [(m, f) for m in plan.migrations for f in m.findings]
    if not findings:
        return
    w("## Lint findings")
    w("")
    for m, f in findings:
        w(f"- **{f['severity']}** `{f['rule']}` ({m.label} line {f['line']}): {f['message']}")
        if f.get("suggestion"):
            w("")
            w("  ```sql")
            for line in f["suggestion"].splitlines():
                w(f"  {line}")
            w("  ```")
    w("")
