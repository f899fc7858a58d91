"""`shoring import TOOL`: adopt a database another migration tool kept, from that tool's own history.

One module per tool reads its history table (and its files where the table alone cannot say what
ran) into a `ToolHistory`; `record.record_import` writes it into shoring's history, so the next
`apply` runs only what is new.
"""

from shoring.imports.base import READERS, ToolHistory, ToolMigration, read_history
from shoring.imports.record import record_import

__all__ = ["READERS", "ToolHistory", "ToolMigration", "read_history", "record_import"]
