"""How much time shoring itself adds: 300 trivial migrations on a fresh PostgreSQL database.

Prints seconds for `shoring apply` (all 300), `shoring status` and `shoring rollback --to 0`, each as a
real CLI process, and the cold start of `shoring --help` and `shoring status` (best of several runs).
Goals on the reference machine: apply of the 300 within 1.0 s (dbmate: 0.98 s, Alembic: 1.6 s),
`shoring --help` under 0.1 s. A baseline in the same run, `python -c pass`, shows what the
interpreter alone costs here, so the figures can be read on a slower or faster machine.

The server's own share is measured in the same run: the same 300 statements, each in its own
transaction, sent by a bare psycopg loop (no shoring). Apply is timed --repeat times on fresh
databases; the best and the median are printed, since a shared machine is noisy.

Usage: python bench/apply_overhead.py [--url postgresql://postgres@127.0.0.1:5432/postgres] [--count 300]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shoring.engines.url import parse_url  # noqa: E402
from shoring.engines import connect  # noqa: E402


#: as an installed package runs: Python may keep the bytecode it compiles (some sandboxes forbid it)
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=CHILD_ENV)
    elapsed = time.perf_counter() - t0
    if result.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({result.returncode}): {result.stderr.strip()}")
    return elapsed


def best(cmd: list[str], cwd: Path, runs: int) -> float:
    return min(timed(cmd, cwd) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("SHORING_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7, help="runs for cold-start figures (best is kept)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh-database applies of all migrations")
    args = parser.parse_args()

    shoring = [sys.executable, "-m", "shoring"]
    exe = Path(sys.executable).with_name("shoring")
    if exe.exists():
        shoring = [str(exe)]  # the console script, as users run it

    admin = parse_url(args.url)
    raw_runs, apply_runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        mig = root / "migrations"
        mig.mkdir()
        for i in range(1, args.count + 1):
            (mig / f"{i:06d}_table_{i}.sql").write_text(
                f"-- Purpose: bench table {i}\n-- migrate:up\nCREATE TABLE t{i} (id integer);\n"
                f"-- migrate:down\nDROP TABLE t{i};\n"
            )
        timed(shoring + ["--version"], root)  # a first run writes the bytecode cache, as after pip install
        timed(shoring + ["status", "--database", "sqlite:///warmup.db"], root)
        baseline = best([sys.executable, "-c", "pass"], root, args.runs)
        help_s = best(shoring + ["--help"], root, args.runs)
        for attempt in range(args.repeat):
            with fresh_database(admin) as target:
                raw_runs.append(raw_loop(target, args.count))
            with fresh_database(admin) as target:
                (root / "shoring.toml").write_text(f'database = "{target}"\n')
                apply_runs.append(timed(shoring + ["apply"], root))
                noop_s = best(shoring + ["apply"], root, args.runs)
                status_s = best(shoring + ["status"], root, args.runs)
                rollback_s = timed(shoring + ["rollback", "--to", "0"], root)
                with connect(target) as engine:
                    left = engine.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'")[0][0]
                if left:
                    sys.exit(f"rollback left {left} tables behind")

    apply_best, apply_median = min(apply_runs), statistics.median(apply_runs)
    raw_best = min(raw_runs)
    print(f"migrations                          {args.count}")
    print(f"python -c pass (interpreter floor)  {baseline:.3f} s")
    print(f"bare psycopg loop, same statements  {raw_best:.3f} s   (the server's own share, best of {args.repeat})")
    print(f"shoring --help (cold start)         {help_s:.3f} s   goal < 0.100 s")
    print(f"shoring apply, nothing pending      {noop_s:.3f} s   (start-up, connect, checks)")
    print(f"shoring status (cold start)         {status_s:.3f} s")
    print(f"shoring apply ({args.count})                 {apply_best:.3f} s best, {apply_median:.3f} s median   goal < 1.000 s")
    print(f"  ratio to the bare loop            {apply_best / raw_best:.2f}x   "
          f"(shoring's own cost {(apply_best - raw_best) / args.count * 1000:.2f} ms per migration, start-up included)")
    print(f"shoring rollback --to 0             {rollback_s:.3f} s")


@contextmanager
def fresh_database(admin):
    name = f"shoring_bench_{uuid.uuid4().hex[:8]}"
    with connect(admin) as engine:
        engine.create_database(name)
    url = admin.with_database(name)
    try:
        yield f"{url.scheme}://{url.user}@{url.host}:{url.port}/{name}"
    finally:
        with connect(admin) as engine:
            engine.drop_database(name)


def raw_loop(target: str, count: int) -> float:
    """The same DDL, one transaction each, straight through psycopg: what any tool must pay."""
    import psycopg

    with psycopg.connect(target.replace("postgresql://", "postgresql://", 1), autocommit=True) as conn:
        t0 = time.perf_counter()
        for i in range(1, count + 1):
            with conn.transaction():
                conn.execute(f"CREATE TABLE t{i} (id integer)")
        return time.perf_counter() - t0


if __name__ == "__main__":
    main()
