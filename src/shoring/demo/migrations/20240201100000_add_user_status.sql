-- Migration: Add user status
-- Date: 2024-02-01
-- Author: AI Agent
-- Issue: bd-dbmod.33
-- Purpose: Track whether an account is active (the seed's "Adding a column" safe pattern)
-- Breaking-Changes: none (nullable column with a default)
-- Rollback: safe; the column is dropped
-- Estimated-Time: < 1 second (~10k rows)
-- Depends: 20240125090000

-- migrate:up
-- 1. Add column as nullable with default
ALTER TABLE users ADD COLUMN status VARCHAR(20) DEFAULT 'active';

-- 2. Backfill existing rows (if needed)
UPDATE users SET status = 'active' WHERE status IS NULL;

-- migrate:down
ALTER TABLE users DROP COLUMN status;
