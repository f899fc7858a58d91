"""What a rehearsal costs beside the migration itself, on PostgreSQL.

Builds a database with one table of --rows rows, writes --count small reversible migrations, and
prints, each as a real CLI process: `shoring test` with lock tracing and probes, the same with
--no-probe, and for scale the time of the migrations' own statements as the rehearsal measured
them (up, down and up again). The difference is what the scratch copy, the snapshots, the
fingerprints, the tracing and the probes add.

Usage: python bench/rehearsal_overhead.py [--url postgresql://postgres@127.0.0.1:5432/postgres] [--rows 100000] [--count 10]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shoring.engines.url import parse_url  # noqa: E402
from shoring.engines import connect  # noqa: E402


def run(cmd: list[str], cwd: Path) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--count", type=int, default=10)
    args = parser.parse_args()
    admin_url = parse_url(args.url)
    name = f"shoring_bench_{uuid.uuid4().hex[:8]}"
    with connect(admin_url) as admin:
        admin.create_database(name)
    try:
        url = admin_url.with_database(name)
        with connect(url) as engine:
            engine.execute("CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, age int)")
            engine.execute("INSERT INTO users SELECT g, 'u' || g || '@example.com', g %% 90 FROM generate_series(1, %s) g",
                           [args.rows])
            engine.execute("ANALYZE users")
        root = Path(tempfile.mkdtemp(prefix="shoring_bench_"))
        (root / "migrations").mkdir()
        raw = f"{url.scheme}://{url.user}@{url.host}:{url.port}/{name}"
        (root / "shoring.toml").write_text(f'database = "{raw}"\n', encoding="utf-8")
        for i in range(1, args.count + 1):
            (root / "migrations" / f"{i}_column_{i}.sql").write_text(
                f"-- migrate:up\nALTER TABLE users ADD COLUMN c{i} int;\nCREATE INDEX users_c{i} ON users (c{i});\n"
                f"-- migrate:down\nDROP INDEX users_c{i};\nALTER TABLE users DROP COLUMN c{i};\n", encoding="utf-8")
        shoring = [sys.executable, "-m", "shoring", "test", "--format", "json"]
        traced, out = run(shoring, root)
        report = json.loads(out)
        untraced, _ = run(shoring + ["--no-probe"], root)
        statements = sum(
            s.get("seconds", 0) for m in report["migrations"] for s in m["steps"] if s["step"] in ("up", "down", "up again")
        )
        print(f"{args.count} migrations on a table of {args.rows} rows ({report['engine']} {report['server_version']})")
        print(f"  scratch copy ({report['copy']['method']}):     {report['copy']['seconds']:.3f} s")
        print(f"  shoring test:                    {traced:.3f} s")
        print(f"  shoring test --no-probe:         {untraced:.3f} s")
        print(f"  up + down + up of the migrations, as run by the rehearsal: {statements:.3f} s")
    finally:
        with connect(admin_url) as admin:
            admin.drop_database(name)


if __name__ == "__main__":
    main()
