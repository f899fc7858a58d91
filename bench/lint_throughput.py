"""Lint throughput: shoring against squawk on one seeded corpus of PostgreSQL migrations.

    .venv/bin/python bench/lint_throughput.py [--files 1000] [--seed 7] [--repeat 3] [--keep DIR]

Generates FILES plain SQL migration files (about 20 statements each, one statement a line), runs
`shoring lint --format json` and `squawk --reporter json` over them as a user would (fresh
processes, cold start included), and prints both cold wall times (best of --repeat; shoring with
--no-cache), shoring's re-lint of the unchanged corpus from its lint cache, the ratios, the
findings per rule of each, and which of squawk's findings shoring also reports on the same
statement (timeouts: in the same file). Files marked `-- Transaction: false` go to squawk without
--assume-in-transaction, the others with it, so both tools lint each file as it would run.

shoring runs with its bytecode cached, as an installed package runs (pip compiles it at install
time): where PYTHONDONTWRITEBYTECODE is set and the source tree has no __pycache__, every run
would otherwise compile shoring's modules first (about 0.2 s); that figure is printed too. Also
printed: the CPUs shoring may use (it lints in one process per CPU, at most 8, each with 50 files
or more), the serial time (`--jobs 1`), and the load average: the figures are only as quiet as the machine.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: squawk rule -> shoring rules that report the same hazard.
SAME_HAZARD: dict[str, tuple[str, ...]] = {
    "require-concurrent-index-creation": ("create-index-without-concurrently",),
    "require-concurrent-index-deletion": ("drop-index-without-concurrently",),
    "ban-concurrent-index-creation-in-transaction": ("non-transactional-in-transaction",),
    "adding-field-with-default": ("add-column-volatile-default", "add-column-generated-stored", "add-column-auto-increment"),
    "adding-foreign-key-constraint": ("foreign-key-without-not-valid",),
    "adding-not-nullable-field": ("set-not-null-without-check", "set-not-null-before-backfill"),
    "adding-required-field": ("add-column-not-null-without-default",),
    "adding-serial-primary-key-field": ("add-column-auto-increment", "unique-or-primary-key-without-index"),
    "adding-primary-key-constraint": ("unique-or-primary-key-without-index",),
    "constraint-missing-not-valid": ("check-without-not-valid", "foreign-key-without-not-valid", "validate-in-same-transaction",
                                     "unique-or-primary-key-without-index"),
    "disallowed-unique-constraint": ("unique-or-primary-key-without-index",),
    "changing-column-type": ("column-type-change", "type-change-with-check"),
    "renaming-column": ("rename-column",),
    "renaming-table": ("rename-table",),
    "ban-drop-column": ("drop-column",),
    "ban-drop-table": ("drop-table",),
    "ban-drop-database": ("drop-database",),
    "ban-drop-schema": ("drop-schema",),
    "ban-drop-not-null": ("drop-not-null",),
    "ban-truncate-cascade": ("truncate-cascade",),
    "prefer-robust-stmts": ("non-idempotent-statement",),
    "prefer-bigint-over-int": ("prefer-bigint",),
    "prefer-bigint-over-smallint": ("prefer-bigint",),
    "prefer-identity": ("prefer-identity",),
    "prefer-text-field": ("prefer-text",),
    "ban-char-field": ("prefer-text-over-char",),
    "prefer-timestamp-tz": ("prefer-timestamptz",),
    "prefer-timestamptz": ("prefer-timestamptz",),
    "require-lock-timeout": ("missing-lock-timeout",),
    "require-statement-timeout": ("missing-statement-timeout",),
    "require-enum-value-ordering": ("enum-add-value-without-position",),
    "require-concurrent-reindex": ("reindex-without-concurrently",),
    "require-concurrent-partition-detach": ("detach-partition-without-concurrently",),
    "prefer-repack": ("vacuum-full-or-cluster",),
    "ban-create-domain-with-constraint": ("create-domain-with-check",),
    "ban-alter-domain-with-add-constraint": ("create-domain-with-check",),
    "transaction-nesting": ("explicit-transaction-control",),
    "ban-uncommitted-transaction": ("explicit-transaction-control",),
    "identifier-too-long": ("identifier-too-long",),
}
#: Rules whose finding is about the whole file (compared per file, not per statement).
PER_FILE = {"require-lock-timeout", "require-statement-timeout"}


# --- the corpus --------------------------------------------------------------------------------

class Corpus:
    """Migrations of a growing schema: each file creates or changes a few tables, like real history."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.tables: list[str] = []
        self.columns: dict[str, list[str]] = {}
        self.n = 0

    def name(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}_{self.n}"

    def table(self) -> str:
        return self.rng.choice(self.tables)

    def column(self, table: str) -> str:
        return self.rng.choice(self.columns[table])

    def create_table(self) -> list[str]:
        t = self.name("tbl")
        cols = [self.name("c") for _ in range(self.rng.randint(2, 5))]
        types = ["text", "bigint", "timestamptz", "jsonb", "boolean", "numeric(12, 2)"]
        if self.rng.random() < 0.15:
            types.append(self.rng.choice(["integer", "varchar(40)", "timestamp", "json", "char(3)", "smallint"]))
        defs = ", ".join(f"{c} {self.rng.choice(types)}" for c in cols)
        key = "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY" if self.rng.random() < 0.9 else "id serial PRIMARY KEY"
        stmts = [f"CREATE TABLE {t} ({key}, {defs});"]
        if self.tables and self.rng.random() < 0.4:
            parent = self.table()
            stmts.append(f"ALTER TABLE {t} ADD COLUMN {parent}_id bigint REFERENCES {parent} (id);")
            stmts.append(f"CREATE INDEX idx_{t}_{parent}_id ON {t} ({parent}_id);")
            cols.append(f"{parent}_id")
        self.tables.append(t)
        self.columns[t] = cols
        return stmts

    def change(self) -> list[str]:
        """One statement (or a short group) on an existing table: mostly safe, some hazards."""
        t = self.table()
        c = self.column(t)
        r = self.rng.random()
        new = self.name("col")
        if r < 0.20:
            self.columns[t].append(new)
            return [f"ALTER TABLE {t} ADD COLUMN {new} text;"]
        if r < 0.28:
            self.columns[t].append(new)
            return [f"ALTER TABLE {t} ADD COLUMN {new} boolean NOT NULL DEFAULT false;"]
        if r < 0.31:
            self.columns[t].append(new)
            return [f"ALTER TABLE {t} ADD COLUMN {new} uuid DEFAULT gen_random_uuid();"]
        if r < 0.33:
            self.columns[t].append(new)
            return [f"ALTER TABLE {t} ADD COLUMN {new} integer NOT NULL;"]
        if r < 0.40:
            return [f"CREATE INDEX idx_{new} ON {t} ({c});"]
        if r < 0.45:
            name = f"chk_{new}"
            return [f"ALTER TABLE {t} ADD CONSTRAINT {name} CHECK ({c} IS NOT NULL) NOT VALID;"]
        if r < 0.48:
            return [f"ALTER TABLE {t} ADD CONSTRAINT chk_{new} CHECK ({c} IS NOT NULL);"]
        if r < 0.52:
            other = self.table()
            return [f"ALTER TABLE {t} ADD CONSTRAINT fk_{new} FOREIGN KEY ({c}) REFERENCES {other} (id) NOT VALID;"]
        if r < 0.54:
            other = self.table()
            return [f"ALTER TABLE {t} ADD CONSTRAINT fk_{new} FOREIGN KEY ({c}) REFERENCES {other} (id);"]
        if r < 0.58:
            return [f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;"]
        if r < 0.61:
            return [f"ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT 0;"]
        if r < 0.63:
            return [f"ALTER TABLE {t} ALTER COLUMN {c} TYPE bigint;"]
        if r < 0.65:
            return [f"ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL;"]
        if r < 0.67:
            self.columns[t].remove(c) if len(self.columns[t]) > 1 else None
            return [f"ALTER TABLE {t} DROP COLUMN {c};"]
        if r < 0.69:
            self.columns[t].append(new)
            self.columns[t].remove(c) if len(self.columns[t]) > 1 else None
            return [f"ALTER TABLE {t} RENAME COLUMN {c} TO {new};"]
        if r < 0.72:
            return [f"ALTER TABLE {t} ADD CONSTRAINT uq_{new} UNIQUE ({c});"]
        if r < 0.85:
            return [f"UPDATE {t} SET {c} = {c} WHERE id IN (SELECT id FROM {t} WHERE {c} IS NULL LIMIT 1000);"]
        if r < 0.88:
            return [f"UPDATE {t} SET {c} = NULL WHERE {c} IS NOT NULL;"]
        if r < 0.90:
            return [f"COMMENT ON TABLE {t} IS 'bench';"]
        if r < 0.93:
            return [f"SELECT count(*) FROM {t} WHERE {c} IS NULL;"]
        if r < 0.95:
            return [f"CREATE OR REPLACE VIEW v_{new} AS SELECT id FROM {t};"]
        return [f"INSERT INTO {t} (id) OVERRIDING SYSTEM VALUE SELECT id + 1000000 FROM {t} WHERE id < 10;"]

    def transactional_file(self, target: int) -> str:
        header = ["-- Purpose: bench migration", ""]
        stmts: list[str] = []
        if self.rng.random() < 0.5:
            stmts.append("SET lock_timeout = '5s';")
        if self.rng.random() < 0.3:
            stmts.append("SET statement_timeout = '60s';")
        if not self.tables or self.rng.random() < 0.25:
            stmts += self.create_table()
        while len(stmts) < target:
            stmts += self.change()
        return "\n".join(header + stmts[:target]) + "\n"

    def concurrent_file(self, target: int) -> str:
        header = ["-- Purpose: bench index migration", "-- Transaction: false", ""]
        stmts = ["SET lock_timeout = '5s';"]
        while len(stmts) < target:
            t = self.table()
            c = self.column(t)
            name = self.name("cidx")
            guard = " IF NOT EXISTS" if self.rng.random() < 0.8 else ""
            stmts.append(f"CREATE INDEX CONCURRENTLY{guard} {name} ON {t} ({c});")
            if self.rng.random() < 0.2:
                stmts.append(f"DROP INDEX CONCURRENTLY IF EXISTS {name};")
        return "\n".join(header + stmts[:target]) + "\n"


def write_corpus(folder: Path, files: int, seed: int) -> tuple[list[Path], list[Path], int]:
    corpus = Corpus(seed)
    tx_dir, auto_dir = folder / "transactional", folder / "autocommit"
    tx_dir.mkdir(parents=True)
    auto_dir.mkdir(parents=True)
    tx, auto, statements = [], [], 0
    for i in range(1, files + 1):
        target = corpus.rng.randint(15, 25)
        concurrent = bool(corpus.tables) and corpus.rng.random() < 0.08
        text = corpus.concurrent_file(target) if concurrent else corpus.transactional_file(target)
        statements += sum(1 for line in text.splitlines() if line and not line.startswith("--"))
        path = (auto_dir if concurrent else tx_dir) / f"V{i}__bench_{i}.sql"
        path.write_text(text, encoding="utf-8")
        (auto if concurrent else tx).append(path)
    return tx, auto, statements


# --- running the tools -----------------------------------------------------------------------------

def tool(name: str) -> str:
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        sys.exit(f"{name} not found (install the dev extras: pip install -e '.[dev]')")
    return found


def bytecode_env(cache: Path | None) -> dict[str, str]:
    """The environment with Python's bytecode cached under `cache` (None: as it is)."""
    env = dict(os.environ)
    if cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def run_shoring(folder: Path, env: dict[str, str], jobs: int | None = None, cached: bool = False) -> tuple[float, list[dict]]:
    """One `shoring lint` run; cold (`--no-cache`) unless `cached`: then from the lint cache once it is filled."""
    cmd = [tool("shoring"), "lint", "--engine", "postgresql", "--server-version", "15", "--format", "json",
           *(["--jobs", str(jobs)] if jobs else []), *([] if cached else ["--no-cache"]),
           str(folder / "transactional"), str(folder / "autocommit")]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=folder, env=env)
    elapsed = time.perf_counter() - t0
    if proc.returncode not in (0, 1):
        sys.exit(f"shoring lint failed ({proc.returncode}): {proc.stderr.strip()}")
    return elapsed, json.loads(proc.stdout)["findings"]


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run_squawk(folder: Path, tx: list[Path], auto: list[Path]) -> tuple[float, list[dict]]:
    squawk = tool("squawk")
    runs = [[squawk, "--reporter", "json", "--pg-version", "15", "--assume-in-transaction", *map(str, tx)],
            [squawk, "--reporter", "json", "--pg-version", "15", *map(str, auto)]]
    findings: list[dict] = []
    elapsed = 0.0
    for cmd in runs:
        if len(cmd) <= 6 and not any(a.endswith(".sql") for a in cmd):
            continue
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=folder)
        elapsed += time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            sys.exit(f"squawk failed ({proc.returncode}): {proc.stderr.strip()[:500]}")
        findings += json.loads(proc.stdout or "[]")
    return elapsed, findings


def compare(folder: Path, shoring: list[dict], squawk: list[dict]) -> tuple[int, list[str]]:
    """How many of squawk's findings shoring reports too, and the ones it does not."""
    at_line = collections.defaultdict(set)
    in_file = collections.defaultdict(set)
    for f in shoring:
        path = str((folder / f["file"]).resolve())
        at_line[(path, f["line"])].add(f["rule"])
        in_file[path].add(f["rule"])
    matched, missed = 0, []
    for f in squawk:
        path = str(Path(f["file"]).resolve())
        wanted = set(SAME_HAZARD.get(f["rule_name"], ()))
        if f["rule_name"] in PER_FILE:
            ok = bool(wanted & in_file[path])
        else:
            ok = bool(wanted & at_line[(path, f["line"] + 1)])  # squawk counts lines from 0
        if ok:
            matched += 1
        else:
            missed.append(f"{Path(f['file']).name}:{f['line'] + 1} {f['rule_name']}")
    return matched, missed


def explain(folder: Path, missed: list[str]) -> collections.Counter:
    """Why shoring reports no hazard where squawk does, from shoring's own analysis of the corpus.

    Replays the corpus oldest first, as `shoring lint` does, and looks at the statement squawk
    flagged: what shoring knows there (a table or column created earlier in the same migration, a
    type change to the type the column already has, a validated NOT NULL check, a lock that blocks
    nobody) is the reason. "unexplained" misses are the gaps.
    """
    from shoring.analysis.analyze import analyze_migration
    from shoring.analysis.catalog import Catalog
    from shoring.analysis.model import PG_BLOCKS_WRITES
    from shoring.lint.linter import LintOptions, collect_files, load_file

    wanted = collections.defaultdict(list)
    for m in missed:
        where, rule = m.split(" ", 1)
        name, line = where.rsplit(":", 1)
        wanted[name].append((int(line), rule))
    options = LintOptions(engine="postgresql", server_version="15", root=folder)
    catalog = Catalog()
    reasons: collections.Counter = collections.Counter()
    for path in collect_files([folder / "transactional", folder / "autocommit"], options):
        migration, _ = load_file(path)
        catalog.begin(f"{migration.version}:{path}")
        statements = analyze_migration(migration, "postgresql", "15", catalog=catalog)
        for line, rule in wanted.get(path.name, ()):
            if rule in PER_FILE:
                blocking = [st for st in statements if any(m in PG_BLOCKS_WRITES and not catalog.is_new(r)
                                                           for r, m in st.locks.items())]
                reasons["file locks only tables it creates, or only with SHARE UPDATE EXCLUSIVE" if not blocking
                        else "unexplained"] += 1
                continue
            st = next((s for s in statements if s.line == line), None)
            ops = st.operations if st else []
            if any(op.new_table for op in ops):
                reasons["table created earlier in the same migration (exempt)"] += 1
            elif any(op.get("new_column") for op in ops):
                reasons["column added earlier in the same migration (exempt)"] += 1
            elif any(op.kind == "alter_column_type" and op.get("old_type") == op.get("type") for op in ops):
                reasons["type change to the type the column already has (no rewrite)"] += 1
            elif any(op.kind == "set_not_null" for op in ops) and st is not None and not st.scans:
                reasons["a validated CHECK (c IS NOT NULL) proves it: no scan (PostgreSQL 12+)"] += 1
            else:
                reasons[f"unexplained ({rule})"] += 1
    return reasons


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each tool; the best wall time counts")
    ap.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = ap.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="shoring-bench-"))
    if args.keep and folder.exists():
        shutil.rmtree(folder)
    try:
        tx, auto, statements = write_corpus(folder, args.files, args.seed)
        print(f"corpus: {args.files} files, {statements} statements (seed {args.seed}; {len(auto)} marked Transaction: false)")
        cache = Path(tempfile.mkdtemp(prefix="shoring-bench-pyc-"))
        try:
            cached = bytecode_env(cache)
            uncached = run_shoring(folder, bytecode_env(None))[0] if os.environ.get("PYTHONDONTWRITEBYTECODE") else None
            run_shoring(folder, cached)  # fills the bytecode cache
            run_shoring(folder, cached, cached=True)  # fills the lint cache
            sh_times, serial_times, sq_times, hit_times = [], [], [], []
            for _ in range(args.repeat):
                t, shoring = run_shoring(folder, cached)
                sh_times.append(t)
                serial_times.append(run_shoring(folder, cached, jobs=1)[0])
                t, from_cache = run_shoring(folder, cached, cached=True)
                hit_times.append(t)
                t, squawk = run_squawk(folder, tx, auto)
                sq_times.append(t)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        sh, serial, sq, hit = min(sh_times), min(serial_times), min(sq_times), min(hit_times)
        print(f"squawk cold: {sq:.3f} s   shoring cold (--no-cache): {sh:.3f} s   ratio shoring/squawk: {sh / sq:.2f}"
              f"   (best of {args.repeat}; {statements / sh:,.0f} vs {statements / sq:,.0f} statements/s)")
        same = "same findings as cold" if from_cache == shoring else "FINDINGS DIFFER FROM THE COLD RUN"
        print(f"shoring re-lint of the unchanged corpus (lint cache): {hit:.3f} s   ratio cached/squawk: {hit / sq:.2f}"
              f"   cached/cold: {hit / sh:.2f}   ({same})")
        no_cache = f"; PYTHONDONTWRITEBYTECODE is set here, without a bytecode cache: {uncached:.3f} s (one run)" if uncached else ""
        print(f"  shoring on {cpus()} CPUs; in one process (--jobs 1): {serial:.3f} s{no_cache}; "
              f"load average {os.getloadavg()[0]:.2f}")
        for label, findings, key in (("shoring", shoring, "rule"), ("squawk", squawk, "rule_name")):
            counts = collections.Counter(f[key] for f in findings)
            print(f"\n{label}: {len(findings)} findings")
            for rule, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
                print(f"  {n:6d}  {rule}")
        matched, missed = compare(folder, shoring, squawk)
        print(f"\nsquawk findings also reported by shoring on the same statement: {matched}/{len(squawk)}")
        if missed:
            print("the others, and why shoring's analysis finds no hazard there:")
            for reason, n in explain(folder, missed).most_common():
                print(f"  {n:6d}  {reason}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
