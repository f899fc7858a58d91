"""The seed's own examples (shared/seed/migration-workflow.md, quoted verbatim below) lint as it says.

Its Safe Pattern blocks pass, or are flagged only where the seed itself warns (each allowed rule is
paired with the seed's words); its pitfalls and DON'Ts are each caught. Info-level notes are advice,
not flags, and are listed where they appear.
"""

from __future__ import annotations

from .conftest import lint_text

HEADER = "-- Purpose: seed example\n-- Rollback: see down\n-- Estimated-Time: < 1 s\n"

# Step 2: Create Migration Scripts (Up and Down, with the seed's own header comments)
STEP2 = """-- Migration: Add email verification
-- Date: 2024-01-28
-- Author: AI Agent
-- Issue: bd-dbmod.32
--
-- Purpose: Add email_verified column to track email verification status
-- Breaking Changes: None (column is nullable with default value)
-- Rollback: Safe to rollback; column will be dropped
-- Estimated Execution Time: < 1 second (table has ~10k rows)

-- migrate:up
ALTER TABLE users
ADD COLUMN email_verified BOOLEAN DEFAULT FALSE;

CREATE INDEX idx_users_email_verified ON users(email_verified)
WHERE email_verified = FALSE;

-- migrate:down
DROP INDEX IF EXISTS idx_users_email_verified;
ALTER TABLE users DROP COLUMN email_verified;
"""

ADDING_A_COLUMN = """-- 1. Add column as nullable with default
ALTER TABLE users ADD COLUMN status VARCHAR(20) DEFAULT 'active';

-- 2. Backfill existing rows (if needed)
UPDATE users SET status = 'active' WHERE status IS NULL;

-- 3. Add NOT NULL constraint (optional, after backfill)
ALTER TABLE users ALTER COLUMN status SET NOT NULL;
"""

RENAME_EXPAND = """-- Phase 1: Expand
ALTER TABLE users ADD COLUMN email_address VARCHAR(255);
UPDATE users SET email_address = email;
-- Deploy code that writes to both columns
"""
RENAME_CONTRACT = """-- Phase 2: Contract (after code deployment)
ALTER TABLE users DROP COLUMN email;
"""

INDEX_POSTGRESQL = "-- PostgreSQL: Non-blocking index creation\nCREATE INDEX CONCURRENTLY idx_users_email ON users(email);\n"
INDEX_MYSQL = "-- MySQL: Online DDL\nALTER TABLE users ADD INDEX idx_users_email (email), ALGORITHM=INPLACE, LOCK=NONE;\n"

CHANGING_TYPE = """-- 1. Add new column with new type
ALTER TABLE users ADD COLUMN age_new INTEGER;

-- 2. Backfill data with conversion
UPDATE users SET age_new = CAST(age AS INTEGER);

-- 3. Verify data integrity
SELECT COUNT(*) FROM users WHERE age_new IS NULL AND age IS NOT NULL;

-- 4. Drop old column, rename new column
ALTER TABLE users DROP COLUMN age;
ALTER TABLE users RENAME COLUMN age_new TO age;
"""

BATCHED = """DO $$
DECLARE
  batch_size INT := 1000;
  processed INT := 0;
BEGIN
  LOOP
    UPDATE users
    SET email_verified = FALSE
    WHERE email_verified IS NULL
    AND id IN (
      SELECT id FROM users
      WHERE email_verified IS NULL
      LIMIT batch_size
    );

    GET DIAGNOSTICS processed = ROW_COUNT;
    EXIT WHEN processed = 0;

    -- Small delay between batches
    PERFORM pg_sleep(0.1);
  END LOOP;
END $$;
"""

#: rule -> the seed's words that warn about exactly that.
SEED_WARNS = {
    "unbatched-data-change": "Running long migrations without batching: Locks tables, causes downtime",
    "backfill-in-schema-migration": "Forgetting to backfill data ... Plan backfill as separate step after adding column",
    "statements-after-access-exclusive": "Running long migrations without batching: Locks tables; DON'T Ignore database locks and blocking",
    "set-not-null-without-check": "DON'T Ignore database locks and blocking",
    "missing-statement-timeout": "DON'T Ignore database locks and blocking",
    "create-index-without-concurrently": "DON'T Ignore database locks and blocking (its own index pattern uses CONCURRENTLY)",
    "drop-index-without-concurrently": "DON'T Ignore database locks and blocking",
    "drop-column": "Deploying code and migration together ... Contract: remove the column after all code uses the new one",
}


def migration(body: str, down: str = "SELECT 1;", header: str = HEADER) -> str:
    return f"{header}-- migrate:up\n{body}\n-- migrate:down\n{down}\n"


def loud(findings) -> set[str]:
    return {f.rule for f in findings if f.severity in ("error", "warning")}


def quiet(findings) -> set[str]:
    return {f.rule for f in findings if f.severity == "info"}


def test_step2_scripts(tmp_path):
    findings = lint_text(tmp_path, STEP2)
    # the column with a constant default is safe (PostgreSQL 11+); the plain CREATE INDEX is not
    assert {"create-index-without-concurrently", "drop-index-without-concurrently"} <= loud(findings) <= set(SEED_WARNS)
    assert not any(f.rule.startswith("add-column") for f in findings)


def test_safe_pattern_adding_a_column(tmp_path):
    findings = lint_text(tmp_path, migration(ADDING_A_COLUMN, "ALTER TABLE users DROP COLUMN status;"))
    assert loud(findings) <= set(SEED_WARNS), loud(findings) - set(SEED_WARNS)
    assert {"unbatched-data-change", "backfill-in-schema-migration"} <= loud(findings)
    assert quiet(findings) == {"prefer-text"}  # VARCHAR(20) on PostgreSQL: advice only
    assert not any(f.rule == "add-column-volatile-default" for f in findings)  # 'active' is a constant


def test_safe_pattern_renaming_a_column_as_two_migrations(tmp_path):
    expand = migration(RENAME_EXPAND, "ALTER TABLE users DROP COLUMN email_address;")
    contract = migration(RENAME_CONTRACT, "ALTER TABLE users ADD COLUMN email VARCHAR(255);",
                         header=HEADER + "-- Phase: contract\n")
    findings = lint_text(tmp_path, f"-- file: 20240101000000_expand.sql\n{expand}-- file: 20240102000000_contract.sql\n{contract}")
    assert loud(findings) <= set(SEED_WARNS)
    assert not any(f.rule == "rename-column" for f in findings)  # the expand-contract way renames nothing
    drop = next(f for f in findings if f.rule == "drop-column")
    assert drop.severity == "warning"  # a declared contract phase: a warning, not an error


def test_safe_pattern_adding_an_index(tmp_path):
    pg = lint_text(tmp_path, migration(INDEX_POSTGRESQL, "DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;",
                                       header=HEADER + "-- Transaction: false\n"))
    assert loud(pg) == {"non-idempotent-statement"}  # the seed also asks for idempotent scripts
    mysql = lint_text(tmp_path, migration(INDEX_MYSQL, "ALTER TABLE users DROP INDEX idx_users_email;"), engine="mysql")
    assert loud(mysql) == set()


def test_safe_pattern_changing_column_type(tmp_path):
    findings = lint_text(tmp_path, migration(CHANGING_TYPE))
    assert loud(findings) <= set(SEED_WARNS), loud(findings) - set(SEED_WARNS)
    assert {"unbatched-data-change", "drop-column"} <= loud(findings)
    assert not any(f.rule == "rename-column" for f in findings)  # age_new was added by this migration
    assert not any(f.rule == "column-type-change" for f in findings)  # no ALTER TYPE: the pattern avoids it


def test_batched_strategy_parses_and_is_not_called_unbatched(tmp_path):
    findings = lint_text(tmp_path, migration(BATCHED))
    assert not any(f.rule in ("parse-error", "unbatched-data-change") for f in findings)


# --- the pitfalls and DON'Ts, each caught ----------------------------------------------------------

def caught(tmp_path, text: str, rule: str, engine: str = "postgresql") -> bool:
    return rule in {f.rule for f in lint_text(tmp_path, text, engine)}


def test_pitfall_running_long_migrations_without_batching(tmp_path):
    assert caught(tmp_path, migration("UPDATE users SET email_verified = FALSE WHERE email_verified IS NULL;"), "unbatched-data-change")


def test_pitfall_not_testing_rollback(tmp_path):
    assert caught(tmp_path, f"{HEADER}-- migrate:up\nALTER TABLE users ADD COLUMN nick text;\n", "missing-down")


def test_pitfall_deploying_code_and_migration_together(tmp_path):
    text = migration("ALTER TABLE users RENAME COLUMN email TO email_address;",
                     header=HEADER + "-- Breaking-Changes: none\n")
    assert caught(tmp_path, text, "rename-column")
    assert caught(tmp_path, text, "breaking-change-not-declared")


def test_pitfall_forgetting_to_backfill_and_adding_not_null_immediately(tmp_path):
    text = migration("ALTER TABLE users ADD COLUMN status text;\nALTER TABLE users ALTER COLUMN status SET NOT NULL;")
    assert caught(tmp_path, text, "set-not-null-before-backfill")
    assert caught(tmp_path, migration("ALTER TABLE users ADD COLUMN status text NOT NULL;"), "add-column-not-null-without-default")
    assert caught(tmp_path, migration("ALTER TABLE users ADD COLUMN status text;\nUPDATE users SET status = 'x';"),
                  "backfill-in-schema-migration")


def test_dont_ignore_database_locks_and_blocking(tmp_path):
    assert caught(tmp_path, migration("CREATE INDEX i ON users (email);"), "create-index-without-concurrently")
    assert caught(tmp_path, "ALTER TABLE users ADD COLUMN nick text;\n", "missing-lock-timeout")


def test_best_practices_idempotent_transactions_documented(tmp_path):
    assert caught(tmp_path, migration("CREATE INDEX CONCURRENTLY i ON users (email);", header="-- Transaction: false\n"),
                  "non-idempotent-statement")
    assert caught(tmp_path, migration("ALTER TABLE users ADD COLUMN nick text;", header="-- Transaction: false\n"),
                  "unneeded-transaction-false")
    assert caught(tmp_path, "-- migrate:up\nALTER TABLE users ADD COLUMN nick text;\n-- migrate:down\nSELECT 1;\n",
                  "missing-migration-header")
