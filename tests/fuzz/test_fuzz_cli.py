"""The CLI, in-process, on mutated migration files (SQLite): never a traceback; bad input is one line
naming the file and line, exit 2, and the database is untouched."""

from __future__ import annotations

import re
import shutil
import sqlite3
import tempfile
from pathlib import Path

from fuzz_strategies import header_line, mutated, one_line
from hypothesis import example, given
from hypothesis import strategies as st
from support import run_cli

#: in memory where the system has it: thousands of SQLite commits, each an fsync on disk
ROOT = Path(tempfile.mkdtemp(prefix="shoring-fuzz-cli-", dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
FIRST = "-- Purpose: t\n-- migrate:up\nCREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT);\n-- migrate:down\nDROP TABLE t;\n"
SECOND = ("-- Purpose: add a flag and fill it\n-- Rollback: drops it\n-- Transaction: true\n-- Depends: 1\n\n"
          "-- migrate:up\nALTER TABLE t ADD COLUMN flag BOOLEAN DEFAULT 0;\n"
          "CREATE TRIGGER t_flag AFTER INSERT ON t BEGIN UPDATE t SET flag = 1 WHERE id = NEW.id; END;\n"
          "INSERT INTO t (id, v) VALUES (1, 'it''s; -- not a comment');\n\n"
          "-- migrate:down\nDROP TRIGGER t_flag;\nALTER TABLE t DROP COLUMN flag;\n").encode()


def project() -> tuple[Path, Path]:
    """A project whose database has 1_first applied (made once, copied for every case)."""
    folder, template = ROOT / "project", ROOT / "applied.db"
    if not template.exists():
        (folder / "migrations").mkdir(parents=True)
        (folder / "shoring.toml").write_text('database = "sqlite:///app.db"\n')
        (folder / "migrations" / "1_first.sql").write_text(FIRST)
        assert run_cli(folder, ("apply",), unset=("DATABASE_URL", "SHORING_ENV")).code == 0
        shutil.copy(folder / "app.db", template)
    shutil.copy(template, folder / "app.db")
    return folder, folder / "migrations" / "2_fuzzed.sql"


def snapshot(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall() + \
            conn.execute("SELECT * FROM shoring_migrations ORDER BY version").fetchall()


def check(data: bytes, args: tuple[str, ...]) -> None:
    folder, path = project()
    path.write_bytes(data)
    before = snapshot(folder / "app.db")
    result = run_cli(folder, args, unset=("DATABASE_URL", "SHORING_ENV"))  # an uncaught exception fails here
    assert "Traceback" not in result.err + result.out, result.err
    assert result.code in (0, 1, 2), result
    if result.code == 2:
        assert one_line(result.err), result.err
        assert re.search(rf"{re.escape(path.name)}:\d+: ", result.err), result.err  # the file and the line
        assert snapshot(folder / "app.db") == before, "bad input changed the database"


COMMANDS = st.sampled_from([("apply",), ("status",), ("lint",), ("apply", "--dry-run"), ("plan",)])


@given(mutated(SECOND), COMMANDS)
@example(SECOND.replace(b"flag BOOLEAN", b"fl\x00ag BOOLEAN"), ("apply",))
@example(SECOND.replace(b"Purpose", b"Purp\xffose"), ("apply",))
def test_cli_on_a_mutated_file(data, args):
    check(data, args)


@given(st.lists(header_line, max_size=6), COMMANDS)
def test_cli_on_a_mutated_header(header, args):
    check(("\n".join(header) + "\n").encode("utf-8", "surrogatepass") + SECOND.split(b"\n\n", 1)[1], args)
