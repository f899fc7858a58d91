"""What OnlineAlter costs against the blocking ALTER it replaces, on MariaDB/MySQL.

One table of --rows rows, made again before each run; timed in the same process (best of --repeat):
  alter   ALTER TABLE ... MODIFY, which MariaDB does as a table copy with writes blocked throughout
  online  the same change through OnlineAlter's shadow-table copy (triggers, batches, RENAME); writes
          go on all along, and only the RENAME takes a brief lock
Prints both and their ratio: the price of not blocking writes.

Usage: python bench/online_alter.py [--url mysql://root@127.0.0.1:3306/test] [--rows 200000] [--batch 2000]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from shoring.backfill.shadow_copy import ShadowCopy  # noqa: E402
from backfill_overhead import best_of  # noqa: E402
from shoring.engines.url import parse_url  # noqa: E402
from shoring.rehearsal.scratch import scratch_empty  # noqa: E402

CHANGE = "MODIFY amount DECIMAL(14,2) NOT NULL"


def refill(engine, rows: int) -> None:
    engine.execute("DROP TABLE IF EXISTS bench_payments")
    engine.execute("CREATE TABLE bench_payments (id BIGINT PRIMARY KEY, amount INT NOT NULL, note VARCHAR(40))")
    step = 5000
    for start in range(1, rows + 1, step):
        values = [(i, i % 1000, f"payment {i}") for i in range(start, min(start + step, rows + 1))]
        engine.execute(engine.sql("INSERT INTO bench_payments VALUES " + ", ".join(["(%s, %s, %s)"] * len(values))),
                       [x for v in values for x in v])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("SHORING_BENCH_MYSQL_URL", "mysql://root@127.0.0.1:3306/test"))
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    target = parse_url(args.url)

    def altered(label: str) -> bool:
        kind = engine.query_one("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                                "AND TABLE_NAME = 'bench_payments' AND COLUMN_NAME = 'amount'")[0]
        return kind == "decimal(14,2)" and engine.query_one("SELECT COUNT(*) FROM bench_payments")[0] == args.rows

    with scratch_empty(target) as scratch:  # a throwaway database on that server, dropped afterwards
        engine = scratch.connect()
        times = best_of(args.repeat, {
            "alter": lambda: engine.execute(f"ALTER TABLE bench_payments {CHANGE}"),
            "online": lambda: ShadowCopy("bench_payments", CHANGE, batch_size=args.batch, pause=0).run(engine),
        }, before=lambda: refill(engine, args.rows), check=altered)
    print(f"{args.rows:,} rows on {target.engine}, batches of {args.batch:,}, best of {args.repeat}:")
    print(f"  blocking ALTER (table copy, writes blocked)   {times['alter']:7.3f} s")
    print(f"  OnlineAlter (shadow copy, writes go on)       {times['online']:7.3f} s")
    print(f"price of not blocking writes: online/alter = {times['online'] / times['alter']:.2f}")


if __name__ == "__main__":
    main()
