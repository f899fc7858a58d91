"""A password in the database URL appears nowhere: not in any command's output, the history rows, the
files shoring writes (.shoring/, backups, the HTML report), the backup names, nor an exception's text.

Each test makes a role (PostgreSQL) or a user (MariaDB) with a password and works as it. PostgreSQL on
the test machines trusts 127.0.0.1 (pg_hba), so the password is sent but not checked there: enough to
see where it would leak. MariaDB checks it.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import MYSQL_ADMIN_URL, PG_ADMIN_URL, Project, require_server

PASSWORD = "Hs-9x!Qv@/z%#?:"  # every character a URL must encode, so a raw or half-masked copy shows
TELLTALES = (PASSWORD, quote(PASSWORD, safe=""), "Hs-9x", "9x!Qv", "Qv@/z")

GOOD = "-- Purpose: t\n-- Rollback: drop\n-- migrate:up\nCREATE TABLE items (id INTEGER PRIMARY KEY, v INTEGER);\n" \
       "-- migrate:down\nDROP TABLE items;\n"
FAILING = "-- Purpose: fails\n-- Rollback: drop\n-- migrate:up\nALTER TABLE items ADD COLUMN w INTEGER;\n" \
          "INSERT INTO no_such_table VALUES (1);\n-- migrate:down\nALTER TABLE items DROP COLUMN w;\n"
FIXED = FAILING.replace("INSERT INTO no_such_table VALUES (1);\n", "UPDATE items SET w = 1;\n")
BACKFILL = '"""Purpose: fill"""\nfrom shoring.operations import Backfill\n\n' \
           'operations = [Backfill("items", set={"v": 1}, batch_size=1, pause=0)]\n'


@pytest.fixture
def pg_secret_url():
    require_server("postgresql")
    from shoring.engines.url import parse_url
    from shoring.engines import connect

    role = database = f"shoring_t_secret_{uuid.uuid4().hex[:8]}"
    with connect(PG_ADMIN_URL) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN CREATEDB PASSWORD '{PASSWORD}'")
        admin.execute(f"CREATE DATABASE {database} OWNER {role} TEMPLATE template0")
    server = parse_url(PG_ADMIN_URL)
    yield f"postgresql://{role}:{quote(PASSWORD, safe='')}@{server.host}:{server.port}/{database}"
    with connect(PG_ADMIN_URL) as admin:
        for (name,) in admin.query("SELECT datname FROM pg_database WHERE datdba = (SELECT oid FROM pg_roles "
                                   "WHERE rolname = %s)", [role]):
            admin.drop_database(name)
        admin.execute(f"DROP ROLE {role}")


@pytest.fixture
def mysql_secret_url():
    require_server("mysql")
    from shoring.engines.url import parse_url
    from shoring.engines import connect

    user = database = f"shoring_t_secret_{uuid.uuid4().hex[:8]}"
    with connect(MYSQL_ADMIN_URL) as admin:
        admin.create_database(database)
        for host in ("%%", "localhost"):  # (%% as the driver formats the statement with its parameter)
            admin.execute(f"CREATE USER '{user}'@'{host}' IDENTIFIED BY %s", [PASSWORD])
            admin.execute(f"GRANT ALL PRIVILEGES ON *.* TO '{user}'@'{host}'", [])  # its scratch copies too
    server = parse_url(MYSQL_ADMIN_URL)
    yield f"mysql://{user}:{quote(PASSWORD, safe='')}@{server.host}:{server.port}/{database}"
    with connect(MYSQL_ADMIN_URL) as admin:
        admin.drop_database(database)
        for host in ("%%", "localhost"):
            admin.execute(f"DROP USER IF EXISTS '{user}'@'{host}'", [])


def leaks(text: str) -> list[str]:
    return [t for t in TELLTALES if t in text]


def every_command(url: str, root: Path) -> list[tuple[tuple[str, ...], str]]:
    """Run the whole workflow as a user would, the URL in DATABASE_URL (so no file holds it by design)."""
    project = Project(root, url)
    (root / "shoring.toml").write_text('[backup]\npath = "backups/{database}-{user}-{version}-{timestamp}{suffix}"\n')
    env = {"DATABASE_URL": url}
    outputs = []

    def run(*args: str, expect: int | None = 0):
        result = project.run(*args, env=env)
        outputs.append((args, result.out + result.err))
        assert expect is None or result.code == expect, (args, result.out, result.err)
        return result

    project.write("1_items.sql", GOOD)
    run("lint")
    run("plan")
    run("plan", "--format", "html")
    run("plan", "--format", "json")
    run("test")
    run("apply")
    project.write("2_fails.sql", FAILING)
    run("apply", expect=1)  # the failure message, and the failure in the history
    run("status", expect=None)  # PostgreSQL rolled it back (pending); MariaDB kept its first statement
    project.write("2_fails.sql", FIXED)
    run("repair", expect=None)
    run("apply")
    project.write("3_fill.py", BACKFILL)
    run("apply")
    for command in ("status", "history", "verify"):
        run(command)
        run(command, "--format", "json")
    # (--no-backup: apply's backup of this version, taken the same second, has the name rollback's would)
    run("rollback", "--steps", "1", "--no-backup")
    project.write("4_bad.sql", "-- Transacton: false\n-- migrate:up\nSELECT 1;\n")
    run("apply", expect=2)
    (root / "migrations" / "4_bad.sql").unlink()
    wrong = url.rsplit("/", 1)[0] + "/no_such_database_here"
    outputs.append((("status", "--database", wrong), project.run("status", "--database", wrong).err))
    unreachable = url.replace(url.split("@", 1)[1].split("/", 1)[0], "127.0.0.1:1")
    outputs.append((("status", "--database", unreachable), project.run("status", "--database", unreachable).err))
    tables = sorted(t for t in project.tables() if t.startswith("shoring_"))
    assert "shoring_migrations" in tables
    with project.connect() as engine:
        for table in tables:
            rows = engine.query(f"SELECT * FROM {engine.quote(table)}")
            assert rows or table.endswith("_backfills"), table
            outputs.append(((f"rows of {table}",), repr(rows)))
    for path in sorted(root.rglob("*")):  # .shoring/ records, the backup list, the backups themselves
        outputs.append(((f"name {path.relative_to(root)}",), str(path)))
        if path.is_file():
            outputs.append(((f"file {path.relative_to(root)}",), path.read_bytes().decode("utf-8", "replace")))
    assert any("backups/" in str(args) for args, _ in outputs), "no backup was taken"
    assert any(".shoring/" in str(args) for args, _ in outputs), "nothing was recorded in .shoring/"
    return outputs


def exception_texts(url: str) -> list[str]:
    """What the library raises when a URL cannot be used, as a caller's traceback would print it."""
    from shoring.engines import connect
    from shoring.errors import ShoringError

    texts = []
    for bad in (url.rsplit("/", 1)[0] + "/no_such_database_here", url.replace("@", "@[", 1),
                url.replace("://", "//", 1)):
        with pytest.raises(ShoringError) as caught:
            connect(bad)
        texts += [str(caught.value), repr(caught.value)]
    return texts


@pytest.mark.parametrize("which", ["postgresql", "mysql"])
def test_the_password_appears_nowhere(which, request, tmp_path):
    url = request.getfixturevalue(f"{'pg' if which == 'postgresql' else 'mysql'}_secret_url")
    found = {" ".join(args): leaks(text) for args, text in every_command(url, tmp_path / "project")}
    found.update({f"exception {i}": leaks(text) for i, text in enumerate(exception_texts(url))})
    assert {where: what for where, what in found.items() if what} == {}
