"""PartitionTable: pgslice's prep, fill and swap on PostgreSQL; writes made meanwhile reach the
partitioned table; rollback brings back the original table with every write made since the swap."""

from __future__ import annotations

MIGRATION = '''"""
Purpose: events partitioned by month
Rollback: swaps the original back
Estimated-Time: seconds
Phase: expand
"""
from shoring.operations import PartitionTable

operations = [PartitionTable("events", "created_at", "month", batch_size=700, pause=0)]
'''


def setup_events(project) -> None:
    with project.connect() as engine:
        engine.execute("CREATE TABLE events (id bigserial PRIMARY KEY, created_at timestamptz NOT NULL, kind text NOT NULL)")
        engine.execute("CREATE INDEX events_kind_idx ON events (kind)")
        engine.execute("INSERT INTO events (created_at, kind) SELECT timestamptz '2024-01-01 00:00+00' + g * interval '1 hour', "
                       "'k' || (g % 5) FROM generate_series(0, 4999) g")  # 2024-01-01 .. 2024-07-27
    assert project.run("baseline", "0").code == 0  # adopt the database made by hand (apply refuses it otherwise)


def relkind(project, name: str):
    rows = project.query("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [name])
    return rows[0][0] if rows else None


def test_partition_table_swaps_in_a_partitioned_copy_and_rollback_restores_the_original(pg_project):
    project = pg_project
    setup_events(project)
    before = project.query("SELECT count(*), sum(id), min(created_at), max(created_at) FROM events")
    project.write("1_partition_events.py", MIGRATION)
    lint = project.run("lint", "--format", "json")
    assert [f for f in lint.json["findings"] if f["severity"] == "error"] == []

    applied = project.run("apply")
    assert applied.code == 0, applied.err
    assert relkind(project, "events") == "p" and relkind(project, "events_retired") == "r"
    assert project.query("SELECT count(*), sum(id), min(created_at), max(created_at) FROM events") == before
    parts = [r[0] for r in project.query(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events'::regclass ORDER BY 1")]
    assert parts[:7] == ["events_default", "events_p202401", "events_p202402", "events_p202403", "events_p202404",
                         "events_p202405", "events_p202406"]
    assert project.query("SELECT count(*) FROM events_p202402") == [(29 * 24,)]  # each row in its month
    # the application writes on: the sequence moved with the table, the retired original is kept current
    project.query("INSERT INTO events (created_at, kind) VALUES ('2024-03-05 10:00+00', 'after-swap')")
    project.query("UPDATE events SET kind = 'changed' WHERE id = 1")
    project.query("DELETE FROM events WHERE id = 2")
    assert project.query("SELECT id FROM events_p202403 WHERE kind = 'after-swap'") == [(5001,)]
    assert project.query("SELECT kind FROM events_retired WHERE id IN (1, 5001) ORDER BY id") == [("changed",), ("after-swap",)]
    assert project.query("SELECT count(*) FROM events_retired WHERE id = 2") == [(0,)]
    assert project.query("SELECT count(*) FROM pg_indexes WHERE tablename = 'events_p202401' AND indexdef LIKE '%(kind)%'") == [(1,)]

    rolled = project.run("rollback")
    assert rolled.code == 0, rolled.err
    assert relkind(project, "events") == "r" and relkind(project, "events_retired") is None
    assert relkind(project, "events_intermediate") is None
    assert project.query("SELECT count(*), max(id) FROM events") == [(5000, 5001)]
    assert project.query("SELECT kind FROM events WHERE id = 1") == [("changed",)]
    project.query("INSERT INTO events (created_at, kind) VALUES (now(), 'back')")  # its sequence is its own again
    assert project.query("SELECT max(id) FROM events") == [(5002,)]
    assert project.query("SELECT count(*) FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal") == [(0,)]


def test_writes_during_the_fill_reach_the_partitioned_table(pg_project):
    """A run stopped after prep (the copy made, the trigger on) leaves writes mirrored; the rerun finishes."""
    project = pg_project
    setup_events(project)
    project.write("1_partition_events.py", MIGRATION)
    from shoring.engines import connect
    from shoring.operations.partition_table import Partition, PartitionTable

    op = PartitionTable("events", "created_at", "month")
    with connect(project.url) as engine:
        engine.begin()
        Partition(op).prep(engine, lambda s: None)
        engine.commit()
    project.query("UPDATE events SET kind = 'during' WHERE id = 10")
    project.query("INSERT INTO events (created_at, kind) VALUES ('2024-02-02 00:00+00', 'new during fill')")
    assert project.query("SELECT kind FROM events_intermediate WHERE id IN (10, 5001) ORDER BY id") == [("during",), ("new during fill",)]
    applied = project.run("apply")
    assert applied.code == 0, applied.err
    assert "resuming the fill" in applied.out
    assert project.query("SELECT count(*) FROM events") == [(5001,)]
    assert project.query("SELECT kind FROM events WHERE id IN (10, 5001) ORDER BY id") == [("during",), ("new during fill",)]
    assert project.query("SELECT count(*) FROM (SELECT id FROM events GROUP BY id HAVING count(*) > 1) d") == [(0,)]


def test_contract_drops_the_retired_table(pg_project):
    project = pg_project
    setup_events(project)
    project.write("1_partition_events.py", MIGRATION)
    project.write("2_contract.py", '"""\nPurpose: drop the retired events\nRollback: irreversible; restore from backup\n'
                  'Estimated-Time: instant\nPhase: contract\n"""\nfrom shoring.operations import ContractPartitionTable\n\n'
                  'operations = [ContractPartitionTable("events")]\n')
    first = project.run("apply")  # stops after the expand: the contract waits for the code
    assert first.code == 0, first.err
    assert relkind(project, "events_retired") == "r" and relkind(project, "events") == "p"
    assert project.run("apply", "--complete").code == 0
    assert relkind(project, "events_retired") is None and relkind(project, "events") == "p"
    project.query("INSERT INTO events (created_at, kind) VALUES (now(), 'x')")  # no trigger left pointing at it


def test_rollback_restores_the_original_table_exactly_with_every_write_made_meanwhile(pg_project):
    """Compared as verify/ sees it: the schema snapshot (columns, defaults, constraints, indexes, sequences,
    triggers, functions) equal to the one before the apply, and every row as the partitioned table had it."""
    from shoring.verify import diff, fingerprint, snapshot

    project = pg_project
    setup_events(project)
    with project.connect() as engine:
        schema_before = snapshot(engine)
        data_before = fingerprint(engine, schema_before)
    project.write("1_partition_events.py", MIGRATION)
    assert project.run("apply").code == 0
    assert relkind(project, "events") == "p"
    with project.connect() as engine:
        assert fingerprint(engine, schema_before) == data_before  # the same rows, now in partitions
        assert diff(schema_before, snapshot(engine))  # and a different schema: the check below can fail
        engine.execute("INSERT INTO events (created_at, kind) VALUES ('2024-05-05 05:00+00', 'while partitioned')")
        engine.execute("UPDATE events SET kind = 'moved', created_at = '2024-06-30 00:00+00' WHERE id = 7")  # to another partition
        engine.execute("DELETE FROM events WHERE id IN (3, 4999)")
        rows_partitioned = engine.query("SELECT id, created_at, kind FROM events ORDER BY id")

    rolled = project.run("rollback")
    assert rolled.code == 0, rolled.err
    with project.connect() as engine:
        schema_after = snapshot(engine)
        assert not diff(schema_before, schema_after), diff(schema_before, schema_after).lines()
        assert engine.query("SELECT id, created_at, kind FROM events ORDER BY id") == rows_partitioned
        engine.execute("INSERT INTO events (created_at, kind) VALUES (now(), 'after rollback')")
        assert engine.query("SELECT max(id) FROM events") == [(5002,)]  # the sequence went on from where it was
