-- Migration: Create users
-- Date: 2024-01-20
-- Author: AI Agent
-- Issue: bd-dbmod.30
-- Purpose: The users table the rest of the example builds on
-- Breaking-Changes: none (new table)
-- Rollback: safe; the table is dropped (with its rows)
-- Estimated-Time: < 1 second (new table)

-- migrate:up
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email VARCHAR(255) NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

-- migrate:down
DROP TABLE users;
