"""Zero-downtime operations for Python migrations: `operations = [...]`, compiled per engine.

    from shoring.operations import AddColumn, CreateIndex

    operations = [
        AddColumn("users", "email_verified", "boolean", default=False),
        CreateIndex("users_email_idx", "users", ["email"]),
    ]

Each operation writes the safe form of its change for the engine it runs on (CONCURRENTLY, NOT
VALID then VALIDATE, ALGORITHM=INPLACE LOCK=NONE, the validated-CHECK route to NOT NULL) and
the statements that undo it; every identifier is quoted exactly as written.
"""

from shoring.operations.add_check import AddCheck
from shoring.operations.add_column import AddColumn
from shoring.operations.add_foreign_key import AddForeignKey
from shoring.operations.add_unique import AddUnique
from shoring.operations.backfill import Backfill
from shoring.operations.base import BaseOperation
from shoring.operations.create_index import CreateIndex
from shoring.operations.create_table import CreateTable
from shoring.operations.drop_column import DropColumn
from shoring.operations.drop_index import DropIndex
from shoring.operations.drop_table import DropTable
from shoring.operations.expand_change_type import ContractChangeType, ExpandChangeType
from shoring.operations.expand_rename_column import (
    ContractRenameColumn,
    ExpandRenameColumn,
)
from shoring.operations.online_alter import OnlineAlter
from shoring.operations.partition_table import ContractPartitionTable, PartitionTable
from shoring.operations.rename_column import RenameColumn
from shoring.operations.rename_table import RenameTable
from shoring.operations.repack import Repack
from shoring.operations.run_sql import RunSQL
from shoring.operations.set_not_null import SetNotNull

__all__ = [
    "AddCheck", "AddColumn", "AddForeignKey", "AddUnique", "Backfill", "BaseOperation", "ContractChangeType",
    "ContractRenameColumn", "CreateIndex", "CreateTable", "DropColumn", "DropIndex", "DropTable", "ExpandChangeType",
    "ExpandRenameColumn", "OnlineAlter", "PartitionTable", "ContractPartitionTable", "RenameColumn", "RenameTable", "Repack", "RunSQL", "SetNotNull",
]
