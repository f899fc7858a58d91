"""`shoring plan` reads and parses each migration file once: the lint findings it shows come from the
migrations the plan already read, not from the files read again (issue 17: 12 reads and 12 parses for 6).
"""

from __future__ import annotations

import builtins
import pathlib
from collections import Counter
from pathlib import Path

import pytest
from support import run_cli

import shoring.analysis.postgresql as postgresql
import shoring.migrations.model as model

SIX = [
    ("accounts", "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);", "DROP TABLE accounts;"),
    ("accounts_email", "CREATE INDEX accounts_email ON accounts (email);", "DROP INDEX accounts_email;"),
    ("orders", "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, total int);", "DROP TABLE orders;"),
    ("orders_note", "ALTER TABLE orders ADD COLUMN note text;", "ALTER TABLE orders DROP COLUMN note;"),
    ("orders_total", "UPDATE orders SET total = 0 WHERE total IS NULL;", None),
    ("audit", "CREATE TABLE audit (id bigint PRIMARY KEY, what text);", "DROP TABLE audit;"),
]


def write_project(root: Path, database: str | None) -> list[Path]:
    (root / "migrations").mkdir(parents=True)
    (root / "shoring.toml").write_text(f'database = "{database}"\n' if database else "", encoding="utf-8")
    paths = []
    for n, (name, up, down) in enumerate(SIX, 1):
        path = root / "migrations" / f"2024010100000{n}_{name}.sql"
        path.write_text(f"-- migrate:up\n{up}\n" + (f"\n-- migrate:down\n{down}\n" if down else ""), encoding="utf-8")
        paths.append(path.resolve())
    return paths


def count_reads_and_parses(monkeypatch, files: list[Path]) -> tuple[Counter, Counter]:
    """Every read of a migration file (through pathlib or open()) and every parse of one, by file name."""
    reads: Counter = Counter()
    parses: Counter = Counter()
    watched = set(files)

    def counted(original):
        def read(path, *args, **kwargs):
            if isinstance(path, (str, Path)) and Path(path).resolve() in watched:
                reads[Path(path).name] += 1
            return original(path, *args, **kwargs)
        return read

    monkeypatch.setattr(pathlib.Path, "read_bytes", counted(pathlib.Path.read_bytes))
    monkeypatch.setattr(pathlib.Path, "read_text", counted(pathlib.Path.read_text))
    monkeypatch.setattr(builtins, "open", counted(builtins.open))
    for name in ("parse_sql_migration", "parse_python_migration"):
        original = getattr(model, name)

        def parse(path, *args, _original=original, **kwargs):
            parses[Path(path).name] += 1
            return _original(path, *args, **kwargs)

        monkeypatch.setattr(model, name, parse)
    return reads, parses


def count_sql_parses(monkeypatch) -> Counter:
    """Every call of PostgreSQL's own parser, by the SQL text it was given (a section of a migration)."""
    from pglast import parser

    calls: Counter = Counter()
    original = parser.parse_sql_json

    def parse(text, *args, **kwargs):
        calls[text] += 1
        return original(text, *args, **kwargs)

    monkeypatch.setattr(parser, "parse_sql_json", parse)
    postgresql._section_tree.cache_clear()  # what an earlier test parsed is no parse of this run
    return calls


@pytest.mark.parametrize("database", ["offline", "sqlite"])
def test_plan_reads_and_parses_each_migration_once(tmp_path: Path, monkeypatch, database: str):
    root = tmp_path / "project"
    url = f"sqlite:///{tmp_path / 'app.db'}" if database == "sqlite" else None
    files = write_project(root, url)
    reads, parses = count_reads_and_parses(monkeypatch, files)
    sql_parses = count_sql_parses(monkeypatch)
    args = ["plan", "--format", "json", "--no-calibrate"] + ([] if url else ["--engine", "postgresql"])
    result = run_cli(root, args, unset=("DATABASE_URL",))
    assert result.code == 0, result.err
    plan = result.json
    assert len(plan["migrations"]) == 6
    findings = {f["rule"] for m in plan["migrations"] for f in m["findings"]}
    assert findings, "the plan shows lint findings (so the migrations were linted)"
    names = [f.name for f in files]
    assert reads == Counter(names), "each migration file is read once"
    assert parses == Counter(names), "each migration file is parsed once"
    if database == "offline":  # PostgreSQL's parser reads a whole section in one call
        assert sql_parses and set(sql_parses.values()) == {1}, f"each section's SQL is parsed once: {sql_parses}"
