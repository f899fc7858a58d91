"""Chaos bench: kill shoring at random moments and at statement boundaries, and prove nothing is lost.

Each trial makes a fresh database, writes a project that mixes multi-statement SQL, a
`Transaction: false` file, a Backfill over --rows rows, ExpandRenameColumn, ExpandChangeType and (on
MariaDB) OnlineAlter, runs `shoring apply`, `rollback` or `test` as a real subprocess and injects one
fault:

  kill-random        SIGKILL at a random moment of the command's fault-free duration
  kill-boundary      SIGKILL at a statement or batch boundary (SHORING_TEST_STOP_AT, see shoring.faults)
  conn-kill-random   the server ends the runner's sessions (pg_terminate_backend, MariaDB KILL) at a random moment
  conn-kill-boundary the same while the runner is held at a boundary (mid-batch, between statements)
  pg-restart         PostgreSQL restarts (immediate mode: crash recovery) at a random moment or a boundary

Then: `shoring status --format json` must agree with the real schema and data (an applied migration's
effects are all there, a pending one's none, a running process is not claimed for a dead one, no INVALID
index under an applied migration); the command re-run must finish; every row of every table must equal
the state the same migrations reach without faults (ordered rows, compared one by one). `test` trials
check that the target was never written and that no scratch copy outlives the re-run.

PostgreSQL trials run on a cluster of the bench's own (initdb under /tmp, owned by user postgres, on a
free port), so restarts hurt no one. MariaDB trials use --mysql-url's server.

Usage: python bench/chaos.py [--trials 30] [--seed N] [--engines sqlite,postgresql,mysql] [--rows 100000]
The seed is printed; `--seed S --only K` re-runs trial K exactly as before.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # pg_cluster beside it, also when loaded by a test

from pg_cluster import PG_BIN, PgCluster, cluster_problem  # noqa: F401 - the tests reach them through this module

from shoring.engines import connect
from shoring.faults import STOPPED

FAULTS = ("kill-random", "kill-boundary", "conn-kill-random", "conn-kill-boundary", "pg-restart")
COMMANDS = ("apply", "rollback", "test")
ROLLBACK_TO = "2"  # rollback trials undo everything after the seed rows
TEST_FROM = "2"  # test trials rehearse everything after the seed rows
WAIT = 180  # seconds a command may take before the bench calls it hung


# --- the project every trial runs -------------------------------------------------------------

def seed_sql(engine: str, rows: int) -> str:
    half = rows // 2
    if engine == "postgresql":
        return (f"INSERT INTO items (id, name, qty) SELECT g, 'name-' || g, (g % 1000)::text FROM generate_series(1, {rows}) g;\n"
                f"INSERT INTO events (id, amount, note) SELECT g, g % 997, 'e;' || g FROM generate_series(1, {half}) g;")
    if engine == "mysql":
        return (f"INSERT INTO items (id, name, qty) SELECT seq, CONCAT('name-', seq), CAST(seq % 1000 AS CHAR) FROM seq_1_to_{rows};\n"
                f"INSERT INTO events (id, amount, note) SELECT seq, seq % 997, CONCAT('e;', seq) FROM seq_1_to_{half};")
    return (f"INSERT INTO items (id, name, qty) WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {rows}) "
            f"SELECT x, 'name-' || x, CAST(x % 1000 AS TEXT) FROM g;\n"
            f"INSERT INTO events (id, amount, note) WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {half}) "
            f"SELECT x, x % 997, 'e;' || x FROM g;")


def write_project(root: Path, url: str, engine: str, rows: int, batch: int) -> None:
    """The migrations, numbered 1..6 (5 only on MariaDB)."""
    mig = root / "migrations"
    mig.mkdir(parents=True, exist_ok=True)
    (root / "shoring.toml").write_text(f'database = "{url}"\nlock_wait = 120\nprogress_every = ""\n', encoding="utf-8")
    concurrently = " CONCURRENTLY" if engine == "postgresql" else ""
    drop_index = {"postgresql": "DROP INDEX CONCURRENTLY items_qty_idx;", "mysql": "DROP INDEX items_qty_idx ON items;",
                  "sqlite": "DROP INDEX items_qty_idx;"}[engine]
    cast = "CAST(qty AS SIGNED)" if engine == "mysql" else "CAST(qty AS integer)"
    files = {
        "1_schema.sql": (
            "-- Purpose: three tables, values with semicolons and quotes\n-- migrate:up\n"
            "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(100), qty VARCHAR(20), hits INTEGER NOT NULL DEFAULT 0);\n"
            "CREATE TABLE events (id INTEGER PRIMARY KEY, amount INTEGER NOT NULL, note VARCHAR(50));\n"
            "CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(50));\n"
            "INSERT INTO tags (id, label) VALUES (1, 'a;b'), (2, 'c''d;');\n"
            "-- migrate:down\nDROP TABLE tags;\nDROP TABLE events;\nDROP TABLE items;\n"),
        "2_seed.sql": (
            f"-- Purpose: {rows} items, {rows // 2} events\n-- migrate:up\n{seed_sql(engine, rows)}\n"
            "-- migrate:down\nDELETE FROM events;\nDELETE FROM items;\n"),
        "3_no_transaction.sql": (
            "-- Purpose: an online index and more, statement by statement\n-- Transaction: false\n-- migrate:up\n"
            f"CREATE INDEX{concurrently} items_qty_idx ON items (qty);\n"
            "ALTER TABLE tags ADD COLUMN color VARCHAR(20);\n"
            "UPDATE tags SET color = 'red;' WHERE color IS NULL;\n"
            f"-- migrate:down\nALTER TABLE tags DROP COLUMN color;\n{drop_index}\n"),
        "4_backfill.py": (
            '"""Purpose: a score for every item, in batches"""\nfrom shoring.operations import AddColumn, Backfill\n\n'
            'operations = [\n    AddColumn("items", "score", "integer"),\n'
            f'    Backfill("items", set_sql="score = id * 3, hits = hits + 1", batch_size={batch}, pause=0),\n]\n'),
        # apply stops after an expand (the code must be deployed before anything later): both expands are one
        # migration, the last, so that one `apply` runs everything
        "6_expand.py": (
            '"""Purpose: name becomes title, qty becomes an integer"""\n'
            'from shoring.operations import ExpandChangeType, ExpandRenameColumn\n\n'
            f'operations = [\n    ExpandRenameColumn("items", "name", "title", type="varchar(100)", batch_size={batch}, pause=0),\n'
            f'    ExpandChangeType("items", "qty", "integer", using="{cast}", batch_size={batch}, pause=0),\n]\n'),
    }
    if engine == "mysql":
        files["5_online_alter.py"] = (
            '"""Purpose: events.amount becomes BIGINT without blocking writes"""\nfrom shoring.operations import OnlineAlter\n\n'
            f'operations = [OnlineAlter("events", "MODIFY amount BIGINT NOT NULL", down_alter="MODIFY amount INT NOT NULL", '
            f'batch_size={batch}, pause=0)]\n')
    for name, text in files.items():
        (mig / name).write_text(text, encoding="utf-8")


# --- looking at the database ------------------------------------------------------------------

HISTORY_PREFIX = "shoring_migrations"


def tables(db) -> list[str]:
    sql = {"sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
           "postgresql": "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()",
           "mysql": "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"}[db.name]
    return sorted(r[0] for r in db.query(sql) if not r[0].startswith(HISTORY_PREFIX))


def columns(db, table: str) -> list[tuple[str, str]]:
    if db.name == "sqlite":
        return [(r[1], r[2].lower()) for r in db.query(f"PRAGMA table_info({db.quote(table)})")]
    schema = "current_schema()" if db.name == "postgresql" else "DATABASE()"
    kind = "data_type" if db.name == "postgresql" else "COLUMN_TYPE"
    return [(r[0], str(r[1]).lower()) for r in db.query(
        db.sql(f"SELECT column_name, {kind} FROM information_schema.columns WHERE table_schema = {schema} "
               "AND table_name = %s ORDER BY ordinal_position"), [table])]


def snapshot(db) -> dict[str, tuple[list, list[str], dict]]:
    """Per table: its columns, and each row by its key (the first column), in key order."""
    out = {}
    for table in tables(db):
        cols = columns(db, table)
        names = ", ".join(db.quote(c) for c, _ in cols)
        rows = db.query(f"SELECT {names} FROM {db.quote(table)} ORDER BY {db.quote(cols[0][0])}")
        out[table] = (cols, {str(r[0]): tuple(str(v) for v in r) for r in rows})
    return out


def checksum(cols: list, rows: dict, keep: list[str]) -> str:
    """The ordered-row checksum of `rows` over the columns `keep`."""
    at = [i for i, (c, _) in enumerate(cols) if c in keep]
    digest = hashlib.sha1()
    for row in rows.values():
        digest.update(repr([row[i] for i in at]).encode())
    return digest.hexdigest()


def compare(expected: dict, actual: dict) -> tuple[int, int, list[str]]:
    """(rows compared, rows lost, differences). A row of `expected` whose key is gone is lost; one whose
    values differ (over the columns both have) is changed; a column or table too many or too few is said."""
    compared, lost, diffs = 0, 0, []
    for table, (cols, rows) in expected.items():
        if table not in actual:
            diffs.append(f"table {table} missing ({len(rows)} rows)")
            lost += len(rows)
            continue
        got_cols, got_rows = actual[table]
        compared += len(rows)
        if got_cols != cols:
            diffs.append(f"{table}: columns {[c for c, _ in got_cols]} {got_cols if [c for c, _ in got_cols] == [c for c, _ in cols] else ''}"
                         f" where the fault-free run has {cols}")
        common = [c for c, _ in cols if c in {g for g, _ in got_cols}]
        if checksum(cols, rows, common) == checksum(got_cols, got_rows, common) and rows.keys() == got_rows.keys():
            continue
        gone = rows.keys() - got_rows.keys()
        lost += len(gone)
        at, got_at = ([i for i, (c, _) in enumerate(x) if c in common] for x in (cols, got_cols))
        changed = sum(1 for k, r in rows.items() if k in got_rows and [r[i] for i in at] != [got_rows[k][i] for i in got_at])
        extra = len(got_rows.keys() - rows.keys())
        diffs.append(f"{table}: {len(gone)} rows lost, {changed} changed, {extra} extra")
    for table in actual.keys() - expected.keys():
        diffs.append(f"table {table} left behind")
    return compared, lost, diffs


def has_column(db, table: str, column: str) -> bool:
    return any(c == column for c, _ in columns(db, table)) if table in tables(db) else False


def count(db, sql: str) -> int:
    return int(db.query(sql)[0][0])


def index_exists(db, name: str) -> bool:
    sql = {"sqlite": f"SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '{name}'",
           "postgresql": f"SELECT COUNT(*) FROM pg_indexes WHERE indexname = '{name}' AND schemaname = current_schema()",
           "mysql": f"SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = '{name}'"}
    return count(db, sql[db.name]) > 0


def invalid_indexes(db) -> list[str]:
    if db.name != "postgresql":
        return []
    return [r[0] for r in db.query("SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                                   "JOIN pg_namespace n ON n.oid = c.relnamespace "
                                   "WHERE NOT i.indisvalid AND n.nspname = current_schema()")]


def effects(db, version: str, rows: int) -> list[bool]:
    """Each visible effect of migration `version`, present or not (what status is checked against)."""
    t = set(tables(db))
    if version == "1":
        return ["items" in t, "events" in t, "tags" in t, "tags" in t and count(db, "SELECT COUNT(*) FROM tags") == 2]
    if version == "2":
        return ["items" in t and count(db, "SELECT COUNT(*) FROM items") == rows,
                "events" in t and count(db, "SELECT COUNT(*) FROM events") == rows // 2]
    if version == "3":
        color = has_column(db, "tags", "color")
        return [index_exists(db, "items_qty_idx"), color,
                color and count(db, "SELECT COUNT(*) FROM tags WHERE color = 'red;'") == 2]
    if version == "4":
        score = has_column(db, "items", "score")
        return [score, score and count(db, "SELECT COUNT(*) FROM items WHERE score IS NULL") == 0]
    if version == "5":
        kind = dict(columns(db, "events")).get("amount", "")
        return [kind.startswith("bigint")]
    if version == "6":
        title, new = has_column(db, "items", "title"), has_column(db, "items", "qty_new")
        return [title, title and count(db, "SELECT COUNT(*) FROM items WHERE title IS NULL") == 0,
                new, new and count(db, "SELECT COUNT(*) FROM items WHERE qty_new IS NULL") == 0]
    return []


def untruthful(db, status: list[dict], rows: int) -> list[str]:
    """What `status --format json` claims that the database contradicts."""
    problems = []
    for m in status:
        present = effects(db, m["version"], rows)
        state, done = m["state"], m.get("statements_done") or 0
        said = f"{m['version']} {m['state']}"
        if state == "running":
            problems.append(f"{said}: claims a live run, but the process is dead")
        elif state == "applied" and not all(present):
            problems.append(f"{said}: effects missing ({present})")
        elif state in ("pending", "rolled_back") and any(present) and not (m["version"] == "2" and state == "rolled_back"):
            problems.append(f"{said}: effects present ({present})")
        elif state == "failed" and "nothing was left applied" in (m.get("detail") or "") and any(present):
            problems.append(f"{said}: says nothing was left applied, but effects are present ({present}): {m.get('detail')}")
        elif state in ("failed", "interrupted") and done > 0 and not any(present) and m.get("direction", "up") != "down":
            problems.append(f"{said}: says {done} statement(s) ran, but no effect is there")
    applied = {m["version"] for m in status if m["state"] == "applied"}
    bad = invalid_indexes(db)
    if bad and "3" in applied:
        problems.append(f"3 applied, but INVALID index(es) {bad}")
    return problems


# --- servers ----------------------------------------------------------------------------------

def kill_connections(url: str) -> int:
    """The server ends every session on the trial's database but ours: what a proxy or a DBA does."""
    with connect(url) as db:
        if db.name == "postgresql":
            return len(db.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        ids = [r[0] for r in db.query("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()")]
        for i in ids:
            try:
                db.execute(f"KILL CONNECTION {int(i)}")
            except Exception:  # noqa: BLE001, S110 - it ended by itself meanwhile
                pass
        return len(ids)


def scratch_left(admin_url: str | None, tmp: Path, pids: set[int]) -> list[str]:
    """Scratch copies of the trial's processes (`pids`) still there: databases shoring_scratch_<host>_<pid>_*
    on the (shared) server, and any folder under the trial's own TMPDIR."""
    left = [p.name for p in tmp.glob("shoring_scratch_*")]
    if admin_url:
        with connect(admin_url) as db:
            sql = ("SELECT datname FROM pg_database WHERE datname LIKE 'shoring_scratch_%'" if db.name == "postgresql" else
                   "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'shoring_scratch_%'")
            left += [r[0] for r in db.query(sql) if any(f"_{pid}_" in r[0] for pid in pids)]
    return left


# --- one trial --------------------------------------------------------------------------------

@dataclass
class Engine:
    """Where one engine's trials make their databases."""

    name: str
    admin_url: str | None  # None for SQLite
    cluster: PgCluster | None = None

    def new_database(self, workdir: Path) -> tuple[str, callable]:
        if self.name == "sqlite":
            return f"sqlite:///{workdir / 'db.sqlite'}", lambda: None
        from shoring.engines.url import parse_url

        name = f"chaos_{uuid.uuid4().hex[:10]}"
        with connect(self.admin_url) as admin:
            # PostgreSQL copies template1 by default and refuses while anyone is connected to it (on a shared
            # server, another process's scratch copy may be); template0 takes no connections
            admin.create_database(name, **({"template": "template0"} if self.name == "postgresql" else {}))
        u = parse_url(self.admin_url).with_database(name)
        url = f"{u.scheme}://{u.user}@{u.host}:{u.port}/{name}"

        def drop():
            with connect(self.admin_url) as admin:
                if admin.name == "postgresql":
                    admin.execute(admin.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"), [name])
                admin.drop_database(name)
        return url, drop


@dataclass
class Outcome:
    trial: int
    engine: str
    command: str
    fault: str
    where: str = ""
    fault_hit: bool = False  # the fault happened before the command finished
    recovered: bool = False
    untruthful: list[str] = field(default_factory=list)
    rerun_failed: str | None = None
    rows_compared: int = 0
    rows_lost: int = 0
    differences: list[str] = field(default_factory=list)
    first_exit: int | None = None
    first_err: str = ""


def cli(root: Path, *args: str, env: dict | None = None, tmp: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shoring", *args], cwd=root, capture_output=True, text=True,
                          env=_env(env, tmp), timeout=WAIT, check=False)


def _env(extra: dict | None, tmp: Path | None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHORING_TEST_")}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src")
    if tmp is not None:
        env["TMPDIR"] = str(tmp)
    env.update(extra or {})
    return env


def prepare(root: Path, command: str) -> None:
    """The state a trial's command starts from."""
    if command == "rollback":
        done = cli(root, "apply", "--yes")
        assert done.returncode == 0, done.stderr
    elif command == "test":
        done = cli(root, "apply", "--yes", "--to", TEST_FROM)
        assert done.returncode == 0, done.stderr


def command_args(command: str) -> list[str]:
    return {"apply": ["apply", "--yes"], "rollback": ["rollback", "--to", ROLLBACK_TO], "test": ["test"]}[command]


@dataclass
class Reference:
    """What one engine's commands reach without faults, how long they take, and the boundaries they pass."""

    state: dict[str, dict]
    seconds: dict[str, float]
    boundaries: dict[str, list[str]]


def reference(engine: Engine, rows: int, batch: int, work: Path, commands=COMMANDS, rehearse: bool = True) -> Reference:
    """Run the commands without faults: `apply` then `rollback` on one database, `test` on another (its
    state is the target before it, which it must not change; `rehearse=False` skips running it)."""
    state, seconds, boundaries = {}, {}, {}

    def timed(root: Path, command: str, trace: Path) -> None:
        t0 = time.perf_counter()
        done = cli(root, *command_args(command), env={"SHORING_TEST_TRACE": str(trace)}, tmp=trace.parent)
        seconds[command] = time.perf_counter() - t0
        if done.returncode != 0:
            raise SystemExit(f"{engine.name} {command} fails without any fault: {done.stderr.strip()}")
        boundaries[command] = list(dict.fromkeys(trace.read_text().split())) if trace.exists() else []

    for group in (("apply", "rollback"), ("test",)):
        todo = [c for c in group if c in commands or (c == "apply" and "rollback" in commands)]
        if not todo:
            continue
        trial_dir = work / f"ref-{engine.name}-{group[0]}"
        trial_dir.mkdir(parents=True)
        url, drop = engine.new_database(trial_dir)
        root = trial_dir / "project"
        try:
            write_project(root, url, engine.name, rows, batch)
            if group == ("test",):
                prepare(root, "test")
            for command in todo:
                if command == "test":
                    with connect(url) as db:
                        state["test"] = snapshot(db)
                    if rehearse:
                        timed(root, "test", trial_dir / "trace-test")
                    continue
                timed(root, command, trial_dir / f"trace-{command}")
                with connect(url) as db:
                    state[command] = snapshot(db)
        finally:
            drop()
    return Reference(state, seconds, boundaries)


def pick_boundary(labels: list[str], rng: random.Random) -> str:
    """Statement boundaries as often as batch boundaries, although there are many more batches."""
    statements = [b for b in labels if ":batch:" not in b]
    batches = [b for b in labels if ":batch:" in b]
    pool = statements if (rng.random() < 0.6 or not batches) and statements else batches
    return rng.choice(pool)


def run_trial(number: int, engine: Engine, command: str, fault: str, ref: Reference, rows: int, batch: int,
              rng: random.Random, work: Path, at: str | None = None) -> Outcome:
    """One trial; `at` names the boundary (a SHORING_TEST_STOP_AT pattern) instead of drawing one."""
    out = Outcome(number, engine.name, command, fault)
    trial_dir = work / f"trial-{number}"
    trial_dir.mkdir(parents=True)
    tmp = trial_dir / "tmp"
    tmp.mkdir()
    url, drop = engine.new_database(trial_dir)
    root = trial_dir / "project"
    try:
        write_project(root, url, engine.name, rows, batch)
        prepare(root, command)
        env: dict[str, str] = {}
        boundary = at is not None or "boundary" in fault or (fault == "pg-restart" and rng.random() < 0.5)
        if boundary:
            out.where = at or pick_boundary(ref.boundaries[command], rng)
            env["SHORING_TEST_STOP_AT"] = out.where
            if fault != "kill-boundary":
                env["SHORING_TEST_STOP_MODE"] = "block"
        else:
            delay = rng.uniform(0.3, max(0.5, ref.seconds[command]))
            out.where = f"{delay:.2f}s"
        proc = subprocess.Popen([sys.executable, "-m", "shoring", *command_args(command)], cwd=root, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(env, tmp))
        out.fault_hit = inject(proc, fault, boundary, delay if not boundary else 0, url, engine)
        try:
            _, stderr = proc.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, stderr = proc.communicate()
            out.untruthful.append(f"{command} hung for {WAIT}s after the fault")
        out.first_exit, out.first_err = proc.returncode, stderr.strip()[-400:]
        if engine.name == "mysql" and out.fault_hit:
            wait_for_orphans(url)  # a killed client's statement goes on in its server session
        check_after_fault(out, root, url, rows, command, engine, tmp, ref, proc.pid)
    except Exception as exc:  # noqa: BLE001 - a bench defect must not hide the other trials
        out.rerun_failed = f"bench error: {type(exc).__name__}: {exc}"
    finally:
        try:
            drop()
        except Exception as exc:  # noqa: BLE001 - the trial's outcome stands; say why the drop failed
            print(f"  (could not drop the trial's database: {exc})", file=sys.stderr)
    return out


def inject(proc: subprocess.Popen, fault: str, boundary: bool, delay: float, url: str, engine: Engine) -> bool:
    """Do the fault to the running command; True if it happened before the command finished."""
    if boundary:
        if not _wait_for_stop(proc, fault):
            return False
    else:
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return False
            time.sleep(0.01)
        if proc.poll() is not None:
            return False
    if fault.startswith("kill"):
        if fault == "kill-random":
            proc.send_signal(signal.SIGKILL)
        return True  # kill-boundary: the process killed itself
    if fault.startswith("conn-kill"):
        kill_connections(url)
    elif fault == "pg-restart":
        engine.cluster.restart()
    if boundary:
        proc.send_signal(signal.SIGUSR1)
    return True


def _wait_for_stop(proc: subprocess.Popen, fault: str) -> bool:
    if fault == "kill-boundary":
        try:
            proc.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            proc.kill()
        return proc.returncode == -signal.SIGKILL
    while True:  # blocked at the boundary: the hook says so on stderr
        line = proc.stderr.readline()
        if not line:
            return False
        if line.startswith(STOPPED):
            return True


def wait_for_orphans(url: str, timeout: float = 120) -> None:
    """Until no server session of a dead client is still working on the trial's database."""
    deadline = time.monotonic() + timeout
    with connect(url) as db:
        while time.monotonic() < deadline:
            busy = count(db, "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() "
                             "AND ID <> CONNECTION_ID() AND COMMAND <> 'Sleep'")
            if not busy:
                return
            time.sleep(0.1)


def check_after_fault(out: Outcome, root: Path, url: str, rows: int, command: str, engine: Engine, tmp: Path,
                      ref: Reference, pid: int) -> None:
    status = cli(root, "status", "--format", "json")
    if status.returncode not in (0, 1):  # 1: something is failed or interrupted, which the JSON then says
        out.untruthful.append(f"status exits {status.returncode}: {status.stderr.strip()[-300:]}")
    else:
        migrations = json.loads(status.stdout)["migrations"]
        with connect(url) as db:
            if command == "test":
                _, _, diffs = compare(ref.state["test"], snapshot(db))
                if diffs:
                    out.untruthful.append(f"the killed test changed the target: {diffs}")
            else:
                out.untruthful += untruthful(db, migrations, rows)
    rerun = cli(root, *command_args(command), tmp=tmp)
    if rerun.returncode != 0:
        out.rerun_failed = rerun.stderr.strip()[-600:] or rerun.stdout.strip()[-600:]
        return
    with connect(url) as db:
        out.rows_compared, out.rows_lost, out.differences = compare(ref.state[command], snapshot(db))
        final = json.loads(cli(root, "status", "--format", "json").stdout)["migrations"]
        out.untruthful += [f"after the re-run: {p}" for p in untruthful(db, final, rows)]
    states = {m["version"]: m["state"] for m in final}
    if command == "rollback":
        want = {v: "applied" if int(v) <= int(ROLLBACK_TO) else "rolled_back" for v in states}
    else:
        want = {v: "applied" if command == "apply" or int(v) <= int(TEST_FROM) else "pending" for v in states}
    if states != want:
        out.differences.append(f"after the re-run, status says {states}")
    if command == "test":
        left = scratch_left(engine.admin_url, tmp, {pid})
        if left:
            out.differences.append(f"scratch copies left after the re-run: {left}")
    out.recovered = not out.differences and out.rerun_failed is None


# --- the schedule and the table ---------------------------------------------------------------

def schedule(trials: int, engines: list[str], rng: random.Random) -> list[tuple[str, str, str]]:
    combos = [(e, c, f) for e in engines for c in COMMANDS for f in FAULTS
              if not (f.startswith("conn-kill") and e == "sqlite") and not (f == "pg-restart" and e != "postgresql")]
    # apply is where most faults meet users: it gets twice the share of rollback and test
    combos += [(e, "apply", f) for (e, c, f) in list(combos) if c == "apply"]
    rng.shuffle(combos)
    return [combos[i % len(combos)] for i in range(trials)]


def table(outcomes: list[Outcome], seed: int) -> str:
    faults = Counter(o.fault for o in outcomes if o.fault_hit)
    lines = [
        f"seed {seed}",
        f"trials                {len(outcomes)}",
        "faults per kind       " + ", ".join(f"{k} {faults.get(k, 0)}" for k in FAULTS),
        "trials per engine     " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(o.engine for o in outcomes).items())),
        "trials per command    " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(o.command for o in outcomes).items())),
        f"faults that hit       {sum(o.fault_hit for o in outcomes)} (the others came after the command had finished)",
        f"recoveries            {sum(o.recovered for o in outcomes)}",
        f"untruthful statuses   {sum(bool(o.untruthful) for o in outcomes)}",
        f"rows compared         {sum(o.rows_compared for o in outcomes):,}",
        f"rows lost             {sum(o.rows_lost for o in outcomes):,}",
        f"failed reruns         {sum(o.rerun_failed is not None for o in outcomes)}",
        f"state differences     {sum(bool(o.differences) for o in outcomes)}",
    ]
    return "\n".join(lines)


def describe(o: Outcome) -> str:
    parts = [f"trial {o.trial} {o.engine} {o.command} {o.fault} at {o.where} (first run exit {o.first_exit})"]
    parts += [f"    untruthful: {u}" for u in o.untruthful]
    if o.rerun_failed:
        parts.append(f"    re-run failed: {o.rerun_failed}")
    parts += [f"    differs: {d}" for d in o.differences]
    if o.first_err and (o.untruthful or o.rerun_failed or o.differences):
        parts.append(f"    first run said: {o.first_err[-300:]}")
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=30)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--engines", default="sqlite,postgresql,mysql")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--only", type=int, default=None, help="run only this trial number of the schedule")
    parser.add_argument("--mysql-url", default=os.environ.get("SHORING_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"))
    parser.add_argument("--json", type=Path, default=None, help="also write every outcome to this file")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 10**6)
    print(f"chaos bench: seed {seed} (re-run with --seed {seed})", flush=True)
    engines = [e for e in args.engines.split(",") if e]
    plan = schedule(args.trials, engines, random.Random(seed))
    work = Path(tempfile.mkdtemp(prefix="chaos-bench-"))
    setups: dict[str, Engine] = {}
    cluster = None
    try:
        if "postgresql" in engines:
            cluster = PgCluster()
            setups["postgresql"] = Engine("postgresql", cluster.admin_url, cluster)
        if "mysql" in engines:
            setups["mysql"] = Engine("mysql", args.mysql_url)
        if "sqlite" in engines:
            setups["sqlite"] = Engine("sqlite", None)
        refs = {}
        for name in engines:
            t0 = time.perf_counter()
            refs[name] = reference(setups[name], args.rows, args.batch, work)
            print(f"reference {name}: " + ", ".join(f"{c} {s:.1f}s" for c, s in refs[name].seconds.items()) +
                  f", {len(refs[name].boundaries['apply'])} apply boundaries ({time.perf_counter() - t0:.0f}s)", flush=True)
        outcomes = []
        for number, (engine, command, fault) in enumerate(plan, 1):
            rng = random.Random(f"{seed}-{number}")  # each trial reproducible alone (--only)
            if args.only is not None and number != args.only:
                continue
            o = run_trial(number, setups[engine], command, fault, refs[engine], args.rows, args.batch, rng, work)
            outcomes.append(o)
            ok = "ok" if o.recovered and not o.untruthful else "PROBLEM"
            print(f"trial {number:3d} {engine:10s} {command:8s} {fault:18s} {o.where:28s} hit={o.fault_hit!s:5s} {ok}", flush=True)
            if ok != "ok":
                print(describe(o), flush=True)
        print()
        print(table(outcomes, seed))
        if args.json:
            args.json.write_text(json.dumps([o.__dict__ for o in outcomes], indent=1), encoding="utf-8")
        bad = [o for o in outcomes if o.untruthful or o.rerun_failed or o.differences or o.rows_lost]
        return 1 if bad else 0
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM) ends the bench through main's finally, which stops its own PostgreSQL cluster;
    by default the process died at once and left that cluster running."""
    def stop(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)


if __name__ == "__main__":
    _stop_on_sigterm()
    sys.exit(main())
