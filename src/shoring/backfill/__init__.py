"""Batched backfills: key-range batches, each committed on its own with its checkpoint, paced.

The seed's "Batched Data Migrations": never one UPDATE over a large table. Batches walk the key
(keyset pagination: each batch starts after the last key of the one before, so no batch reads
the rows already done), commit one by one so row locks last a batch, pause between batches, and
record the last key in the same transaction: an interrupted backfill resumes where it stopped,
and no batch runs twice.
"""

from shoring.backfill.run import (
    BackfillResult,
    BackfillSpec,
    next_batch_size,
    run_backfill,
)

__all__ = ["BackfillResult", "BackfillSpec", "next_batch_size", "run_backfill"]
