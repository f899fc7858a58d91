"""How much time shoring itself adds: 300 trivial migrations on a fresh PostgreSQL database.

Prints seconds for `shoring apply` (all 300), `shoring status` and `shoring rollback --to 0`, each as a
real CLI process, and the cold start of `shoring --help` and `shoring status` (best of several runs).
Goals on the reference machine: apply of the 300 within 1.0 s (dbmate: 0.98 s, Alembic: 1.6 s),
`shoring --help` under 0.1 s. A baseline in the same run, `python -c pass`, shows what the
interpreter alone costs here, so the figures can be read on a slower or faster machine.

Usage: python bench/apply_overhead.py [--url postgresql://postgres@127.0.0.1:5432/postgres] [--count 300]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shoring.dburl import parse_url  # noqa: E402
from shoring.engines import connect  # noqa: E402


def timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
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
    args = parser.parse_args()

    shoring = [sys.executable, "-m", "shoring"]
    exe = Path(sys.executable).with_name("shoring")
    if exe.exists():
        shoring = [str(exe)]  # the console script, as users run it

    admin = parse_url(args.url)
    name = f"shoring_bench_{uuid.uuid4().hex[:8]}"
    with connect(admin) as engine:
        engine.create_database(name)
    url = admin.with_database(name)
    target = f"{url.scheme}://{url.user}@{url.host}:{url.port}/{name}"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            (root / "shoring.toml").write_text(f'database = "{target}"\n')
            mig = root / "migrations"
            mig.mkdir()
            for i in range(1, args.count + 1):
                (mig / f"{i:06d}_table_{i}.sql").write_text(
                    f"-- Purpose: bench table {i}\n-- migrate:up\nCREATE TABLE t{i} (id integer);\n"
                    f"-- migrate:down\nDROP TABLE t{i};\n"
                )
            baseline = best([sys.executable, "-c", "pass"], root, args.runs)
            help_s = best(shoring + ["--help"], root, args.runs)
            apply_s = timed(shoring + ["apply"], root)
            status_s = best(shoring + ["status"], root, args.runs)
            rollback_s = timed(shoring + ["rollback", "--to", "0"], root)
            with connect(target) as engine:
                left = engine.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename ~ '^t[0-9]+$'")[0][0]
            if left:
                sys.exit(f"rollback left {left} tables behind")
    finally:
        with connect(admin) as engine:
            engine.drop_database(name)

    print(f"migrations                     {args.count}")
    print(f"python -c pass (baseline)      {baseline:.3f} s")
    print(f"shoring --help (cold start)    {help_s:.3f} s   goal < 0.100 s   ({help_s / baseline:.1f}x baseline)")
    print(f"shoring status (cold start)    {status_s:.3f} s   ({status_s / baseline:.1f}x baseline)")
    print(f"shoring apply ({args.count})            {apply_s:.3f} s   goal < 1.000 s   ({apply_s / args.count * 1000:.2f} ms per migration)")
    print(f"shoring rollback --to 0        {rollback_s:.3f} s")


if __name__ == "__main__":
    main()
