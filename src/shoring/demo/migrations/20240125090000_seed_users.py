"""
Migration: Seed example users
Date: 2024-01-25
Author: AI Agent
Issue: bd-dbmod.31
Purpose: Load ~10k users so the next migrations meet real volume
Breaking-Changes: none (data only)
Rollback: safe; the seeded rows are deleted
Estimated-Time: < 1 second (~10k rows)
"""

ROWS = 10_000
BATCH = 1_000


def up(ctx):
    # batches keep each statement short, as a backfill on a live table should be
    for start in range(1, ROWS + 1, BATCH):
        values = [(i, f"user{i}@example.com") for i in range(start, min(start + BATCH, ROWS + 1))]
        placeholders = ", ".join(["(%s, %s)"] * len(values))
        ctx.execute(f"INSERT INTO users (id, email) VALUES {placeholders}", [v for pair in values for v in pair])


def down(ctx):
    ctx.execute("DELETE FROM users WHERE id BETWEEN %s AND %s", (1, ROWS))
