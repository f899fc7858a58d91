"""Migrations + (optionally) the live database -> a Plan.

Two passes. The first analyses each migration in order, replaying its up section into the
catalog so later migrations see the schema earlier ones leave, and records the work each
statement does at the table sizes of that moment. Then rates are settled (calibration on the
target, history, assumptions) and the second pass prices the work, works out who is blocked for
how long, the risk, the rollback, the deploy order and the checklists.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from shoring.analysis.analyze import (analyze_down, analyze_migration, analyze_statements, parse_section, python_statement,
                                      version_of)
from shoring.analysis.catalog import Catalog, Table
from shoring.analysis.model import AnalyzedStatement, ColumnSpec
from shoring.engines.description import describe
from shoring.plan import checklist as checklists
from shoring.plan.blocking import migration_blocking
from shoring.plan.calibrate import MIN_ROWS, OWN_STATEMENT_KINDS, Need, calibrate
from shoring.plan.deploy import deploy_order
from shoring.plan.estimate import size_basis, statement_estimate, sum_estimates
from shoring.plan.evidence import lint_findings, past_applies, rehearsal, rehearsal_run, rehearsed_seconds
from shoring.plan.model import Estimate, MigrationPlan, Plan, Rollback, StatementPlan, Work
from shoring.plan.rates import Rates
from shoring.plan.reversal import lost_by_down, lost_by_up, restores
from shoring.plan.risk import assess, level_of
from shoring.plan.schema_locks import SchemaLocks
from shoring.plan.schema_locks import refine as refine_locks
from shoring.plan.volume import Volumes
from shoring.plan.work import statement_work


@dataclass
class PlanOptions:
    engine: str = "postgresql"
    server_version: str | None = None
    root: Path = field(default_factory=Path.cwd)
    backup: dict[str, Any] = field(default_factory=dict)  # the [backup] table of the config
    hooks: dict[str, Any] = field(default_factory=dict)  # the [hooks] table: before_apply notifies people
    lock_timeout: float | None = 5.0  # what shoring's runner sets (None: off)
    lint: bool = True
    lint_exclude: frozenset[str] = frozenset()  # rule ids ([lint] exclude)
    statement_timeout: float | None = None  # what shoring's runner sets (None: off)
    calibrate: bool = True
    calibration_rows: int = 20000
    database_url: Any = None  # for the calibration's own connection
    history_table: str = "shoring_migrations"
    known_migrations: dict[str, Any] = field(default_factory=dict)  # version -> Migration, to learn from history
    say: Callable[[str], None] = lambda s: None


#: kinds whose table must exist before the statement runs (checked against a live database)
NEEDS_TABLE = frozenset({
    "add_column", "drop_column", "rename_column", "alter_column_type", "set_not_null", "drop_not_null",
    "set_default", "drop_default", "add_constraint", "validate_constraint", "drop_constraint", "create_index",
    "rename_table", "truncate", "update", "delete", "insert", "create_trigger", "toggle_trigger",
    "set_table_options", "attach_partition", "detach_partition", "drop_table",
})
#: kinds whose column must exist
NEEDS_COLUMN = frozenset({"drop_column", "rename_column", "alter_column_type", "set_not_null", "drop_not_null",
                          "set_default", "drop_default"})


@dataclass
class _Analysed:
    migration: Any
    up: list[AnalyzedStatement]
    down: list[AnalyzedStatement]
    work: list[tuple[list[Work], list[str], list[str]]]
    down_work: list[tuple[list[Work], list[str], list[str]]]
    problems: list[list[str]]
    restores: bool | None
    differences: list[str]
    new_columns: set[tuple[str, str]]
    earlier_columns: set[tuple[str, str]]
    fresh: set[str]
    depends: list[str]


def build_plan(migrations: list[Any], options: PlanOptions, live: Any = None, context: list[Any] = (),
               states: dict[str, str] | None = None) -> Plan:
    """Plan `migrations` (in order). `context`: earlier migrations replayed first when there is no database."""
    engine = live.name if live is not None else options.engine
    version = version_of(engine, live.server_version if live is not None else options.server_version)
    catalog = live.catalog() if live is not None else Catalog()
    for m in context:
        analyze_migration(m, engine, version, direction="up", catalog=catalog)
    volumes = Volumes(live)
    rates = Rates(engine)
    analysed: list[_Analysed] = []
    fresh: set[str] = set()  # tables this plan creates
    plan_columns: set[tuple[str, str]] = set()
    origins: dict[str, tuple[str, str]] = {}  # table -> (version, what the plan does to it)
    known = SchemaLocks.from_live(live) if live is not None and describe(engine).locks_spread_to_related else None
    for m in migrations:
        analysed.append(_analyse(m, engine, version, catalog, volumes, live, fresh, plan_columns, origins, known))
    notes: list[str] = []
    if live is None:
        notes.append("no database given: table sizes and the current schema are unknown, so are durations "
                     "of work that grows with the data; pass --database URL")
    if live is not None:
        _settle_rates(rates, analysed, live, options, engine, version, volumes, notes)
    findings, why_not = ({}, None)
    if options.lint:
        files = [a.migration.path for a in analysed if a.migration.path]
        runner = {"lock_timeout": bool(options.lock_timeout), "statement_timeout": bool(options.statement_timeout)}
        loaded = {a.migration.path: a.migration for a in analysed if a.migration.path}  # not read from disk again
        findings, why_not = lint_findings(files, engine, str(version), options.root, options.lint_exclude, runner, loaded)
        if why_not:
            notes.append(why_not)
    exact = _exact_history(live, options) if live is not None else {}
    plans = [_price(a, engine, version, rates, volumes, live, options, findings, exact, states or {})
             for a in analysed]
    plan = Plan(engine=engine, server_version=live.server_version if live is not None else options.server_version,
                database=live.engine.url.masked() if live is not None else None, migrations=plans,
                volumes={t: v for t, v in volumes.seen.items()}, throughput=rates.summary(), notes=notes)
    plan.notes.extend(rates.notes)
    plan.checklist = _overall_checklist(plan, options)
    return plan


# --- pass 1 -------------------------------------------------------------------------------------

def _analyse(m: Any, engine: str, version: Any, catalog: Catalog, volumes: Volumes, live: Any, fresh: set[str],
             plan_columns: set[tuple[str, str]], origins: dict[str, tuple[str, str]],
             schema_locks: SchemaLocks | None) -> _Analysed:
    key = f"{m.version}:{m.path}"
    if live is None and m.kind == "sql":
        _placeholders(m, engine, version, catalog)
    before = catalog.copy()
    known = set(before.tables)
    after_down = None
    if m.kind == "python":
        up = [python_statement(m, "up")]
        down = [python_statement(m, "down")] if m.has_down else []
        catalog.begin(key)
    else:
        up = analyze_migration(m, engine, version, direction="up", catalog=catalog)
        down, after_down = analyze_down(m, engine, version, catalog=catalog)
    if schema_locks is not None:
        for st in [*up, *down]:
            for note in refine_locks(st, schema_locks):
                if note not in st.notes:
                    st.notes.append(note)
    new_columns = set(catalog.added)
    earlier = set(plan_columns)
    # problems a live database can tell: a table or column that is not there
    problems = _existence_problems(up, before, live) if live is not None else [[] for _ in up]
    depends = _dependencies(m, up, origins)  # before this migration's own changes are recorded
    work = []
    for st in up:
        w = statement_work(st, volumes, live, engine, catalog)
        w[1].extend(u for u in _fact_unknowns(st, before) if u not in w[1])
        work.append(w)
        for op in st.operations:
            added = None
            if op.kind == "insert":
                added = next((x.rows for x in w[0] if x.kind == "insert"), None)
            volumes.apply(op, added)
            if op.kind == "create_table" and op.table:
                fresh.add(op.table)
                origins[op.table] = (m.version, "creates")
            elif op.kind == "rename_table" and op.get("new_name"):
                if op.table in fresh:
                    fresh.add(op.get("new_name"))
                origins[op.get("new_name")] = (m.version, f"renames {op.table} to")
            elif op.kind == "add_column" and op.table and op.column:
                origins[f"{op.table}.{op.column}"] = (m.version, "adds")
            elif op.kind == "rename_column" and op.table and op.get("new_name"):
                origins[f"{op.table}.{op.get('new_name')}"] = (m.version, f"renames {op.table}.{op.column} to")
    down_work = [statement_work(st, volumes, live, engine, catalog) for st in down]
    has_down = m.reversible_on(engine)
    if not has_down:
        ok, diffs = None, []
    elif m.kind == "python":
        ok, diffs = None, ["Python migration: what down(ctx) restores is not analysed"]
    else:
        ok, diffs = restores(before, after_down, up, None if live is not None else known | fresh | _created(up))
    plan_columns |= new_columns
    return _Analysed(m, up, down, work, down_work, problems, ok, diffs, new_columns, earlier, set(fresh), depends)


def _created(up: list[AnalyzedStatement]) -> set[str]:
    return {op.table for st in up for op in st.operations if op.kind == "create_table" and op.table}


def _placeholders(m: Any, engine: str, version: Any, catalog: Catalog) -> None:
    """Without a database: tables the migration alters but nothing created become empty placeholders
    (with the columns it names), so that what up and down do to them can still be compared."""
    probe = catalog.copy()
    probe.begin("<probe>")
    try:
        # read as the analysis reads it: PostgreSQL's section tree is parsed once for the probe, analysis and lint
        statements = analyze_statements(parse_section(m, "up", engine), engine, version, catalog=probe)
    except Exception:  # noqa: BLE001 - the real analysis reports it
        return
    created: set[str] = set()
    for st in statements:
        for op in st.operations:
            if op.kind == "create_table" and op.table:
                created.add(op.table)
                continue
            if not op.table or op.table in created or op.kind in ("create_view", "drop_view", "select"):
                continue
            t = catalog.own(op.table)
            if t is None:
                t = Table(name=op.table, created_in=None)
                catalog.put(t)
            if op.column and op.kind not in ("add_column", "modify_column") and op.column not in t.columns:
                t.columns[op.column] = ColumnSpec(name=op.column, type="unknown")


def _existence_problems(up: list[AnalyzedStatement], before: Catalog, live: Any) -> list[list[str]]:
    views = set(live.schema.views)
    tables = {name: set(t.columns) for name, t in before.tables.items()}
    out: list[list[str]] = []
    for st in up:
        problems: list[str] = []
        for op in st.operations:
            t = op.table
            if op.kind == "create_table" and t:
                if t in tables and not op.get("if_not_exists"):
                    problems.append(f"table {t} already exists")
                tables[t] = {c.name for c in op.get("columns") or ()}
                continue
            if not t or t in views:
                continue
            if op.kind in NEEDS_TABLE and t not in tables:
                if not op.get("if_exists"):
                    problems.append(f"table {t} does not exist (and no earlier migration of this plan creates it)")
                continue
            cols = tables.get(t)
            if cols is None:
                continue
            if op.kind == "add_column" and op.column:
                if op.column in cols and not op.get("if_not_exists"):
                    problems.append(f"column {t}.{op.column} already exists")
                cols.add(op.column)
            elif op.kind in NEEDS_COLUMN and op.column and op.column not in cols and not op.get("if_exists"):
                problems.append(f"column {t}.{op.column} does not exist")
            if op.kind == "drop_column" and op.column:
                cols.discard(op.column)
            elif op.kind == "rename_column" and op.column and op.get("new_name"):
                cols.discard(op.column)
                cols.add(op.get("new_name"))
            elif op.kind == "drop_table":
                tables.pop(t, None)
            elif op.kind == "rename_table" and op.get("new_name"):
                tables[op.get("new_name")] = tables.pop(t, set())
        out.append(problems)
    return out


def _dependencies(m: Any, up: list[AnalyzedStatement], origins: dict[str, tuple[str, str]]) -> list[str]:
    """Header Depends, and pending migrations of this plan that create or rename what this one uses."""
    out = [f"{v} (declared in the header)" for v in m.metadata.depends]
    for st in up:
        for op in st.operations:
            names = [op.table, *(op.get("sources") or ())]
            if isinstance(op.get("references"), str):
                names.append(op.get("references"))
            if op.table and op.column:
                names.append(f"{op.table}.{op.column}")
            for name in names:
                origin = origins.get(name) if name else None
                if origin and not any(x.startswith(f"{origin[0]} ") for x in out):
                    out.append(f"{origin[0]} (pending: {origin[1]} {name})")
    return out


# --- rates --------------------------------------------------------------------------------------

def _settle_rates(rates: Rates, analysed: list[_Analysed], live: Any, options: PlanOptions, engine: str,
                  version: Any, volumes: Volumes, notes: list[str]) -> None:
    _learn_from_history(rates, live, options, engine, version)
    if not options.calibrate or options.database_url is None:
        if not options.calibrate:
            rates.notes.append("calibration skipped (--no-calibrate)")
        return
    needs: set[Need] = set()
    for a in analysed:
        for st, (work, _, _) in zip([*a.up, *a.down], [*a.work, *a.down_work]):
            for w in work:
                if w.kind in ("opaque", "insert") or not w.table or w.table not in live.schema.tables:
                    continue
                vol = live.volume(w.table)
                if vol is None or vol.rows is None or vol.rows < MIN_ROWS:
                    continue
                if w.kind == "backfill" and w.loop_sql and w.batches:
                    needs.add(Need("backfill", w.table, (), w.loop_sql, w.remaining_sql, w.batches))
                # a statement whose only work this is can be timed itself on the copy
                alone = st.sql if len(work) == 1 and w.kind in OWN_STATEMENT_KINDS else ""
                needs.add(Need(w.kind, w.table, w.columns if w.kind == "index" else (), statement=alone))
                if w.rescanned_rows:
                    needs.add(Need("scan", w.table))
    if not needs:
        return
    measured, cal_notes = calibrate(options.database_url, live, needs, options.calibration_rows, options.say)
    rates.measured.update(measured)
    rates.notes.extend(cal_notes)


def _learn_from_history(rates: Rates, live: Any, options: PlanOptions, engine: str, version: Any) -> None:
    """Past applies of other migrations whose work was big enough: actual time / assumed time."""
    events = past_applies(live.engine, options.history_table)
    if not events:
        return
    on_disk = options.known_migrations
    ratios = []
    for e in events:
        m = on_disk.get(str(e["version"]))
        if m is None or not m.has_sql or e.get("checksum") != m.checksum:
            continue
        try:
            cat = live.catalog()
            statements = analyze_migration(m, engine, version, direction="up", catalog=cat)
        except Exception:  # noqa: BLE001
            continue
        vols = Volumes(live)
        assumed = 0.0
        for st in statements:
            work, _, _ = statement_work(st, vols, None, engine)
            for w in work:
                if w.rows is None:
                    assumed = -1
                    break
                vol = vols.get(w.table)
                row_bytes = vol.bytes / vol.rows if vol.bytes and vol.rows else None
                assumed += w.rows * rates.assumed(w.kind, row_bytes) / 1e6
            if assumed < 0:
                break
        if assumed >= 0.2:
            ratios.append(e["duration_ms"] / 1000.0 / assumed)
    if ratios:
        rates.learned_factor = statistics.median(ratios)
        rates.learned_detail = (f"learned from {len(ratios)} past apply(s) on this database: "
                                f"{rates.learned_factor:.2f}× the assumed rate, table sizes as they are now")


def _exact_history(live: Any, options: PlanOptions) -> dict[str, dict[str, Any]]:
    """checksum -> the latest apply event of that exact file on this database."""
    out: dict[str, dict[str, Any]] = {}
    for e in past_applies(live.engine, options.history_table):
        if e.get("checksum"):
            out[e["checksum"]] = e
    return out


# --- pass 2 -------------------------------------------------------------------------------------

def _price(a: _Analysed, engine: str, version: Any, rates: Rates, volumes: Volumes, live: Any,
           options: PlanOptions, findings: dict[str, list[dict[str, Any]]], exact: dict[str, dict[str, Any]],
           states: dict[str, str]) -> MigrationPlan:
    m = a.migration
    record = rehearsal(options.root, m.checksum)
    run = rehearsal_run(record, engine)
    statements = [_statement_plan(st, w, p, rates, volumes, engine, a.migration.kind)
                  for st, w, p in zip(a.up, a.work, a.problems)]
    for sp in statements:
        _use_rehearsal(sp, run, volumes)
    down_statements = [_statement_plan(st, w, [], rates, volumes, engine, a.migration.kind)
                       for st, w in zip(a.down, a.down_work)]
    tables = []
    for sp in statements:
        for t in sp.analyzed.tables:
            if t not in tables:
                tables.append(t)
    basis = size_basis(tables, volumes)
    estimate = sum_estimates([sp.estimate for sp in statements], basis)
    past = exact.get(m.checksum)
    if past is not None:
        seconds = past["duration_ms"] / 1000.0
        estimate = Estimate(seconds, "history", basis,
                            f"this exact file took {seconds:.3f} s when applied here on {past.get('at')}")
    from shoring.engines.description import describe

    wrapped = m.transactional_on(engine) and describe(engine).transactional_ddl  # as the runner decides, Python migrations included
    blocking = migration_blocking(engine, statements, a.fresh)
    handled, up_read, told_before = _handled_by_operations(m, a.up)
    rollback = Rollback(
        has_down=m.reversible_on(engine), restores=a.restores, differences=a.differences,
        lost_by_up=lost_by_up(up_read), lost_by_down=lost_by_down(a.down), rehearsed=run,
        down_statements=down_statements,
        down_estimate=sum_estimates([sp.estimate for sp in down_statements], "") if down_statements else None,
    )
    reasons = assess(engine, statements, blocking, rollback, wrapped, options.lock_timeout, m.kind, handled)
    backfilled = {w.table for sp in statements for w in sp.work if w.kind in ("update", "backfill") and w.table}
    before, after, phase = deploy_order(up_read, a.new_columns, a.earlier_columns, backfilled)
    before = told_before + [b for b in before if b not in told_before]
    if told_before and not phase:
        phase = "contract"
    header_phase = (m.metadata.get("Phase") or "").strip().lower()
    measured = None
    if past is not None:
        measured = f"applied here before in {past['duration_ms'] / 1000.0:.3f} s"
    plan = MigrationPlan(
        version=m.version, name=m.name, file=str(m.path), kind=m.kind, checksum=m.checksum,
        metadata=m.metadata.as_dict(), transactional=bool(wrapped), statements=statements, estimate=estimate,
        risk=level_of(reasons), reasons=reasons, rollback=rollback, blocking=blocking, depends=a.depends,
        deploy_before=before, deploy_after=after, phase=header_phase or phase,
        findings=findings.get(str(Path(m.path).resolve()), []), state=states.get(m.version, "pending"),
    )
    plan.checklist = checklists.pre_migration(options.backup, rollback.has_down, run, m.checksum, blocking, options.hooks)
    plan.testing = checklists.testing(run, rollback.has_down, measured)
    return plan


def _handled_by_operations(m: Any, up: list[AnalyzedStatement]) -> tuple[dict[int, frozenset[str]], list[AnalyzedStatement], list[str]]:
    """(line -> kinds handled, the up statements without them, code to deploy first as the operations say it)
    for an operations migration: what its operations handle themselves is not read as the SQL looks."""
    if m.kind != "operations":
        return {}, up, []
    from dataclasses import replace

    handled: dict[int, frozenset[str]] = {}
    before: list[str] = []
    for line, op in m.operations():
        handled[line] = handled.get(line, frozenset()) | op.plan_handled
        before += [b for b in op.deploy_before() if b not in before]
    read = []
    for st in up:
        skip = handled.get(st.line, frozenset())
        kept = [(op, eff) for op, eff in zip(st.operations, st.effects) if op.kind not in skip]
        read.append(replace(st, operations=[o for o, _ in kept], effects=[e for _, e in kept]) if skip else st)
    return handled, read, before


def _statement_plan(st: AnalyzedStatement, w: tuple[list[Work], list[str], list[str]], problems: list[str],
                    rates: Rates, volumes: Volumes, engine: str, kind: str) -> StatementPlan:
    work, unknowns, notes = w
    unknowns = list(unknowns)
    for n in notes:
        if n not in st.notes:
            st.notes.append(n)
    opaque = kind == "python" or any(x.kind == "opaque" for x in work)
    est = statement_estimate([x for x in work if x.kind != "opaque"], rates, volumes, engine, st.tables, opaque)
    return StatementPlan(analyzed=st, estimate=est, work=work, unknowns=unknowns, problems=list(problems))


#: a rehearsal's time is used as the estimate when its copy held about as many rows as the target
#: (a template copy); from a small sample, the calibration's per-row rates scale better
REHEARSAL_SCALE = (0.5, 2.0)


def _use_rehearsal(sp: StatementPlan, run: dict[str, Any] | None, volumes: Volumes) -> None:
    measured = rehearsed_seconds(run, sp.analyzed.sql) if sp.work else None
    if measured is None:
        return
    seconds, copy_rows = measured
    scales = []
    for w in sp.work:
        target = volumes.get(w.table).rows if w.table else None
        rehearsed = copy_rows.get(w.table or "")
        if not target or not rehearsed:
            return
        scales.append(target / rehearsed)
    scale = max(scales) if scales else 1.0
    if not REHEARSAL_SCALE[0] <= scale <= REHEARSAL_SCALE[1]:
        return
    when = f" on {run.get('at')}" if run and run.get("at") else ""
    sp.estimate = Estimate(seconds * scale, "rehearsal", sp.estimate.basis,
                           f"`shoring test` measured {seconds:.3f} s{when} on a copy with "
                           f"{', '.join(f'{t}: {n:,} rows' for t, n in copy_rows.items() if any(w.table == t for w in sp.work))}"
                           + (f", scaled ×{scale:.2f} to this database" if abs(scale - 1) > 0.01 else ""))


def _fact_unknowns(st: AnalyzedStatement, before: Catalog) -> list[str]:
    """Facts the analysis had to assume because the schema they depend on is not known."""
    out = []
    for op in st.operations:
        if op.new_table:
            continue
        table = before.tables.get(op.table) if op.table else None
        guessed = table is None or table.created_in is None  # not in the database, nor made by this plan
        if op.kind == "alter_column_type" and op.get("old_type") in (None, "unknown"):
            if st.online_ddl and st.online_ddl.get("algorithm") == "UNKNOWN":
                out.append(f"old definition of {op.table}.{op.column} unknown: ALGORITHM unknown "
                           "(INSTANT or INPLACE if it only widens, else COPY)")
            else:
                out.append(f"old type of {op.table}.{op.column} unknown: assumed the change rewrites the table")
        if op.kind == "set_not_null" and op.get("maybe"):
            out.append(f"whether {op.table}.{op.column} was nullable is unknown")
        if op.kind == "set_not_null" and guessed and st.scans:
            out.append(f"whether a validated CHECK ({op.column} IS NOT NULL) exists on {op.table} is unknown: "
                       "assumed a full scan")
        if op.kind == "drop_column" and guessed and st.locks.get("<database>"):
            out.append(f"whether {op.table}.{op.column} is indexed or referenced is unknown (SQLite refuses to "
                       "drop such columns)")
        if op.kind in ("validate_constraint", "drop_constraint") and guessed:
            out.append(f"what kind of constraint {op.name} is on {op.table} is unknown: a foreign key would "
                       "also lock the table it references")
    return out


def _overall_checklist(plan: Plan, options: PlanOptions) -> list[Any]:
    blocking = [b for m in plan.migrations for b in m.blocking]
    items = checklists.pre_migration(
        options.backup, all(m.rollback.has_down for m in plan.migrations), None, "", blocking, options.hooks)
    rehearsed = [m for m in plan.migrations if m.checklist and m.checklist[1].done]
    if plan.migrations:
        n = len(plan.migrations)
        if len(rehearsed) == n:
            items[1] = checklists.CheckItem(items[1].text, True, f"every migration's exact file was rehearsed ({n})")
        else:
            missing = [m.label for m in plan.migrations if not (m.checklist and m.checklist[1].done)]
            items[1] = checklists.CheckItem(items[1].text, False,
                                            f"not rehearsed: {', '.join(missing[:5])}" + (" ..." if len(missing) > 5 else "")
                                            + " (run `shoring test`)")
    return items
