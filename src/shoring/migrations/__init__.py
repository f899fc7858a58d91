"""Migration files on disk: discovery, parsing, header metadata, checksums, ordering, dependencies."""

from shoring.migrations.model import Metadata, Migration, Statement
from shoring.migrations.discovery import MigrationSet, load_migrations

__all__ = ["Metadata", "Migration", "MigrationSet", "Statement", "load_migrations"]
