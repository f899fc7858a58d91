"""The bundled example project that `shoring demo` walks through."""

from pathlib import Path

MIGRATIONS = Path(__file__).parent / "migrations"
