-- Migration: Add email verification
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
