"""The seed's pre-migration checklist, each item checked for real before apply changes anything.

    [preflight]
    block = ["window", "disk", "replication"]   # items whose failure stops the apply (all: backup, rollback,
                                                # window, sessions, replication, disk, lint, risk)
    window = "02:00-04:00"                      # the maintenance window (also --window); crossing midnight is fine
    timezone = "UTC"                            # the window's clock
    window_after = "30s"                        # writes blocked this long (by the plan) need the window
    long_session = "60s"                        # a transaction open this long on a target table is named
    max_replication_lag = "30s"
    risk = "high"                               # the plan risk that counts as failing the item

A failing item that blocks stops the apply before the run lock is taken: in a terminal apply asks whether to go
on, elsewhere it stops unless `--yes` says to go on anyway (and the overridden items are said). The checks read
the database through a read-only connection of their own, so a check never holds a lock the migration needs.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, time as clock
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shoring.config import parse_duration
from shoring.errors import ConfigError

KEYS = {"block", "window", "timezone", "window_after", "long_session", "max_replication_lag", "risk"}
ITEMS = ("backup", "rollback", "window", "sessions", "replication", "disk", "lint", "risk", "notify", "review")
DEFAULT_BLOCK = ("window", "disk", "replication")
#: status -> the box printed in front of the item
MARKS = {"ok": "[x]", "warn": "[ ]", "fail": "[!]", "person": "[?]", "skip": "[-]"}


@dataclass
class Item:
    key: str
    text: str  # the seed's wording
    status: str  # ok | warn | fail | person | skip
    detail: str
    blocks: bool = False  # a failure of this item stops the apply

    @property
    def stops(self) -> bool:
        return self.status == "fail" and self.blocks

    def line(self) -> str:
        tail = "  (blocks the apply)" if self.stops else ""
        return f"  {MARKS[self.status]} {self.text}: {self.detail}{tail}"

    def to_dict(self) -> dict[str, Any]:
        return {"item": self.key, "text": self.text, "status": self.status, "detail": self.detail,
                "blocking": self.blocks, "stops": self.stops}


@dataclass
class Checklist:
    items: list[Item] = field(default_factory=list)
    plan: Any = None  # the plan the checks read (shoring.plan.model.Plan)

    @property
    def stopping(self) -> list[Item]:
        return [i for i in self.items if i.stops]

    def lines(self) -> list[str]:
        return ["Pre-migration checklist:", *(i.line() for i in self.items)]

    def to_dict(self) -> dict[str, Any]:
        return {"items": [i.to_dict() for i in self.items], "stops": [i.key for i in self.stopping]}


@dataclass
class Options:
    block: frozenset[str]
    window: tuple[clock, clock] | None
    window_text: str | None
    zone: ZoneInfo
    window_after: float
    long_session: float
    max_lag: float
    risk: str

    @classmethod
    def from_settings(cls, settings: Any, window: str | None = None) -> "Options":
        config = settings.section("preflight")
        path = settings.config_file
        unknown = set(config) - KEYS
        if unknown:
            raise ConfigError(f"unknown setting [preflight] {sorted(unknown)[0]!r} (known: {', '.join(sorted(KEYS))})", path=path)
        block = config.get("block", list(DEFAULT_BLOCK))
        if not isinstance(block, list) or any(b not in ITEMS for b in block):
            raise ConfigError(f"[preflight] block must be a list of {', '.join(ITEMS[:8])}, not {block!r}", path=path)
        text = window or config.get("window") or None
        try:
            zone = ZoneInfo(str(config.get("timezone", "UTC")))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"[preflight] timezone {config.get('timezone')!r} is not a time zone name", path=path) from None
        risk = str(config.get("risk", "high"))
        if risk not in ("medium", "high"):
            raise ConfigError(f"[preflight] risk must be medium or high, not {risk!r}", path=path)

        def seconds(key: str, default: str) -> float:
            return parse_duration(config.get(key, default), f"[preflight] {key}", path) or 0.0

        return cls(block=frozenset(block), window=parse_window(text) if text else None, window_text=text, zone=zone,
                   window_after=seconds("window_after", "30s"), long_session=seconds("long_session", "60s"),
                   max_lag=seconds("max_replication_lag", "30s"), risk=risk)


def parse_window(text: str) -> tuple[clock, clock]:
    """'02:00-04:00' -> (02:00, 04:00)."""
    try:
        start, end = (clock.fromisoformat(part.strip()) for part in str(text).split("-"))
    except ValueError:
        raise ConfigError(f"maintenance window {text!r} must look like 02:00-04:00") from None
    if start == end:
        raise ConfigError(f"maintenance window {text!r} is empty")
    return start, end


def inside(window: tuple[clock, clock], now: clock) -> bool:
    start, end = window
    return start <= now < end if start < end else (now >= start or now < end)


def build(session: Any, todo: list[Any], window: str | None = None, now: datetime | None = None) -> Checklist:
    """Check every item against the database through a read-only connection of its own."""
    from shoring.engines import connect
    from shoring.plan.live import open_live, read_only_session

    options = Options.from_settings(session.settings, window)
    if not todo:
        return Checklist()
    from shoring.engines import StatementError

    engine = connect(session.engine.url, read_only=True)
    try:
        read_only_session(engine)
        try:
            live = open_live(engine, session.settings.history_table)
        except StatementError as exc:  # e.g. a table locked by another session: say so, never fail the apply
            return Checklist([Item("review", "Review execution plan one final time", "warn",
                                   f"the checklist could not read the database: {exc.message}")])
        plan = _plan(session, todo, live)
        items = [
            backup_item(session),
            rollback_item(session, plan),
            window_item(plan, options, now),
            sessions_item(engine, plan, options),
            replication_item(engine, options),
            disk_item(engine, plan),
            lint_item(plan),
            risk_item(plan, options),
            notify_item(session),
            Item("review", "Review execution plan one final time", "person", "`shoring plan` (or apply --dry-run) shows it"),
        ]
    finally:
        engine.close()
    for item in items:
        item.blocks = item.key in options.block
        if item.status == "warn" and item.blocks:
            item.status = "fail"
    return Checklist(items, plan)


def _plan(session: Any, todo: list[Any], live: Any) -> Any:
    from shoring.plan.builder import PlanOptions, build_plan

    settings = session.settings
    options = PlanOptions(engine=session.engine.name, server_version=session.engine.server_version, root=settings.root,
                          backup=settings.section("backup"), hooks=settings.section("hooks"),
                          lock_timeout=settings.lock_timeout_seconds, statement_timeout=settings.statement_timeout_seconds,
                          lint=True, lint_exclude=frozenset(_lint_exclude(settings)), calibrate=False,
                          history_table=settings.history_table,
                          known_migrations={m.version: m for m in session.migrations})
    return build_plan(todo, options, live=live)


def _lint_exclude(settings: Any) -> list[str]:
    raw = settings.section("lint").get("exclude", [])
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return [x.strip() for item in items for x in str(item).split(",") if x.strip()]


# --- the items -------------------------------------------------------------------------------------

def backup_item(session: Any) -> Item:
    text = "Backup database (full backup or snapshot)"
    config = session.settings.section("backup")
    if not config:
        return Item("backup", text, "warn", "not configured: add [backup] path to shoring.toml, or take a snapshot yourself")
    what = config.get("path") or config.get("command")
    return Item("backup", text, "ok", f"[backup] {what}: taken and read back before the first change")


def rollback_item(session: Any, plan: Any) -> Item:
    from shoring.rehearsal import rollback_rehearsed

    text = "Verify rollback plan is tested"
    root, engine = session.settings.root, session.engine.name
    by_version = {m.version: m for m in plan.migrations}
    missing, irreversible = [], []
    for mig in session.migrations:
        if mig.version not in by_version:
            continue
        if not mig.reversible_on(session.engine.dialect):
            irreversible.append(mig.version)
        elif not rollback_rehearsed(root, mig.checksum, engine):
            missing.append(mig.version)
    if missing:
        names = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        return Item("rollback", text, "warn", f"rollback not rehearsed on {engine} for this exact file: {names} "
                                              "(run `shoring test` first)")
    if irreversible:
        return Item("rollback", text, "warn", f"no down section in {', '.join(irreversible[:5])}: the rollback plan is "
                                              "restoring the backup")
    return Item("rollback", text, "ok", f"rehearsed up, down, up on {engine} for each exact file")


def window_item(plan: Any, options: Options, now: datetime | None) -> Item:
    text = "Schedule maintenance window (if downtime needed)"
    from shoring.plan.model import human_duration

    worst, unknown = None, None
    for mig in plan.migrations:
        for b in mig.blocking:
            if b.writes and b.seconds is None and unknown is None:
                unknown = (mig, b)
            if b.writes and b.seconds is not None and b.seconds >= options.window_after:
                if worst is None or b.seconds > (worst[1].seconds or 0):
                    worst = (mig, b)
    if worst is None and unknown is not None:
        mig, b = unknown
        return Item("window", text, "person", f"unknown: {mig.version} blocks writes of {b.relation} for a time the plan "
                                              "cannot tell (its size is unknown before this run); judge it yourself")
    if worst is None:
        return Item("window", text, "ok", f"not needed: no table has its writes blocked for {options.window_after:g}s or more")

    mig, b = worst
    why = (f"needed: {mig.version} blocks {'reads and writes' if b.reads else 'writes'} of {b.relation} for "
           f"{human_duration(b.seconds)} ({b.lock})")
    if options.window is None:
        return Item("window", text, "warn", f"{why}; no window given (--window 02:00-04:00 or [preflight] window)")
    local = (now or datetime.now(options.zone)).astimezone(options.zone)
    at = f"{local:%H:%M} {options.zone.key}"
    if inside(options.window, local.time().replace(tzinfo=None)):
        return Item("window", text, "ok", f"{why}; now ({at}) is inside the window {options.window_text}")
    return Item("window", text, "warn", f"{why}; now ({at}) is outside the window {options.window_text}")


def target_tables(plan: Any) -> list[str]:
    created = set()
    seen: list[str] = []
    for mig in plan.migrations:
        for sp in mig.statements:
            for op in sp.analyzed.operations:
                if op.kind == "create_table" and op.table:
                    created.add(op.table)
            for t in sp.analyzed.tables:
                if t not in seen and t not in created:
                    seen.append(t)
    return seen


def sessions_item(engine: Any, plan: Any, options: Options) -> Item:
    from shoring.engines import StatementError
    from shoring.runner.blockers import describe

    text = "No long-running or idle-in-transaction sessions on the target tables"
    if engine.description.opens_a_file:
        return Item("sessions", text, "skip", f"{engine.description.label} has no other sessions to ask about")
    tables = [t for t in target_tables(plan) if engine.table_exists(t)]
    if not tables:
        return Item("sessions", text, "ok", "no existing table is touched")
    try:
        holders = engine.table_lock_holders(tables)
    except StatementError as exc:
        return Item("sessions", text, "skip", f"could not ask the server: {exc.message}")
    named = [h for h in holders if h.state == "idle in transaction" or (h.seconds or 0) >= options.long_session]
    if not named:
        return Item("sessions", text, "ok", f"none holds a lock on {', '.join(tables[:5])}")
    return Item("sessions", text, "warn", "they would queue our lock: " + "; ".join(describe(h) for h in named[:5])
                + (f" and {len(named) - 5} more" if len(named) > 5 else ""))


def replication_item(engine: Any, options: Options) -> Item:
    from shoring.engines import StatementError

    text = "Replication lag"
    try:
        seen = engine.replication_lag()
    except StatementError as exc:
        return Item("replication", text, "skip", f"could not ask the server: {exc.message}")
    if seen is None:
        return Item("replication", text, "skip", f"{engine.name} has no replication")
    replicas, lag = seen
    if not replicas:
        return Item("replication", text, "ok", "no replica is connected")
    if lag is None:
        return Item("replication", text, "person", f"{replicas} replica(s); their lag is read on each replica")
    status = "ok" if lag <= options.max_lag else "warn"
    return Item("replication", text, status, f"{replicas} replica(s), worst lag {lag:.1f}s (limit {options.max_lag:g}s)")


def disk_item(engine: Any, plan: Any) -> Item:
    text = "Free disk for rewrites and copies"
    need: dict[str, int] = {}
    unknown = []
    for mig in plan.migrations:
        for sp in mig.statements:
            for w in sp.work:
                if w.kind in ("rewrite", "copy") and w.table:
                    volume = plan.volumes.get(w.table)
                    if volume is None or volume.bytes is None:
                        unknown.append(w.table)
                    else:
                        need[w.table] = max(need.get(w.table, 0), int(volume.bytes))
    if not need and not unknown:
        return Item("disk", text, "ok", "no table is rewritten or copied")
    directory = _local_directory(engine)
    total = sum(need.values())
    wanted = f"{_size(total)} for {', '.join(sorted(need))}" + (f" (and {', '.join(unknown)} of unknown size)" if unknown else "")
    if directory is None:
        return Item("disk", text, "person", f"needs about {wanted}; the server's disk cannot be read from here")
    free = shutil.disk_usage(directory).free
    status = "ok" if free > total * 1.1 else "warn"  # a rewrite writes the table again, plus its WAL/redo
    return Item("disk", text, status, f"needs about {wanted}; {_size(free)} free in {directory}")


def _local_directory(engine: Any) -> str | None:
    import os

    from shoring.engines import StatementError

    if not engine.description.opens_a_file and (engine.url.host or "localhost") not in ("localhost", "127.0.0.1", "::1"):
        return None
    try:
        path = engine.data_directory()
    except StatementError:
        return None
    return path if path and os.path.isdir(path) else None


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def lint_item(plan: Any) -> Item:
    text = "Lint"
    errors = [(m, f) for m in plan.migrations for f in m.findings if f.get("severity") == "error"]
    if not errors:
        warnings = sum(1 for m in plan.migrations for f in m.findings if f.get("severity") == "warning")
        return Item("lint", text, "ok", f"no errors ({warnings} warning(s); `shoring lint` lists them)")
    first_m, first = errors[0]
    more = f" and {len(errors) - 1} more" if len(errors) > 1 else ""
    return Item("lint", text, "warn", f"{len(errors)} error(s): {first_m.version} line {first.get('line')} "
                                      f"{first.get('rule')}{more} (`shoring lint`)")


def risk_item(plan: Any, options: Options) -> Item:
    levels = ("low", "medium", "high")
    worst = max(plan.migrations, key=lambda m: levels.index(m.risk))
    reason = worst.reasons[0].text if worst.reasons else ""
    status = "warn" if levels.index(worst.risk) >= levels.index(options.risk) else "ok"
    return Item("risk", "Plan risk", status, f"{worst.risk} ({worst.version}{': ' + reason if reason else ''})")


def notify_item(session: Any) -> Item:
    text = "Notify stakeholders of migration"
    hooks = session.settings.section("hooks")
    webhook = session.settings.section("notify").get("webhook")
    if webhook or hooks.get("before_apply"):
        via = "the webhook" if webhook else f"[hooks] before_apply ({hooks['before_apply']})"
        return Item("notify", text, "ok", f"apply tells them through {via}")
    return Item("notify", text, "person", "for a person (or [notify] webhook / [hooks] before_apply)")


def decide(checklist: Checklist, yes: bool, say: Any, ask: Any = None) -> list[Item]:
    """Stop on blocking failures unless the user says to go on (asked in a terminal, --yes elsewhere).
    Returns the items overridden."""
    from shoring.errors import CheckFailed

    stopping = checklist.stopping
    if not stopping:
        return []
    names = ", ".join(i.key for i in stopping)
    if yes:
        say(f"preflight: going on despite {names} (--yes)")
        return stopping
    if ask is not None and ask(f"Preflight failed ({names}). Apply anyway?"):
        return stopping
    raise CheckFailed(f"preflight stopped the apply before any change: {'; '.join(i.detail for i in stopping)} "
                      f"(fix it, or pass --yes to go on anyway)")

