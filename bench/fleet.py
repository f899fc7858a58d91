"""`shoring fleet apply` over many databases: wall time at parallelism 1, 2, 4 and 8.

Makes --pg PostgreSQL and --mysql MariaDB databases (default 50 and 20) on the local servers, each
run on fresh ones, writes a targets.toml with them, and times `shoring fleet apply` (in-process:
the library the CLI calls) of --migrations small migrations (default 5) at each parallelism. Prints
seconds per parallelism and the speed-up over parallelism 1. The canary always runs alone, so the
best possible speed-up is below the parallelism; the servers and the 2-CPU machine cap it too.

Usage: python bench/fleet.py [--pg 50] [--mysql 20] [--migrations 5] [--parallelism 1,2,4,8]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shoring.config import load_settings  # noqa: E402
from shoring.dburl import parse_url  # noqa: E402
from shoring.engines import connect  # noqa: E402
from shoring.fleet.rollout import rollout  # noqa: E402
from shoring.fleet.targets import load_fleet  # noqa: E402

SERVERS = {"postgresql": "postgresql://postgres@127.0.0.1:5432/postgres", "mysql": "mysql://root@127.0.0.1:3306/test"}


def make_databases(engine: str, count: int) -> list[str]:
    admin = SERVERS[engine]
    names = [f"shoring_benchfleet_{uuid.uuid4().hex[:10]}" for _ in range(count)]
    with connect(admin) as server:
        for name in names:
            server.create_database(name, **({"template": "template0"} if engine == "postgresql" else {}))
    base = parse_url(admin)
    return [f"{base.scheme}://{base.user}@{base.host}:{base.port}/{name}" for name in names]


def drop_databases(urls: list[str]) -> None:
    for url in urls:
        u = parse_url(url)
        with connect(SERVERS[u.engine]) as server:
            server.drop_database(u.database)


def project(root: Path, urls: list[str], migrations: int) -> None:
    (root / "migrations").mkdir(parents=True)
    (root / "shoring.toml").write_text("lock_wait = 60\n")
    (root / "migrations" / "1_create_items.sql").write_text(
        "-- migrate:up\nCREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50));\n-- migrate:down\nDROP TABLE items;\n")
    for i in range(2, migrations + 1):
        (root / "migrations" / f"{i}_add_c{i}.sql").write_text(
            f"-- migrate:up\nALTER TABLE items ADD COLUMN c{i} INTEGER;\n-- migrate:down\nALTER TABLE items DROP COLUMN c{i};\n")
    lines = []
    for n, url in enumerate(urls):
        lines += ["[[targets]]", f'name = "t{n:03d}"', f'database = "{url}"']
    (root / "targets.toml").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", type=int, default=50)
    ap.add_argument("--mysql", type=int, default=20)
    ap.add_argument("--migrations", type=int, default=5)
    ap.add_argument("--parallelism", default="1,2,4,8")
    args = ap.parse_args()
    levels = [int(p) for p in args.parallelism.split(",")]
    print(f"fleet apply: {args.pg} PostgreSQL + {args.mysql} MariaDB databases, {args.migrations} migrations each")
    times = {}
    for level in levels:
        urls = make_databases("postgresql", args.pg) + make_databases("mysql", args.mysql)
        try:
            with tempfile.TemporaryDirectory(prefix="shoring_benchfleet_") as tmp:
                root = Path(tmp)
                project(root, urls, args.migrations)
                settings = load_settings(cwd=root)
                fleet = load_fleet(root / "targets.toml")
                started = time.perf_counter()
                result = rollout(settings, fleet, parallelism=level, backup=False)
                times[level] = time.perf_counter() - started
                if not result.ok:
                    sys.exit(f"the rollout did not finish: {result.halted or [s for s in result.states if s.state != 'up_to_date']}")
        finally:
            drop_databases(urls)
        print(f"  parallelism {level}: {times[level]:7.2f} s  ({times[levels[0]] / times[level]:.2f}x parallelism {levels[0]})", flush=True)


if __name__ == "__main__":
    main()
