"""Risk of a migration: low, medium or high, always with the reasons that made it so.

The thresholds are data. A blocked table hurts in proportion to how long it is blocked: reads
waiting a second are noticed, writes queueing for half a minute are an outage.
"""

from __future__ import annotations

from shoring.engines.description import describe
from shoring.plan.model import RISK_LEVELS, Blocking, Reason, Rollback, StatementPlan, human_duration

#: what is blocked -> ((seconds, level), ...) the first threshold reached, from the top, sets the level
BLOCK_THRESHOLDS: dict[str, tuple[tuple[float, str], ...]] = {
    "reads": ((10.0, "high"), (1.0, "medium")),
    "writes": ((30.0, "high"), (2.0, "medium")),
}
#: operation kinds that break running code whatever order code and schema are deployed in
BREAKS_ANY_ORDER = frozenset({"rename_column", "rename_table", "rename_schema", "rename_enum_value"})


def level_of(reasons: list[Reason]) -> str:
    return max((r.level for r in reasons), key=RISK_LEVELS.index, default="low")


def assess(engine: str, statements: list[StatementPlan], blocking: list[Blocking], rollback: Rollback,
           transactional: bool, lock_timeout: float | None, kind: str,
           handled: dict[int, frozenset[str]] | None = None) -> list[Reason]:
    """`handled`: line -> operation kinds the operation written there handles itself (plan_handled)."""
    reasons: list[Reason] = []
    handled = handled or {}
    d = describe(engine)

    def add(level: str, text: str) -> None:
        if not any(r.text == text for r in reasons):
            reasons.append(Reason(level, text))

    for b in blocking:
        what = "reads and writes" if b.reads else "writes"
        thresholds = BLOCK_THRESHOLDS["reads" if b.reads else "writes"]
        if b.seconds is None:
            add("medium", f"blocks {what} of {b.relation} for an unknown time ({b.lock}; table size unknown)")
            continue
        level = next((lvl for limit, lvl in thresholds if b.seconds >= limit), "low")
        text = f"blocks {what} of {b.relation} for {human_duration(b.seconds)} ({b.lock}, until {b.until})"
        add(level, text)
    for sp in statements:
        a = sp.analyzed
        for problem in sp.problems:
            add("high", f"statement {a.index}: {problem}")
        if a.error and "syntax error" in a.error:  # the engine's own parser (or its keywords) refused it
            add("high", f"statement {a.index} is not valid SQL ({a.error}): it fails when it runs")
        elif a.error:  # the server's own parser failing means the server refuses it too
            add("high" if d.parser_is_the_servers else "medium",
                f"statement {a.index} cannot be read ({a.error}): its locks and effects are unknown")
        for op, eff in zip(a.operations, a.effects):
            if op.kind in handled.get(a.line, ()):
                continue
            if not eff.supported:
                add("high", f"statement {a.index}: the server refuses it: {eff.note}")
            if op.kind in BREAKS_ANY_ORDER and not op.new_table:
                add("high", f"statement {a.index} ({op.kind.replace('_', ' ')}) breaks running code in any deploy "
                            "order: use expand–contract")
            elif not eff.backward_compatible and not op.new_table and op.kind not in ("drop_column", "drop_table"):
                add("medium", f"statement {a.index} ({op.kind.replace('_', ' ')}) is not backward compatible: "
                              "deploy the code that copes with it first")
            if op.kind in ("do_block", "python") or a.operation == "unparsed":
                add("medium", f"statement {a.index}: code the analysis cannot read fully; locks and duration partly unknown")
    for lost in rollback.lost_by_up:
        add("high", f"destroys data: {lost} (down cannot bring it back)")
    if not rollback.has_down:
        add("medium", "no down section: undoing it means restoring a backup")
    elif rollback.restores is False:
        add("medium", "down does not undo up: " + "; ".join(rollback.differences[:3]))
    if kind == "python":
        add("medium", "Python migration: its code is not analysed; locks and duration are unknown")
    multi = sum(1 for sp in statements if sp.analyzed.operations and sp.analyzed.operation not in ("select", "set", "empty"))
    if d.outside_transaction_steps and not transactional and multi > 1:
        add("medium", "runs statement by statement (Transaction: false): a failure leaves it half applied")
    if not d.transactional_ddl and multi > 1 and any(not sp.analyzed.transactional for sp in statements):
        add("low", "MySQL/MariaDB commit each DDL statement: a failure leaves it half applied (shoring records where)")
    exclusive = sorted({rel for sp in statements for rel, mode in sp.analyzed.locks.items()
                        if mode in ("AccessExclusiveLock", "EXCLUSIVE")
                        and not any(op.new_table and op.table == rel for op in sp.analyzed.operations)})
    if exclusive:
        if lock_timeout:
            add("low", f"takes an exclusive lock on {', '.join(exclusive)}: it waits at most lock_timeout "
                       f"({lock_timeout:g}s) behind running queries, then shoring retries")
        else:
            add("medium", f"takes an exclusive lock on {', '.join(exclusive)} with no lock_timeout: a long query "
                          "makes it wait, and every query on the table queues behind it")
    if d.online_ddl_clauses and any(sp.analyzed.online_ddl for sp in statements):
        add("low", "every ALTER takes a brief exclusive metadata lock at its start and end: it queues behind "
                   "running transactions on the table, and later queries queue behind it"
                   + (f" (lock_wait_timeout {lock_timeout:g}s from shoring's lock_timeout)" if lock_timeout else
                      " (no lock_timeout: set one)"))
    if not reasons:
        add("low", "no blocking, no data loss, backward compatible")
    reasons.sort(key=lambda r: -RISK_LEVELS.index(r.level))
    return reasons
