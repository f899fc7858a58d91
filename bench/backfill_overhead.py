"""What a Backfill costs over the statements it replaces, on PostgreSQL (or any --url).

One table of --rows rows, filled again before each run; timed in the same process:
  single   one UPDATE of every row (what the seed says not to do: the baseline of pure work)
  loop     a bare key-range loop, one COMMIT per batch (what a careful person writes by hand)
  backfill shoring's Backfill loop: the same batches, plus the checkpoint written in each batch's
           transaction (what makes it resumable)
Prints seconds (best of --repeat) and the ratios backfill/loop (shoring's overhead) and
backfill/single (the price of short locks). Pause is 0 so that only the work is measured.

Usage: python bench/backfill_overhead.py [--url postgresql://postgres@127.0.0.1:5432/postgres] [--rows 200000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shoring.backfill import BackfillSpec, run_backfill  # noqa: E402
from shoring.backfill.checkpoint import Checkpoint  # noqa: E402
from shoring.engines.url import parse_url  # noqa: E402
from shoring.rehearsal.scratch import scratch_empty  # noqa: E402


def refill(engine, rows: int) -> None:
    engine.execute("DROP TABLE IF EXISTS bench_items")
    engine.execute("CREATE TABLE bench_items (id BIGINT PRIMARY KEY, email VARCHAR(80), domain VARCHAR(80))")
    engine.begin()
    step = 5000
    for start in range(1, rows + 1, step):
        values = [(i, f"user{i}@example{i % 7}.com") for i in range(start, min(start + step, rows + 1))]
        engine.execute(engine.sql("INSERT INTO bench_items (id, email) VALUES " + ", ".join(["(%s, %s)"] * len(values))),
                       [x for v in values for x in v])
    engine.commit()
    if engine.name == "postgresql":
        engine.execute("VACUUM ANALYZE bench_items")


SET = {"postgresql": "domain = split_part(email, '@', 2)", "mysql": "domain = SUBSTRING_INDEX(email, '@', -1)",
       "sqlite": "domain = substr(email, instr(email, '@') + 1)"}


def single(engine) -> None:
    engine.begin()
    engine.execute(f"UPDATE bench_items SET {SET[engine.name]} WHERE domain IS NULL")
    engine.commit()


def loop(engine, batch: int) -> None:
    ph = engine.traits.placeholder
    last = 0
    while True:
        engine.begin()
        row = engine.query_one(f"SELECT MAX(id) FROM (SELECT id FROM bench_items WHERE id > {ph} AND domain IS NULL "
                               f"ORDER BY id LIMIT {batch}) AS b", [last])
        if row[0] is None:
            engine.commit()
            return
        engine.execute(f"UPDATE bench_items SET {SET[engine.name]} WHERE id > {ph} AND id <= {ph} AND domain IS NULL",
                       [last, row[0]])
        engine.commit()
        last = row[0]


def backfill(engine, batch: int) -> None:
    spec = BackfillSpec(table="bench_items", set_sql=SET[engine.name], where="domain IS NULL", batch_size=batch, pause=0)
    checkpoint = Checkpoint(engine, "bench_history", "1", "up", 1)
    run_backfill(engine, spec, checkpoint=checkpoint)
    checkpoint.clear()


def best_of(repeat: int, runs: dict, *, before, check) -> dict[str, float]:
    """Best seconds of each run, each after `before()` and checked by `check(label)`."""
    times: dict[str, float] = {}
    for _ in range(repeat):
        for label, run in runs.items():
            before()
            t0 = time.perf_counter()
            run()
            elapsed = time.perf_counter() - t0
            assert check(label), label
            times[label] = min(times.get(label, elapsed), elapsed)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("SHORING_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    target = parse_url(args.url)
    times: dict[str, float] = {}
    with scratch_empty(target) as scratch:  # a throwaway database on that server, dropped afterwards
        engine = scratch.connect()
        times = best_of(args.repeat, {"single": lambda: single(engine), "loop": lambda: loop(engine, args.batch),
                                      "backfill": lambda: backfill(engine, args.batch)},
                        before=lambda: refill(engine, args.rows),
                        check=lambda label: engine.query_one(
                            "SELECT COUNT(*) FROM bench_items WHERE domain IS NULL")[0] == 0)
    print(f"{args.rows:,} rows on {target.engine}, batches of {args.batch:,}, best of {args.repeat}:")
    for label in ("single", "loop", "backfill"):
        print(f"  {label:<9} {times[label]:7.3f} s")
    print(f"shoring's overhead (checkpoint per batch): backfill/loop = {times['backfill'] / times['loop']:.2f}")
    print(f"price of short locks: backfill/single = {times['backfill'] / times['single']:.2f}")


if __name__ == "__main__":
    main()
