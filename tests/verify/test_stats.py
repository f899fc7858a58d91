"""Row estimates without reading tables: a partitioned PostgreSQL table is estimated from its partitions,
and a caller asking for some tables reads the statistics of those only (a table without statistics is
counted, which reads it in full: apply's post-check once counted a table its migration had just
partitioned, a scan of every row while the application ran)."""

from __future__ import annotations

from shoring import verify
from shoring.engines import connect

PARTITIONED = [
    "CREATE TABLE events (id int NOT NULL, day date NOT NULL) PARTITION BY RANGE (day)",
    "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')",
    "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
    "INSERT INTO events SELECT g, date '2024-01-01' + g % 700 FROM generate_series(1, 5000) g",
]


def test_a_partitioned_table_is_estimated_from_its_partitions_not_counted(pg_url):
    with connect(pg_url) as engine:
        for sql in PARTITIONED:
            engine.execute(sql)
        engine.execute("ANALYZE events")
        stats = verify.table_stats(engine, verify.snapshot(engine))
        sizes = engine.query_one("SELECT pg_total_relation_size('events_2024') + pg_total_relation_size('events_2025')")[0]
    assert stats["events"].rows == 5000 and not stats["events"].exact  # the leaves' statistics, summed
    assert stats["events"].bytes == sizes


def test_only_the_tables_asked_for_are_read(db_url):
    with connect(db_url) as engine:
        engine.execute("CREATE TABLE wanted (id INTEGER)")
        engine.execute("CREATE TABLE other (id INTEGER)")
        stats = verify.table_stats(engine, verify.snapshot(engine), only=["wanted"])
    assert set(stats) == {"wanted"}
