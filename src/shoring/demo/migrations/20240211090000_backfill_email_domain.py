"""
Migration: Backfill email domain
Date: 2024-02-11
Author: AI Agent
Issue: bd-dbmod.34
Purpose: Fill email_domain in batches (the seed's batched data migration), in its own migration
Breaking-Changes: none (data only)
Rollback: safe; the values stay until the column is dropped
Estimated-Time: < 1 second (~10k rows, 5 batches)
Depends: 20240210090000
"""
from shoring.operations import Backfill

operations = [
    Backfill("users", set_sql="email_domain = substr(email, instr(email, '@') + 1)",
             where="email_domain IS NULL", batch_size=2000, pause=0.05),
]
