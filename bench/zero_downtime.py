"""What a live application sees while its schema changes: the naive SQL against shoring's way.

Each scenario runs on a fresh table of --rows rows (items: id, account, v, note, code, ref, score; and
accounts) under a load of single-row reads and writes by random key from --clients connections:
pgbench on PostgreSQL, a small bounded Python generator on MariaDB/MySQL. After --baseline seconds
the change runs, either as the naive SQL or as `shoring apply` in a subprocess (then `shoring complete`
where the change has a contract phase, after the load has switched to the new code); the load goes on
for --tail seconds after it. Per run it prints:

  base TPS   transactions per second before the change
  worst      the worst 1-s window during the change, as a fraction of base TPS
  <50% run   the longest run of consecutive 1-s windows under half of base TPS
  max lat    the load's longest transaction from the change's start to the end
  errors     load transactions that failed (pgbench: clients aborted by an error)
  change     the change's total time, seconds
  CPU        CPU seconds shoring's own process used for it (apply and complete; its statements' work
             in the server not counted): the runner shares the CPUs with the server and the load here
  end        whether the end state is right (the schema changed, every row kept and right)

The control run changes nothing: its figures are the noise floor. The load only ever connects to
127.0.0.1 and is bounded by a transaction count and a time limit.

Usage: python bench/zero_downtime.py --engine postgresql|mariadb [--rows N] [--scenarios a,b,...]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shoring.engines.url import DatabaseURL, parse_url  # noqa: E402
from shoring.rehearsal.scratch import scratch_empty  # noqa: E402

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
LOAD_SECONDS_LIMIT = 900  # no load runs longer than this, whatever happens
LOAD_TRANSACTIONS_LIMIT = 50_000_000
HOLD_SECONDS = 10  # the lock-queue case: how long the blocking transaction keeps the table

#: shoring's settings for the runs: a DDL statement waits at most 200 ms for its lock (a wait holds up
#: every query queued behind it; MariaDB counts in whole seconds, so there max_blocking does it), a
#: statement that keeps the load waiting longer than 300 ms is cancelled, and either is retried with
#: backoff long enough to outlast a 10 s transaction.
SHORING_TOML = """database = "{url}"
migrations = "migrations"
lock_timeout = "200ms"
max_blocking = "300ms"
lock_retries = 8
progress_every = ""
"""


# --- the scenarios -------------------------------------------------------------------------------

@dataclass
class Scenario:
    name: str
    what: str
    naive: dict[str, list[str]]  # engine -> SQL statements
    expand: str  # the operations migration, as Python source of `operations = [...]`
    check: dict[str, str]  # engine -> a query returning one row whose first value is true when the end state is right
    contract: bool = False  # shoring way: `shoring complete` after the expand
    deploy: bool = False  # the code changes (reads the new column name) between expand and complete
    hold: bool = False  # a transaction holds the table for HOLD_SECONDS when the change arrives
    prepare: dict[str, list[str]] = field(default_factory=dict)  # engine -> SQL run after the fill, before the load
    also_by: str = ""  # pgbench: more of the key the load's rows are found by (SQL ANDed to `id = :id`)
    needs: dict[str, str] = field(default_factory=dict)  # program -> where it comes from; without it the scenario is skipped

    @property
    def engines(self) -> set[str]:
        return set(self.check)


def _column_type(engine: str, column: str) -> str:
    if engine == "postgresql":
        return f"SELECT data_type FROM information_schema.columns WHERE table_name = 'items' AND column_name = '{column}'"
    return (f"SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items' "
            f"AND COLUMN_NAME = '{column}'")


def _nullable(engine: str, column: str) -> str:
    if engine == "postgresql":
        return f"SELECT is_nullable FROM information_schema.columns WHERE table_name = 'items' AND column_name = '{column}'"
    return (f"SELECT IS_NULLABLE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items' "
            f"AND COLUMN_NAME = '{column}'")


def _both(pg: str, my: str | None = None) -> dict[str, str]:
    return {"postgresql": pg, "mysql": my if my is not None else pg}


SCENARIOS = [
    Scenario("control", "no change (the noise floor)", {"postgresql": [], "mysql": []}, "",
             _both("SELECT COUNT(*) = {rows} FROM items")),
    Scenario("add_column", "add NOT NULL column with a default",
             _both(["ALTER TABLE items ADD COLUMN flag boolean NOT NULL DEFAULT false"]),
             'AddColumn("items", "flag", "boolean", default=False, nullable=False)',
             {e: f"SELECT ({_nullable(e, 'flag')}) = 'NO' AND (SELECT COUNT(*) FROM items WHERE flag = false) = {{rows}}"
              for e in ("postgresql", "mysql")}),
    Scenario("int_to_bigint", "int -> bigint",
             {"postgresql": ["ALTER TABLE items ALTER COLUMN v TYPE bigint"],
              "mysql": ["ALTER TABLE items MODIFY v BIGINT NOT NULL DEFAULT 0"]},
             'ExpandChangeType("items", "v", "bigint", batch_size=2000, pause=0.1)',
             {e: f"SELECT ({_column_type(e, 'v')}) = 'bigint' AND (SELECT COUNT(*) FROM items WHERE v IS NOT NULL) = {{rows}}"
              for e in ("postgresql", "mysql")}, contract=True),
    Scenario("rename_column", "rename column",
             _both(["ALTER TABLE items RENAME COLUMN note TO memo"]),
             'ExpandRenameColumn("items", "note", "memo", type="varchar(40)", batch_size=2000, pause=0.1)',
             {e: f"SELECT ({_column_type(e, 'note')}) IS NULL AND (SELECT COUNT(*) FROM items WHERE memo IS NOT NULL) = {{rows}}"
              for e in ("postgresql", "mysql")}, contract=True, deploy=True),
    Scenario("add_index", "add index",
             _both(["CREATE INDEX items_account_idx ON items (account)"]),
             'CreateIndex("items_account_idx", "items", ["account"])',
             _both("SELECT COUNT(*) = 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                   "WHERE c.relname = 'items_account_idx' AND i.indisvalid",
                   "SELECT COUNT(*) > 0 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
                   "AND INDEX_NAME = 'items_account_idx'")),
    Scenario("add_unique", "add unique",
             _both(["ALTER TABLE items ADD CONSTRAINT items_code_key UNIQUE (code)"]),
             'AddUnique("items", ["code"], name="items_code_key")',
             _both("SELECT COUNT(*) = 1 FROM pg_constraint WHERE conname = 'items_code_key' AND contype = 'u'",
                   "SELECT COUNT(*) = 1 FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() "
                   "AND CONSTRAINT_NAME = 'items_code_key' AND CONSTRAINT_TYPE = 'UNIQUE'")),
    Scenario("add_foreign_key", "add foreign key",
             _both(["ALTER TABLE items ADD CONSTRAINT items_account_fkey FOREIGN KEY (account) REFERENCES accounts (id)"]),
             'AddForeignKey("items", ["account"], "accounts", name="items_account_fkey")',
             _both("SELECT COUNT(*) = 1 FROM pg_constraint WHERE conname = 'items_account_fkey' AND convalidated",
                   "SELECT COUNT(*) = 1 FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() "
                   "AND CONSTRAINT_NAME = 'items_account_fkey' AND CONSTRAINT_TYPE = 'FOREIGN KEY'")),
    Scenario("set_not_null", "set NOT NULL",
             {"postgresql": ["ALTER TABLE items ALTER COLUMN ref SET NOT NULL"],
              "mysql": ["ALTER TABLE items MODIFY ref INT NOT NULL"]},
             'SetNotNull("items", "ref", type="int")',
             {e: f"SELECT ({_nullable(e, 'ref')}) = 'NO'" for e in ("postgresql", "mysql")}),
    Scenario("backfill", "backfill all rows",
             _both(["UPDATE items SET score = account * 2 WHERE score IS NULL"]),
             'Backfill("items", set_sql="score = account * 2", where="score IS NULL", batch_size=2000, pause=0.1)',
             _both("SELECT COUNT(*) = 0 FROM items WHERE score IS NULL OR score <> account * 2")),
    # the table bloated to twice its size first (every row updated once, then VACUUM): VACUUM FULL holds
    # ACCESS EXCLUSIVE for the whole rewrite, pg_repack only for moments at its start and its swap
    Scenario("repack", "rewrite a bloated table compactly",
             {"postgresql": ["VACUUM FULL items"]},
             'Repack("items")',
             {"postgresql": "SELECT pg_relation_filenode('items') <> (SELECT node FROM bench_before) "
                            "AND pg_relation_size('items') < (SELECT size FROM bench_before) "
                            "AND (SELECT COUNT(*) FROM items) = {rows} "
                            "AND NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = 'items'::regclass AND NOT tgisinternal) "
                            "AND (SELECT bool_and(indisvalid) FROM pg_index WHERE indrelid = 'items'::regclass)"},
             prepare={"postgresql": ["CREATE EXTENSION IF NOT EXISTS pg_repack", "UPDATE items SET note = note",
                                     "VACUUM ANALYZE items",
                                     "CREATE TABLE bench_before AS SELECT pg_relation_filenode('items') AS node, "
                                     "pg_relation_size('items') AS size"]},
             needs={"pg_repack": "Debian: postgresql-15-repack"}),
    # items range-partitioned by month of created_at (two years of dates). The naive way copies under a
    # SHARE lock (writes wait for the whole copy; without it the writes made during the copy are lost)
    # and renames; shoring's is PartitionTable's prep, batched fill and swap. Either keeps the original
    # as items_retired, so the end state is checked against it: every row there, none with fewer of
    # the load's increments than the original has (the retired original stays, for rollback: its drop,
    # ContractPartitionTable, is a later migration and not part of the change measured here).
    Scenario("partition", "range-partition the table by month",
             {"postgresql": [
                 "BEGIN",
                 "LOCK TABLE items IN SHARE MODE",
                 "CREATE TABLE items_new (LIKE items INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (created_at)",
                 "DO $$ DECLARE m date; BEGIN FOR m IN SELECT generate_series(date '2024-01-01', date '2025-12-01', "
                 "interval '1 month') LOOP EXECUTE format('CREATE TABLE %I PARTITION OF items_new FOR VALUES FROM (%L) TO (%L)', "
                 "'items_new_' || to_char(m, 'YYYYMM'), m, m + interval '1 month'); END LOOP; END $$",
                 "CREATE TABLE items_new_default PARTITION OF items_new DEFAULT",
                 "INSERT INTO items_new SELECT * FROM items",
                 "ALTER TABLE items_new ADD PRIMARY KEY (id, created_at)",
                 "ALTER TABLE items RENAME TO items_retired",
                 "ALTER TABLE items_new RENAME TO items",
                 "COMMIT"]},
             'PartitionTable("items", "created_at", "month", batch_size=2000, pause=0.1)',
             {"postgresql": "SELECT (SELECT relkind FROM pg_class WHERE oid = 'items'::regclass) = 'p' "
                            "AND (SELECT COUNT(*) FROM items) = {rows} AND (SELECT COUNT(*) FROM items_retired) = {rows} "
                            "AND NOT EXISTS (SELECT 1 FROM items_retired r LEFT JOIN items i USING (id) "
                            "WHERE i.id IS NULL OR i.v < r.v OR i.note IS DISTINCT FROM r.note)"},
             # the application finds its rows by id and created_at (as it must once the table is partitioned:
             # by id alone, each query would look in every partition), before the change as after
             also_by="created_at = date '2024-01-01' + :id % 730",
             prepare={"postgresql": ["ALTER TABLE items ADD COLUMN created_at date",
                                     "UPDATE items SET created_at = date '2024-01-01' + id % 730",
                                     "ALTER TABLE items ALTER COLUMN created_at SET NOT NULL",
                                     "VACUUM ANALYZE items"]}),
    Scenario("lock_queue", f"add column behind a {HOLD_SECONDS} s transaction",
             _both(["ALTER TABLE items ADD COLUMN extra int"]),
             'AddColumn("items", "extra", "int")',
             {e: f"SELECT ({_column_type(e, 'extra')}) IS NOT NULL" for e in ("postgresql", "mysql")}, hold=True),
]


# --- the table -----------------------------------------------------------------------------------

def fill(engine: Any, kind: str, rows: int) -> None:
    """accounts (1,000 rows) and items (`rows` rows); every column filled the way the changes expect."""
    if kind == "postgresql":
        engine.execute("CREATE TABLE accounts (id int PRIMARY KEY)")
        engine.execute("INSERT INTO accounts SELECT g FROM generate_series(1, 1000) g")
        engine.execute("CREATE TABLE items (id int PRIMARY KEY, account int NOT NULL, v int NOT NULL DEFAULT 0, "
                       "note varchar(40), code int NOT NULL, ref int, score int)")
        engine.execute(f"INSERT INTO items SELECT g, g % 1000 + 1, 0, 'note ' || g, g, g % 100, NULL "
                       f"FROM generate_series(1, {rows}) g")
        engine.execute("VACUUM ANALYZE items")
    else:
        engine.execute("CREATE TABLE accounts (id int PRIMARY KEY)")
        engine.execute("INSERT INTO accounts SELECT seq FROM seq_1_to_1000")
        engine.execute("CREATE TABLE items (id int PRIMARY KEY, account int NOT NULL, v int NOT NULL DEFAULT 0, "
                       "note varchar(40), code int NOT NULL, ref int, score int) ENGINE=InnoDB")
        engine.execute(f"INSERT INTO items SELECT seq, seq % 1000 + 1, 0, CONCAT('note ', seq), seq, seq % 100, NULL "
                       f"FROM seq_1_to_{rows}")
        engine.execute("ANALYZE TABLE items")


# --- the load ------------------------------------------------------------------------------------

@dataclass
class LoadResult:
    windows: dict[int, tuple[int, float]]  # epoch second -> (transactions, max latency seconds)
    errors: int
    first_error: str | None


class PgbenchLoad:
    """pgbench, logging one aggregate line per second; stopped by ending its sessions, so it writes its logs."""

    def __init__(self, url: DatabaseURL, rows: int, clients: int, deploy: bool, workdir: Path, also_by: str = ""):
        self.url, self.rows, self.clients, self.workdir = url, rows, clients, workdir
        if also_by:
            read = f"SELECT v, note FROM items WHERE id = :id AND {also_by};\n"
            write = f"UPDATE items SET v = v + 1 WHERE id = :id AND {also_by};\n"
        elif deploy:  # the application reads which code is live: old code uses note, new code memo
            read = ("SELECT deployed::int AS new_code FROM app_version \\gset\n"
                    "\\if :new_code\nSELECT v, memo FROM items WHERE id = :id;\n"
                    "\\else\nSELECT v, note FROM items WHERE id = :id;\n\\endif\n")
            write = ("SELECT deployed::int AS new_code FROM app_version \\gset\n"
                     "\\if :new_code\nUPDATE items SET v = v + 1, memo = 'memo ' || :id WHERE id = :id;\n"
                     "\\else\nUPDATE items SET v = v + 1, note = 'memo ' || :id WHERE id = :id;\n\\endif\n")
        else:
            read = "SELECT v, note FROM items WHERE id = :id;\n"
            write = "UPDATE items SET v = v + 1 WHERE id = :id;\n"
        head = f"\\set id random(1, {rows})\n"
        (workdir / "read.sql").write_text(head + read)
        (workdir / "write.sql").write_text(head + write)

    def start(self) -> None:
        u = self.url
        env = dict(os.environ, PGPASSWORD=u.password or "")
        self.proc = subprocess.Popen(
            ["pgbench", "-h", "127.0.0.1", "-p", str(u.port or 5432), "-U", u.user or "postgres", "-n",
             "-c", str(self.clients), "-j", "2", "-T", str(LOAD_SECONDS_LIMIT),
             "-f", f"{self.workdir / 'read.sql'}@1", "-f", f"{self.workdir / 'write.sql'}@1",
             "-l", "--aggregate-interval=1", f"--log-prefix={self.workdir / 'pgbench'}", u.database],
            cwd=self.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def stop(self, admin: Any) -> LoadResult:
        alive = admin.query_one("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'pgbench' "
                                "AND datname = current_database()")[0]
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgbench' "
                      "AND datname = current_database()")
        try:
            _, err = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate()
        windows: dict[int, tuple[int, float]] = {}
        for log in self.workdir.glob("pgbench.*"):  # one file per pgbench thread
            for line in log.read_text().splitlines():
                f = line.split()
                second, count, max_us = int(f[0]), int(f[1]), float(f[5])
                old = windows.get(second, (0, 0.0))
                windows[second] = (old[0] + count, max(old[1], max_us / 1e6))
        errors = self.clients - alive  # a client that hit an error before the stop was aborted by pgbench
        server = [ln.split("ERROR:", 1)[1].strip() for ln in err.splitlines() if "ERROR:" in ln]
        return LoadResult(windows, errors, server[0] if errors and server else None)


class ServerWatch:
    """--verbose on PostgreSQL: what else the server did in each second (autovacuum, a checkpoint
    writing, parallel workers) and which statement of shoring's ran, sampled five times a second from
    a connection of its own, to tell a stall shoring caused from one the server would have had anyway."""

    SAMPLE = ("SELECT backend_type, wait_event, state, left(regexp_replace(query, '\\s+', ' ', 'g'), 50), application_name "
              "FROM pg_stat_activity WHERE backend_type IN ('autovacuum worker', 'checkpointer', 'parallel worker') "
              "OR ((application_name LIKE 'shoring pid=%%' OR application_name = 'pg_repack') AND state = 'active')")

    def __init__(self, url: DatabaseURL):
        self.url = url
        self.seen: dict[int, set[str]] = {}
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        conn = _raw_connect(self.url, "postgresql")
        try:
            while not self.stopping.wait(0.2):
                second, tags = int(time.time()), set()
                for kind, wait, state, query, app in conn.cursor().execute(self.SAMPLE).fetchall():
                    if kind == "checkpointer":
                        if wait != "CheckpointerMain":
                            tags.add("checkpoint")
                    elif kind in ("autovacuum worker", "parallel worker"):
                        tags.add(kind.split()[0])
                    elif query:
                        tags.add(f"{'pg_repack' if app == 'pg_repack' else 'shoring'}: {query}")
                self.seen.setdefault(second, set()).update(tags)
        finally:
            conn.close()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(5)


class PythonLoad:
    """--clients threads, each its own connection, single-row reads and writes by random key; bounded
    by LOAD_TRANSACTIONS_LIMIT and LOAD_SECONDS_LIMIT, stopped by an event."""

    def __init__(self, url: DatabaseURL, rows: int, clients: int, deploy: bool, workdir: Path, also_by: str = ""):
        self.url, self.rows, self.clients = url, rows, clients  # also_by: the scenarios that set it are PostgreSQL's
        self.deployed = False
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.windows: dict[int, tuple[int, float]] = {}
        self.errors = 0
        self.first_error: str | None = None
        self.count = 0

    def _connect(self):
        import pymysql

        u = self.url
        return pymysql.connect(host="127.0.0.1", port=u.port or 3306, user=u.user or "root", password=u.password or "",
                               database=u.database, autocommit=True, read_timeout=120, write_timeout=120)

    def _client(self, seed: int) -> None:
        rnd = random.Random(seed)
        conn = self._connect()
        deadline = time.monotonic() + LOAD_SECONDS_LIMIT
        while not self.stopping.is_set() and time.monotonic() < deadline and self.count < LOAD_TRANSACTIONS_LIMIT:
            key = rnd.randint(1, self.rows)
            column = "memo" if self.deployed else "note"
            if rnd.random() < 0.5:
                sql, args = f"SELECT v, {column} FROM items WHERE id = %s", (key,)
            else:
                sql, args = "UPDATE items SET v = v + 1 WHERE id = %s", (key,)
            t0 = time.time()
            try:
                with conn.cursor() as cur:
                    cur.execute(sql, args)
                    cur.fetchall()
            except Exception as exc:  # an error the application would see: count it, reconnect, go on
                with self.lock:
                    self.errors += 1
                    self.first_error = self.first_error or f"{type(exc).__name__}: {exc}"
                try:
                    conn.close()
                except Exception:
                    pass
                if self.stopping.wait(0.05):
                    break
                conn = self._connect()
                continue
            t1 = time.time()
            with self.lock:
                self.count += 1
                second = int(t1)
                n, worst = self.windows.get(second, (0, 0.0))
                self.windows[second] = (n + 1, max(worst, t1 - t0))
        conn.close()

    def start(self) -> None:
        self.threads = [threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(self.clients)]
        for t in self.threads:
            t.start()

    def stop(self, admin: Any) -> LoadResult:
        self.stopping.set()
        for t in self.threads:
            t.join(timeout=130)
        return LoadResult(dict(self.windows), self.errors, self.first_error)


# --- one run -------------------------------------------------------------------------------------

@dataclass
class Outcome:
    scenario: str
    way: str
    base_tps: float
    worst: float
    under_half: int
    max_latency: float
    errors: int
    change_seconds: float
    right: bool
    note: str = ""
    runner_cpu: float | None = None  # CPU seconds of shoring's own process during the change
    samples: list[int] = field(default_factory=list)


def url_text(u: DatabaseURL) -> str:
    """The URL of a scratch database, password included (it goes to the throwaway project's shoring.toml)."""
    from urllib.parse import quote

    auth = quote(u.user or "", safe="") + (":" + quote(u.password, safe="") if u.password else "")
    return f"{u.scheme}://{auth}@127.0.0.1:{u.port or (5432 if u.engine == 'postgresql' else 3306)}/{u.database}"


#: A shoring CLI process started before the load, so that its start (imports: ~1 s of CPU on the
#: CPUs the server and the load share) is not measured as a stall the change caused; it runs each
#: command line it is sent (JSON list of arguments) through the CLI entry point, as `shoring ARGS`.
WARM_SHORING = r"""
import contextlib, io, json, sys, time
from shoring.cli.app import run

def one(args):
    out = io.StringIO()
    cpu = time.process_time()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            run(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 0
    return code, out.getvalue(), time.process_time() - cpu

for warm in (["apply", "--dry-run"], ["status"], ["plan"]):  # imports what apply and complete use
    one(warm)
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    code, text, cpu = one(json.loads(line))
    print(json.dumps({"code": code, "out": text, "cpu": cpu}), flush=True)
"""


class WarmShoring:
    def __init__(self, project: Path):
        self.proc = subprocess.Popen([sys.executable, "-c", WARM_SHORING], cwd=project, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self._answer()  # ready
        self.cpu = 0.0  # CPU seconds the commands since took in this process (the server's work not counted)

    def _answer(self) -> dict:
        import json

        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the shoring process ended unexpectedly")
        return json.loads(line)

    def run(self, args: list[str], verbose: bool = False) -> str:
        import json

        self.proc.stdin.write(json.dumps(args) + "\n")
        self.proc.stdin.flush()
        done = self._answer()
        self.cpu += done["cpu"]
        if done["code"] != 0:
            raise RuntimeError(f"shoring {' '.join(args)} failed ({done['code']}): {done['out']}")
        if verbose:
            print(f"{time.time():.1f} shoring {' '.join(args)}:\n{done['out']}", file=sys.stderr)
        return done["out"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def hold_table(url: DatabaseURL, kind: str, seconds: float, started: threading.Event) -> threading.Thread:
    """A transaction that has read the table and keeps its lock for `seconds` (the lock-queue case)."""

    def hold():
        conn = _raw_connect(url, kind)
        cur = conn.cursor()
        cur.execute("BEGIN")
        cur.execute("SELECT COUNT(*) FROM items WHERE id = 1")
        cur.fetchall()
        started.set()
        time.sleep(seconds)  # the point of the case: a long transaction, not synchronisation
        cur.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    return thread


def _raw_connect(url: DatabaseURL, kind: str):
    if kind == "postgresql":
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=url.port or 5432, user=url.user or "postgres",
                               password=url.password or None, dbname=url.database, autocommit=True)
    import pymysql

    return pymysql.connect(host="127.0.0.1", port=url.port or 3306, user=url.user or "root", password=url.password or "",
                           database=url.database, autocommit=True)


def one_run(target: DatabaseURL, kind: str, sc: Scenario, way: str, opts: argparse.Namespace) -> Outcome:
    with scratch_empty(target) as scratch:  # a fresh database for every run, dropped afterwards
        engine = scratch.connect()
        fill(engine, kind, opts.rows)
        for sql in sc.prepare.get(kind, []):
            engine.execute(sql)
        if sc.deploy and kind == "postgresql":
            engine.execute("CREATE TABLE app_version (deployed boolean NOT NULL)")
            engine.execute("INSERT INTO app_version VALUES (false)")
        work = Path(tempfile.mkdtemp(prefix="zerodown-"))
        try:
            project = work / "project"
            (project / "migrations").mkdir(parents=True)
            # "shoring:KEY=VALUE": the shoring way with one more setting, to compare with the default in one run
            setting = way.partition(":")[2]
            (project / "shoring.toml").write_text(SHORING_TOML.format(url=url_text(scratch.url)) + (f"{setting}\n" if setting else ""))
            (project / "migrations" / f"20260101000000_{sc.name}.py").write_text(
                f'"""Purpose: bench {sc.name}"""\nfrom shoring.operations import *  # noqa: F403\n\n'
                f"operations = [{sc.expand}]\n")
            shoring = WarmShoring(project) if way.startswith("shoring") else None
            if shoring is not None:
                shoring.run(["baseline", "0"])  # an existing database: shoring adopts it before its first apply
                shoring.cpu = 0.0  # the change's own CPU is what the table shows
            load = (PgbenchLoad if kind == "postgresql" else PythonLoad)(scratch.url, opts.rows, opts.clients, sc.deploy, work,
                                                                   sc.also_by)
            load.start()
            watch = ServerWatch(scratch.url) if opts.verbose and kind == "postgresql" else None
            if watch is not None:
                watch.start()
            time.sleep(opts.baseline)  # the load's own pace is what is measured: let it run
            holder = None
            if sc.hold:
                started = threading.Event()
                holder = hold_table(scratch.url, kind, HOLD_SECONDS, started)
                started.wait(30)
            t0 = time.time()
            if sc.name == "control":
                time.sleep(opts.control)
            elif way == "naive":
                conn = _raw_connect(scratch.url, kind)
                for sql in sc.naive[kind]:
                    conn.cursor().execute(sql)
                if sc.deploy:
                    deploy(load, engine, kind)
                conn.close()
            else:
                shoring.run(["apply"], opts.verbose)
                if sc.deploy:
                    deploy(load, engine, kind)
                    time.sleep(1)  # the new code is live everywhere before the contract
                if sc.contract:
                    shoring.run(["complete"], opts.verbose)
            t1 = time.time()
            if holder is not None:
                holder.join(HOLD_SECONDS + 30)
            time.sleep(opts.tail)
            result = load.stop(engine)
            if watch is not None:
                watch.stop()
            if shoring is not None:
                shoring.close()
            right = bool(engine.query_one(sc.check[kind].format(rows=opts.rows))[0])
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if opts.verbose:
        for second in sorted(result.windows):
            n, lat = result.windows[second]
            mark = "*" if int(t0) <= second <= int(t1) else " "
            seen = "; ".join(sorted(watch.seen.get(second, ()))) if watch is not None else ""
            print(f"  {mark} {second} {n:6d} tx  max {lat:.3f}s  {seen}", file=sys.stderr)
    outcome = measure(sc.name, way, result, t0, t1, right)
    outcome.runner_cpu = shoring.cpu if shoring is not None else None
    return outcome


def deploy(load: Any, engine: Any, kind: str) -> None:
    """The new code goes live: it reads and writes the new column name."""
    if kind == "postgresql":
        engine.execute("UPDATE app_version SET deployed = true")
    else:
        load.deployed = True


def measure(name: str, way: str, load: LoadResult, t0: float, t1: float, right: bool) -> Outcome:
    seconds = sorted(load.windows)
    first, last = seconds[0], seconds[-1]  # partial windows: the load's start and its stop
    full = {s: load.windows.get(s, (0, 0.0)) for s in range(first + 1, last)}
    base = [n for s, (n, _) in full.items() if s < int(t0)]
    base_tps = sum(base) / len(base) if base else 0.0
    during = [full.get(s, (0, 0.0)) for s in range(int(t0), int(t1) + 1) if s in full]
    worst = min((n for n, _ in during), default=0) / base_tps if base_tps else 0.0
    run = longest = 0
    for n, _ in during:
        run = run + 1 if n < base_tps / 2 else 0
        longest = max(longest, run)
    max_latency = max((lat for s, (_, lat) in load.windows.items() if s >= int(t0)), default=0.0)
    note = load.first_error or ""
    return Outcome(name, way, base_tps, worst, longest, max_latency, load.errors, t1 - t0, right, note[:80])


# --- the table of results ------------------------------------------------------------------------

def print_table(kind: str, rows: int, clients: int, outcomes: list[Outcome]) -> None:
    print(f"\n{kind}, {rows:,} rows, {clients} clients of single-row reads and writes by random key")
    print(f"{'change':<16} {'way':<8} {'base TPS':>9} {'worst':>6} {'<50% run':>8} {'max lat':>8} {'errors':>6} "
          f"{'change':>8} {'CPU':>6}  end")
    for o in outcomes:
        print(f"{o.scenario:<16} {o.way:<8} {o.base_tps:>9.0f} {o.worst:>6.0%} {o.under_half:>6} s {o.max_latency:>7.2f}s "
              f"{o.errors:>6} {o.change_seconds:>7.1f}s {_cpu(o.runner_cpu):>6}  {'right' if o.right else 'WRONG'}"
              + (f"  ({o.note})" if o.note else ""))


def _cpu(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds:.1f}s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("postgresql", "mariadb", "mysql"), required=True)
    parser.add_argument("--url", help="the server (default: 127.0.0.1 with the test credentials); only 127.0.0.1")
    parser.add_argument("--rows", type=int, default=None, help="rows of the table (default 2,000,000; MariaDB 1,000,000)")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--scenarios", default="all", help="comma-separated: " + ",".join(s.name for s in SCENARIOS))
    parser.add_argument("--ways", default="naive,shoring",
                        help="naive, shoring, or shoring:KEY=VALUE (a line added to its shoring.toml, TOML value: "
                             "shoring:parallel_workers=2 against shoring compares one setting in one run); comma-separated")
    parser.add_argument("--baseline", type=float, default=5.0, help="seconds of load before the change")
    parser.add_argument("--tail", type=float, default=3.0, help="seconds of load after the change")
    parser.add_argument("--control", type=float, default=10.0, help="seconds the control run lasts")
    parser.add_argument("--verbose", action="store_true", help="print each run's 1-s windows and shoring's output")
    opts = parser.parse_args()
    kind = "postgresql" if opts.engine == "postgresql" else "mysql"
    default_url = {"postgresql": "postgresql://postgres@127.0.0.1:5432/postgres", "mysql": "mysql://root@127.0.0.1:3306/test"}
    target = parse_url(opts.url or os.environ.get(f"SHORING_BENCH_{'PG' if kind == 'postgresql' else 'MYSQL'}_URL",
                                                  default_url[kind]))
    if target.host not in LOCAL_HOSTS:
        parser.error(f"the load only runs against this machine (127.0.0.1), not {target.host}")
    if kind == "postgresql" and shutil.which("pgbench") is None:
        parser.error("pgbench is not installed (it comes with the PostgreSQL client tools)")
    opts.rows = opts.rows or (2_000_000 if kind == "postgresql" else 1_000_000)
    wanted = [s.strip() for s in opts.scenarios.split(",")] if opts.scenarios != "all" else [s.name for s in SCENARIOS]
    unknown = set(wanted) - {s.name for s in SCENARIOS}
    if unknown:
        parser.error(f"unknown scenario(s): {', '.join(sorted(unknown))}")
    ways = [w.strip() for w in opts.ways.split(",")]
    outcomes = []
    for sc in (s for s in SCENARIOS if s.name in wanted):
        if kind not in sc.engines:
            if opts.scenarios != "all":
                print(f"skipping {sc.name}: PostgreSQL only", file=sys.stderr)
            continue
        missing = [f"{program} ({where})" for program, where in sc.needs.items() if shutil.which(program) is None]
        if missing:
            print(f"skipping {sc.name}: not installed: {', '.join(missing)}", file=sys.stderr)
            continue
        for way in (["control"] if sc.name == "control" else ways):
            print(f"running {sc.name} ({way}) ...", file=sys.stderr, flush=True)
            outcomes.append(one_run(target, kind, sc, way, opts))
    print_table(opts.engine, opts.rows, opts.clients, outcomes)


if __name__ == "__main__":
    main()
