"""Test your own migrations with pytest: a throwaway database migrated step by step.

    def test_backfill_fills_display_names(shoring_migrator):
        db = shoring_migrator
        db.migrate(to="20240101000000")            # the schema before the data migration
        db.execute("INSERT INTO users (id, name) VALUES (%s, %s)", [1, "Ada"])
        db.migrate(to="20240102000000")            # the data migration under test
        assert db.query("SELECT display_name FROM users") == [("Ada",)]
        db.rollback(to="20240101000000")           # and its down

The fixture comes with shoring (a pytest plugin, loaded automatically). It makes an empty database
on the server of the project's configured database (SQLite: a temporary file), never touching
that database itself, and drops it after the test. `SHORING_TEST_DATABASE` or
`pytest --shoring-database URL` points it at another server.
"""

from shoring.testing.migrator import Migrator, migrator

__all__ = ["Migrator", "migrator"]
