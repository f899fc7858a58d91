"""`shoring fleet apply` over many databases: wall time at parallelism 1, 2, 4 and 8.

Makes --pg PostgreSQL and --mysql MariaDB databases (default 50 and 20) on the local servers, each
run on fresh ones, writes a targets.toml with them, and times `shoring fleet apply` (in-process:
the library the CLI calls) of --migrations small migrations (default 5) at each parallelism. Prints
seconds per parallelism and the speed-up over parallelism 1. The canary always runs alone, so the
best possible speed-up is below the parallelism; the servers and the 2-CPU machine cap it too.

Then the halt check at --halt-parallelism (default 4) on fresh databases: one target of wave 2 already
has a table the first migration creates, so it fails there. The canary must finish before wave 1
starts, every target of waves 0-2 but that one must be up to date, every later target pending and
untouched (no table of the project's), the state read back must say so, and once the table is dropped a
second rollout must finish every target.

Usage: python bench/fleet.py [--pg 50] [--mysql 20] [--migrations 5] [--parallelism 1,2,4,8] [--halt-parallelism 4]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shoring.config import load_settings  # noqa: E402
from shoring.engines.url import parse_url  # noqa: E402
from shoring.engines import connect  # noqa: E402
from shoring.fleet.rollout import read_states, rollout  # noqa: E402
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


@contextmanager
def fresh_fleet(args):
    """(settings, fleet) of a project over new databases on both servers, dropped afterwards."""
    urls = make_databases("postgresql", args.pg) + make_databases("mysql", args.mysql)
    try:
        with tempfile.TemporaryDirectory(prefix="shoring_benchfleet_") as tmp:
            root = Path(tmp)
            project(root, urls, args.migrations)
            yield load_settings(cwd=root), load_fleet(root / "targets.toml")
    finally:
        drop_databases(urls)


def applied_between(url: str) -> tuple:
    """When the target's first and last migration were applied (its own event log)."""
    with connect(url) as engine:
        ats = [r[0] for r in engine.query("SELECT at FROM shoring_migrations_events WHERE event = 'apply' ORDER BY id")]
    return ats[0], ats[-1]


def halt_check(args, level: int) -> None:
    """A failure in wave 2 halts the rest at full fleet size, the state says so truthfully, a rerun finishes."""
    problems = []
    with fresh_fleet(args) as (settings, fleet):
        waves = fleet.waves(level)
        bad = waves[2][1]
        with connect(bad.database) as engine:
            engine.execute("CREATE TABLE items (id INTEGER PRIMARY KEY)")
        started = time.perf_counter()
        result = rollout(settings, fleet, parallelism=level, backup=False)
        halted_after = time.perf_counter() - started
        by_name = {s.name: s for s in result.states}
        ran = {t.name for wave in waves[:3] for t in wave}
        if not (result.halted or "").startswith(f"wave 2 failed on {bad.name}"):
            problems.append(f"halted: {result.halted!r}")
        wrong = [n for n in ran - {bad.name} if by_name[n].state != "up_to_date"]
        wrong += [n for n, st in by_name.items() if n not in ran and (st.state, st.outcome) != ("pending", "not started")]
        if by_name[bad.name].state != "failed":
            wrong.append(bad.name)
        problems += [f"{n}: state {by_name[n].state}, outcome {by_name[n].outcome}" for n in sorted(wrong)]
        untouched = [t for w in waves[3:] for t in w]
        for t in untouched:
            with connect(t.database) as engine:
                if engine.table_exists("items"):
                    problems.append(f"{t.name} was not to be touched, but has the table items")
        canary_done = applied_between(waves[0][0].database)[1]
        early = [t.name for t in waves[1] if applied_between(t.database)[0] < canary_done]
        problems += [f"{n} started before the canary finished" for n in early]
        reread = {s.name: s.state for s in read_states(settings, fleet, level)}
        if reread != {n: s.state for n, s in by_name.items()}:
            problems.append("a second read of the states differs from the rollout's")
        with connect(bad.database) as engine:
            engine.execute("DROP TABLE items")
        started = time.perf_counter()
        rerun = rollout(settings, fleet, parallelism=level, backup=False)
        rerun_took = time.perf_counter() - started
        if not rerun.ok or any(s.state != "up_to_date" for s in rerun.states):
            problems.append(f"the rerun did not finish: {rerun.halted}")
    counts = {st: sum(s.state == st for s in result.states) for st in ("up_to_date", "failed", "pending")}
    print(f"halt check at parallelism {level}: {len(waves)} waves, failure planted in {bad.name} (wave 2)")
    print(f"  first rollout: {result.halted} ({halted_after:.2f} s)")
    print(f"  states: {counts['up_to_date']} up to date, {counts['failed']} failed, {counts['pending']} pending and untouched"
          f" ({len(untouched)} checked); canary finished before wave 1 began: {'yes' if not early else 'no'}")
    print(f"  rerun after the fix: {'every target up to date' if rerun.ok else 'NOT finished'} ({rerun_took:.2f} s)")
    print(f"  problems: {len(problems)}" + "".join(f"\n    {p}" for p in problems), flush=True)
    if problems:
        sys.exit(1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg", type=int, default=50)
    ap.add_argument("--mysql", type=int, default=20)
    ap.add_argument("--migrations", type=int, default=5)
    ap.add_argument("--parallelism", default="1,2,4,8")
    ap.add_argument("--halt-parallelism", type=int, default=4, help="0: skip the halt check")
    args = ap.parse_args()
    levels = [int(p) for p in args.parallelism.split(",")]
    print(f"fleet apply: {args.pg} PostgreSQL + {args.mysql} MariaDB databases, {args.migrations} migrations each")
    times = {}
    for level in levels:
        with fresh_fleet(args) as (settings, fleet):
            started = time.perf_counter()
            result = rollout(settings, fleet, parallelism=level, backup=False)
            times[level] = time.perf_counter() - started
            if not result.ok:
                sys.exit(f"the rollout did not finish: {result.halted or [s for s in result.states if s.state != 'up_to_date']}")
        print(f"  parallelism {level}: {times[level]:7.2f} s  ({times[levels[0]] / times[level]:.2f}x parallelism {levels[0]})", flush=True)
    if args.halt_parallelism:
        halt_check(args, args.halt_parallelism)


if __name__ == "__main__":
    main()
