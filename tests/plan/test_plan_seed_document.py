"""The seed's `email_verified` migration, planned against a real database: the seed's plan document.

The header promises "< 1 second (table has ~10k rows)"; the plan must say how long it takes on the
table it is pointed at, with the row count read from that table, not copied from the header.
"""

from __future__ import annotations

import pytest

SEED_UP = """
ALTER TABLE users
ADD COLUMN email_verified BOOLEAN DEFAULT FALSE;

CREATE INDEX idx_users_email_verified ON users(email_verified)
WHERE email_verified = FALSE;
"""
SEED_DOWN = """
DROP INDEX IF EXISTS idx_users_email_verified;
ALTER TABLE users DROP COLUMN email_verified;
"""
SEED_HEADER = """-- Migration: Add email verification
-- Issue: bd-dbmod.32
-- Purpose: Add email_verified column to track email verification status
-- Breaking-Changes: None (column is nullable with default value)
-- Rollback: Safe to rollback; column will be dropped
-- Estimated-Time: < 1 second (table has ~10k rows)

"""


def users_table(project, rows: int) -> None:
    with project.connect() as engine:
        engine.execute("CREATE TABLE users (id bigserial PRIMARY KEY, email varchar(255) NOT NULL, name text)")
        engine.execute(f"INSERT INTO users (email, name) SELECT 'u' || g || '@example.com', 'User ' || g "
                       f"FROM generate_series(1, {rows}) g")
        engine.execute("ANALYZE users")


@pytest.fixture
def seed(pg_project):
    users_table(pg_project, 25_000)
    pg_project.sql("20240128093000", "add_email_verification", SEED_UP, SEED_DOWN, header=SEED_HEADER)
    return pg_project


def test_markdown_plan_reads_like_the_seeds_with_numbers_from_the_database(seed):
    result = seed.run("plan", "--format", "markdown")
    assert result.code == 0, result.err
    doc = result.out
    assert doc.startswith("# Migration plan: Add email verification")
    for heading in ("## 1. Step-by-step migration strategy", "## 2. Impact analysis", "## 3. Rollback plan",
                    "## 4. Testing checklist", "## 5. Estimated execution time", "## 6. Timeline",
                    "## Pre-migration checklist"):
        assert heading in doc
    # the estimate in the seed's words, with the row count of the real table (25k, not the header's 10k)
    assert "**Estimated execution time:** < 1 second (table has ~25k rows)" in doc
    assert "~10k" not in doc.split("## What is changing")[0]
    assert "PostgreSQL 15" in doc
    # impact: the ALTER's lock blocks reads and writes until the migration commits; the index build scans
    assert "| 20240128093000 | 1 | add_column | users AccessExclusiveLock |" in doc
    assert "| 20240128093000 | 2 | create_index | users ShareLock | writes for < 1 second | scans users |" in doc
    assert "until COMMIT (the end of the migration)" in doc
    # expand-contract order: code using the column ships after
    assert "**Then deploy:** code that reads or writes users.email_verified." in doc
    # rollback: down restores the schema, but a rollback loses what was written to the new column
    assert "reversible: down restores the schema up changes" in doc
    assert "**Rolling back discards** values written to users.email_verified after the apply." in doc
    # the checklist items the tool can answer are answered
    assert "- [ ] Backup database (full backup or snapshot): not configured" in doc
    assert "- [ ] Verify rollback plan is tested: not rehearsed" in doc
    assert "- [x] Schedule maintenance window (if downtime needed): not needed" in doc
    assert "- [ ] Notify stakeholders of migration" in doc


def test_backup_table_in_config_ticks_the_backup_item(seed):
    config = seed.root / "shoring.toml"
    config.write_text(config.read_text() + '\n[backup]\ncommand = "pg_dump -Fc app > app.dump"\n')
    doc = seed.run("plan", "--format", "markdown").out
    assert "- [x] Backup database (full backup or snapshot): configured in [backup] (command = 'pg_dump" in doc


def test_rehearsal_of_this_exact_file_ticks_rollback_tested(seed):
    rehearsed = seed.run("test")
    assert rehearsed.code == 0, rehearsed.out + rehearsed.err
    plan = seed.run("plan", "--format", "json").json
    item = plan["migrations"][0]["checklist"][1]
    assert item["item"] == "Verify rollback plan is tested" and item["done"] is True
    # editing the file changes its checksum: the rehearsal no longer counts
    path = next(seed.migrations.glob("*.sql"))
    path.write_text(path.read_text() + "\n-- edited\n")
    plan = seed.run("plan", "--format", "json").json
    assert plan["migrations"][0]["checklist"][1]["done"] is False
