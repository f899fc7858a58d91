"""A throwaway database and the project's migrations, driven from test code."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator, Sequence

from shoring.config import Settings, load_settings
from shoring.errors import ConfigError


class Migrator:
    """Apply and roll back the project's migrations on one scratch database; read and write it."""

    def __init__(self, settings: Settings, engine: Any):
        self.settings = settings
        self.engine = engine  # the driver's connection stays open for the test's own statements
        self.url = engine.url
        self.log: list[str] = []  # what shoring said while migrating

    def _session(self):
        from shoring.migrations import load_migrations
        from shoring.runner.session import Session

        # read the folder each time: a test may write or edit migrations as it goes
        migrations = load_migrations(self.settings.migrations_dir)
        return Session(settings=self.settings, engine=self.engine, migrations=migrations, say=self.log.append)

    def migrate(self, to: str | None = None) -> list[str]:
        """Apply pending migrations (up to and including `to`); the versions applied."""
        from shoring.runner.apply import apply

        self._settle()
        return [r.migration.version for r in apply(self._session(), to=to, backup=False, stop_at_expand=False)]

    def rollback(self, to: str | None = None, steps: int | None = 1) -> list[str]:
        """Roll back the newest migration (or `steps` of them, or all after `to`); the versions rolled back."""
        from shoring.runner.rollback import rollback

        self._settle()
        return [r.migration.version for r in rollback(self._session(), steps=None if to else steps, to=to, backup=False)]

    def applied(self) -> list[str]:
        from shoring.migrations.discovery import version_key

        rows = self._session().history.rows()
        return sorted((v for v, r in rows.items() if r.state == "applied"), key=version_key)

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement and commit it; with parameters, each is %s and a literal % is %%, on every engine."""
        self._settle()
        count = self.engine.execute(self.engine.user_sql(sql, params), params)
        self._commit()
        return count

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        rows = self.engine.query(self.engine.user_sql(sql, params), params)
        return rows

    def schema(self) -> Any:
        """The schema as `shoring verify` snapshots it (shoring's own tables left out)."""
        from shoring import verify

        return verify.snapshot(self.engine, history_table=self.settings.history_table)

    def _settle(self) -> None:
        """Connections run in autocommit; a transaction the test began itself is committed first, or
        the migration would wait for its locks."""
        self._commit()

    def _commit(self) -> None:
        if self.engine.in_transaction:
            self.engine.commit()


def test_settings(root: Path, database: str | None = None) -> Settings:
    """The project's settings, with the test database's URL when given."""
    settings = load_settings(cwd=root, database=database)
    if not settings.database_url:
        raise ConfigError("no database for shoring's test fixtures: set `database` in shoring.toml, "
                          "SHORING_TEST_DATABASE, or pytest --shoring-database URL")
    return settings


@contextmanager
def migrator(root: Path | str = ".", database: str | None = None) -> Iterator[Migrator]:
    """A Migrator on an empty database made on the server of `database` (else the project's), dropped after."""
    from shoring.engines.url import parse_url
    from shoring.rehearsal.scratch import scratch_empty

    settings = test_settings(Path(root), database)
    target = parse_url(settings.database_url)
    with scratch_empty(target) as scratch:
        engine = scratch.connect()
        # no URL in the settings it runs with: nothing it does can reach the project's own database
        yield Migrator(replace(settings, database_url=None, database_source=None), engine)
