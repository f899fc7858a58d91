"""What `shoring lint` imports: start-up is most of a small lint run, and all of a re-lint from the
cache, so a PostgreSQL run must not load the MySQL/SQLite parser (sqlglot), the terminal renderer
(rich) or the database drivers, and a cache hit must not load the parser, the analysis or the rules.

Each run is a fresh interpreter, as a user's is; the modules it loaded are read from sys.modules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
from shoring.cli.entry import main
try:
    main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps(sorted(sys.modules)), file=sys.stderr)
"""

#: Never needed to lint PostgreSQL files as JSON.
NOT_FOR_POSTGRESQL = ("sqlglot", "rich", "psycopg", "pymysql", "jsonschema", "matplotlib", "tenacity")


def loaded(cwd: Path, *args: str) -> tuple[str, set[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout, set(json.loads(done.stderr.strip().splitlines()[-1]))


def write_project(root: Path) -> None:
    (root / "migrations").mkdir(parents=True)
    (root / "shoring.toml").write_text('database = "postgresql://app@localhost/app"\n', encoding="utf-8")
    (root / "migrations" / "20240101000000_accounts.sql").write_text(
        "-- migrate:up\nCREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n\n-- migrate:down\nDROP TABLE accounts;\n")
    (root / "migrations" / "20240102000000_index.sql").write_text(
        "-- migrate:up\nCREATE INDEX idx_email ON accounts (email);\n\n-- migrate:down\nDROP INDEX idx_email;\n")


def heavy(modules: set[str], names) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in names)


def test_a_postgresql_lint_loads_neither_sqlglot_nor_rich_nor_a_driver(tmp_path: Path):
    write_project(tmp_path)
    out, modules = loaded(tmp_path, "lint", "--format", "json", "--no-cache")
    assert any(f["rule"] == "create-index-without-concurrently" for f in json.loads(out)["findings"])
    assert "pglast" in modules  # it did parse
    assert heavy(modules, NOT_FOR_POSTGRESQL) == []


def test_a_relint_from_the_cache_loads_no_parser_analysis_or_rule(tmp_path: Path):
    write_project(tmp_path)
    first, _ = loaded(tmp_path, "lint", "--format", "json")  # fills the cache
    again, modules = loaded(tmp_path, "lint", "--format", "json")
    assert again == first
    assert heavy(modules, ("pglast", *NOT_FOR_POSTGRESQL)) == []
    assert sorted(m for m in modules if m.startswith(("shoring.rules", "shoring.analysis.analyze", "shoring.lint.linter",
                                                      "shoring.migrations"))) == []
