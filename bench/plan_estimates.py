"""How close `shoring plan`'s estimates come to the real time, on a large table of each engine.

Builds a fresh database with `users` (1,000,000 rows by default), then for each of an index build, a
table rewrite and a batched backfill in the engine's own form (PostgreSQL: the seed's DO loop;
MariaDB: the same loop in BEGIN NOT ATOMIC; SQLite, which has no loops: key-range batches, one
statement each, in a `Transaction: false` migration): `shoring plan --format json` (which calibrates
on a sample of the table), then `shoring apply`, and reads the real duration from the history table.
Prints estimate, actual, ratio and the estimate's source; the goal is every ratio within a factor of
2 (0.5 to 2.0). Exit status 1 when one is not.

Usage: python bench/plan_estimates.py [--engine postgresql|mysql|sqlite|all] [--url URL] [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shoring.engines.url import parse_url  # noqa: E402
from shoring.engines import connect  # noqa: E402

BATCH = 10000


def sqlite_batches(rows: int) -> str:
    """SQLite has no loops: a backfill is its batches, one key range a statement, each committed alone."""
    return "\n".join(f"UPDATE users SET email_verified = 0 WHERE id > {lo} AND id <= {lo + BATCH};"
                     for lo in range(0, rows, BATCH))


@dataclass
class Bench:
    url: str  # the server (PostgreSQL, MySQL) the bench database is created on
    build: list[str]  # statements that make and fill `users` ({rows}: how many)
    size: str  # a query for the size of `users`, as the engine reports it
    migrations: list[tuple[str, str, str, str]]  # (slug, what, header, up); up may use {rows}
    settle: tuple[str, ...] = ()  # statements that write out what the bulk load left in memory


BENCHES = {
    "postgresql": Bench(
        os.environ.get("SHORING_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        ["CREATE TABLE users AS SELECT g::bigint AS id, 'user' || g || '@example.com' AS email, "
         "md5(g::text) AS name, now() - g * interval '1 minute' AS created_at, (g % 1000)::int AS n "
         "FROM generate_series(1, {rows}) g",
         "ALTER TABLE users ADD PRIMARY KEY (id)", "VACUUM ANALYZE users"],
        "SELECT pg_size_pretty(pg_total_relation_size('users'))",
        [
            ("index_email", "index build", "", "CREATE INDEX users_email_idx ON users (email);"),
            ("widen_n", "table rewrite", "", "ALTER TABLE users ALTER COLUMN n TYPE bigint;"),
            ("add_email_verified", "add column (metadata only)", "", "ALTER TABLE users ADD COLUMN email_verified boolean;"),
            ("backfill_email_verified", "batched backfill", "", f"""
DO $$
DECLARE
  batch_size INT := {BATCH};
  processed INT := 0;
BEGIN
  LOOP
    UPDATE users
    SET email_verified = FALSE
    WHERE email_verified IS NULL
    AND id IN (
      SELECT id FROM users
      WHERE email_verified IS NULL
      LIMIT batch_size
    );
    GET DIAGNOSTICS processed = ROW_COUNT;
    EXIT WHEN processed = 0;
    PERFORM pg_sleep(0.01);
  END LOOP;
END $$;
"""),
        ],
    ),
    "mysql": Bench(
        os.environ.get("SHORING_BENCH_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"),
        ["CREATE TABLE users (id BIGINT PRIMARY KEY, email VARCHAR(255), name CHAR(32), created_at DATETIME, n INT)",
         "SET SESSION {recursion_limit} = {rows}",
         "INSERT INTO users WITH RECURSIVE g (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {rows}) "
         "SELECT x, CONCAT('user', x, '@example.com'), MD5(x), NOW() - INTERVAL x MINUTE, x % 1000 FROM g",
         "ANALYZE TABLE users"],
        "SELECT CONCAT(ROUND((DATA_LENGTH + INDEX_LENGTH) / 1048576), ' MB') FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users'",
        [
            ("index_email", "index build", "", "CREATE INDEX users_email_idx ON users (email);"),
            ("widen_n", "table rewrite", "", "ALTER TABLE users MODIFY n BIGINT;"),  # ALGORITHM=COPY
            ("name_not_null", "table rebuild in place", "", "ALTER TABLE users MODIFY name CHAR(32) NOT NULL;"),
            ("add_email_verified", "add column (metadata only)", "", "ALTER TABLE users ADD COLUMN email_verified BOOLEAN;"),
            ("backfill_email_verified", "batched backfill", "", f"""
BEGIN NOT ATOMIC
  DECLARE batch_size INT DEFAULT {BATCH};
  DECLARE processed INT DEFAULT 1;
  WHILE processed > 0 DO
    UPDATE users SET email_verified = FALSE WHERE email_verified IS NULL LIMIT batch_size;
    SET processed = ROW_COUNT();
    DO SLEEP(0.01);
  END WHILE;
END;
"""),
        ],
        # a table loaded a second ago still has ~100 MB of dirty pages being flushed, which slows the
        # first migration as no production table would: FOR EXPORT writes the table's pages out now
        settle=("FLUSH TABLES users FOR EXPORT", "UNLOCK TABLES"),
    ),
    "sqlite": Bench(
        "",
        ["CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT, name TEXT, created_at TEXT, n INTEGER, legacy TEXT)",
         "INSERT INTO users WITH RECURSIVE g (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {rows}) "
         "SELECT x, 'user' || x || '@example.com', lower(hex(randomblob(16))), datetime('now', '-' || x || ' minutes'), "
         "x % 1000, 'legacy ' || x FROM g"],
        "SELECT printf('%d MB', page_count * page_size / 1048576) FROM pragma_page_count, pragma_page_size",
        [
            ("index_email", "index build", "", "CREATE INDEX users_email_idx ON users (email);"),
            ("drop_legacy", "table rewrite", "", "ALTER TABLE users DROP COLUMN legacy;"),  # rewrites every row
            ("add_email_verified", "add column (metadata only)", "", "ALTER TABLE users ADD COLUMN email_verified INTEGER;"),
            ("backfill_email_verified", "batched backfill", "-- Transaction: false\n", "{batches}"),
        ],
    ),
}
#: what the Done-when of issue 4 asks to be within a factor of 2
JUDGED = {"index build", "table rewrite", "table rebuild in place", "batched backfill"}


def shoring(cwd: Path, *args: str) -> str:
    exe = Path(sys.executable).with_name("shoring")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "shoring"]
    result = subprocess.run([*cmd, *args], cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"shoring {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}")
    return result.stdout


@contextmanager
def fresh_database(engine: str, server: str) -> Iterator[str]:
    """The URL of a new, empty database, dropped afterwards."""
    if engine == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        return
    admin = parse_url(server)
    name = f"shoring_bench_{uuid.uuid4().hex[:8]}"
    with connect(admin) as engine_:
        engine_.create_database(name)
    url = admin.with_database(name)
    try:
        yield f"{url.scheme}://{url.user}@{url.host}:{url.port}/{name}"
    finally:
        with connect(admin) as engine_:
            engine_.drop_database(name)


def run(engine: str, rows: int, server: str | None, say: Callable[[str], None] = print) -> bool:
    """Bench one engine; True when every judged ratio is within a factor of 2."""
    bench = BENCHES[engine]
    ok = True
    with fresh_database(engine, server or bench.url) as target:
        t0 = time.perf_counter()
        with connect(target) as db:
            limit = "max_recursive_iterations" if db.is_mariadb else "cte_max_recursion_depth"
            for statement in bench.build:
                db.execute(statement.format(rows=int(rows), recursion_limit=limit))
            size = db.query_one(bench.size)[0]
            version = db.server_version
            built = time.perf_counter() - t0
            for statement in bench.settle:
                db.execute(statement)
        settled = f", flushed in {time.perf_counter() - t0 - built:.1f} s" if bench.settle else ""
        say(f"\n{engine} {version}: users {rows:,} rows, {size} (built in {built:.1f} s{settled})\n")
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "migrations").mkdir()
            (root / "shoring.toml").write_text(f'database = "{target}"\nstatement_timeout = "30min"\n', encoding="utf-8")
            header = f"{'migration':<34}{'estimate':>10}{'actual':>10}{'ratio':>8}  source"
            say(header)
            say("-" * len(header))
            for i, (slug, what, head, up) in enumerate(bench.migrations, start=1):
                version_ = f"2024010100000{i}"
                body = up.replace("{batches}", sqlite_batches(rows)).strip()
                (root / "migrations" / f"{version_}_{slug}.sql").write_text(f"{head}-- migrate:up\n{body}\n",
                                                                            encoding="utf-8")
                plan = json.loads(shoring(root, "plan", "--format", "json", "--no-lint"))
                planned = [m for m in plan["migrations"] if m["version"] == version_][0]
                estimate = planned["estimate_seconds"]
                shoring(root, "apply", "--to", version_)
                with connect(target) as db:
                    ms = db.query_one(db.sql("SELECT duration_ms FROM shoring_migrations WHERE version = %s"),
                                      [version_])[0]
                actual = ms / 1000.0
                ratio = estimate / actual if estimate is not None and actual > 0 else None
                verdict = ""
                if what in JUDGED:
                    good = ratio is not None and 0.5 <= ratio <= 2.0
                    ok &= good
                    verdict = "  ok" if good else "  OUTSIDE 2x"
                est_text = f"{estimate:.2f}s" if estimate is not None else "unknown"
                ratio_text = f"{ratio:.2f}" if ratio is not None else "-"
                say(f"{what:<34}{est_text:>10}{actual:>9.2f}s{ratio_text:>8}  {planned['estimate']['source']}{verdict}")
                details = [st["estimate"]["detail"] for st in planned["statements"] if st["work"]]
                for detail in details[:1]:
                    say(f"{'':<34}{detail}")
                if len(details) > 1:
                    say(f"{'':<34}(and {len(details) - 1} more statements like it)")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=[*BENCHES, "all"], default="postgresql")
    parser.add_argument("--url", help="the server to create the bench database on (default: per engine)")
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    engines = list(BENCHES) if args.engine == "all" else [args.engine]
    ok = all([run(engine, args.rows, args.url) for engine in engines])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
