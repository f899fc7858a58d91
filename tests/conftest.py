"""Shared fixtures: throwaway databases on real servers, a project folder, and an in-process CLI.

Server tests skip with a reason when a server is unreachable, except under CI (CI=true), where an
unreachable server is a failure: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from support import Result, run_cli, wait_until  # noqa: F401 - re-exported for tests

PG_ADMIN_URL = os.environ.get("SHORING_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
MYSQL_ADMIN_URL = os.environ.get("SHORING_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
ENGINES = ("sqlite", "postgresql", "mysql")
_reachable: dict[str, str | None] = {}


def _server_problem(engine: str) -> str | None:
    """None when the server answers, else why not (cached per test process)."""
    if engine not in _reachable:
        from shoring.engines import connect

        url = PG_ADMIN_URL if engine == "postgresql" else MYSQL_ADMIN_URL
        try:
            connect(url).close()
            _reachable[engine] = None
        except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
            _reachable[engine] = str(exc)
    return _reachable[engine]


def require_server(engine: str) -> None:
    if engine == "sqlite":
        return
    problem = _server_problem(engine)
    if problem:
        message = f"{engine} server not reachable ({problem})"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"{message}; CI must run every server test")
        pytest.skip(message)


def new_database(engine: str, tmp_path: Path) -> tuple[str, callable]:
    """(URL of a fresh empty database, function that drops it)."""
    if engine == "sqlite":
        path = tmp_path / f"db_{uuid.uuid4().hex[:8]}.sqlite"
        return f"sqlite:///{path}", lambda: None
    from shoring.engines.url import parse_url
    from shoring.engines import connect

    require_server(engine)
    admin_url = PG_ADMIN_URL if engine == "postgresql" else MYSQL_ADMIN_URL
    name = f"shoring_t_{uuid.uuid4().hex[:12]}"
    with connect(admin_url) as admin:
        # PostgreSQL copies template1 by default and refuses while anyone is connected to it (a scratch
        # copy's admin connection, in a parallel test); template0 takes no connections
        admin.create_database(name, **({"template": "template0"} if engine == "postgresql" else {}))
    url = parse_url(admin_url).with_database(name)
    raw = f"{url.scheme}://{url.user}@{url.host}:{url.port}/{name}"

    def drop() -> None:
        with connect(admin_url) as admin:
            if engine == "mysql":  # a session the test left open in a transaction would hold DROP forever
                for (session,) in admin.query("SELECT id FROM information_schema.PROCESSLIST WHERE db = %s "
                                              "AND id <> CONNECTION_ID()", [name]):
                    try:
                        admin.execute(f"KILL {int(session)}")
                    except Exception:  # noqa: BLE001 - it ended on its own meanwhile
                        pass
            admin.drop_database(name)

    return raw, drop


@pytest.fixture(params=ENGINES)
def engine_name(request) -> str:
    require_server(request.param)
    return request.param


@pytest.fixture
def db_url(engine_name: str, tmp_path: Path):
    """A throwaway database on each of the three engines (the test runs once per engine)."""
    url, drop = new_database(engine_name, tmp_path)
    yield url
    drop()


@pytest.fixture
def pg_url(tmp_path: Path):
    url, drop = new_database("postgresql", tmp_path)
    yield url
    drop()


@pytest.fixture
def mysql_url(tmp_path: Path):
    url, drop = new_database("mysql", tmp_path)
    yield url
    drop()


@pytest.fixture
def sqlite_url(tmp_path: Path):
    url, drop = new_database("sqlite", tmp_path)
    yield url
    drop()


class Project:
    """A project folder with shoring.toml pointing at one database, and a way to run the CLI in it."""

    def __init__(self, root: Path, url: str):
        self.root = root
        self.url = url
        self.migrations = root / "migrations"
        self.migrations.mkdir(parents=True, exist_ok=True)
        (root / "shoring.toml").write_text(f'database = "{url}"\nlock_wait = 60\n', encoding="utf-8")

    @property
    def engine(self) -> str:
        from shoring.engines.url import parse_url

        return parse_url(self.url).engine

    def write(self, filename: str, text: str, *, newline: str = "\n") -> Path:
        path = self.migrations / filename
        path.write_bytes(text.replace("\n", newline).encode("utf-8"))
        return path

    def sql(self, version: str, name: str, up: str, down: str | None = None, header: str = "") -> Path:
        body = f"{header}-- migrate:up\n{up.strip()}\n"
        if down is not None:
            body += f"\n-- migrate:down\n{down.strip()}\n"
        return self.write(f"{version}_{name}.sql", body)

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Run `shoring ARGS` in-process with this folder as the working directory."""
        return run_cli(self.root, args, env)

    def connect(self):
        from shoring.engines import connect

        return connect(self.url)

    def query(self, sql: str, params=None) -> list[tuple]:
        with self.connect() as engine:
            return engine.query(sql, params)

    def tables(self) -> set[str]:
        with self.connect() as engine:
            if engine.name == "sqlite":
                rows = engine.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
            elif engine.name == "postgresql":
                rows = engine.query("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            else:
                rows = engine.query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()")
            return {r[0] for r in rows}


@pytest.fixture
def project(db_url: str, tmp_path: Path) -> Project:
    """A project on each of the three engines."""
    return Project(tmp_path / "project", db_url)


@pytest.fixture
def sqlite_project(sqlite_url: str, tmp_path: Path) -> Project:
    return Project(tmp_path / "project", sqlite_url)


@pytest.fixture
def pg_project(pg_url: str, tmp_path: Path) -> Project:
    return Project(tmp_path / "project", pg_url)


@pytest.fixture
def mysql_project(mysql_url: str, tmp_path: Path) -> Project:
    return Project(tmp_path / "project", mysql_url)
